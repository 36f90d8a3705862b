"""Parse a Quarto ``.qmd`` file: YAML front matter, executable cells, inline expressions.

Fences are found by a real CommonMark parser (markdown-it-py), so code inside other
fences, lists and block quotes is handled as Quarto's pandoc reader handles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from xpo1review.exceptions import QmdSyntaxError

_ENGINE = re.compile(r"^\{\s*([A-Za-z][\w-]*)\s*([^}]*)\}\s*$")
_INLINE = re.compile(r"^\{(python)\}\s+(.+)$", re.DOTALL)
_QUOTE = re.compile(r"^(\s*>)+")
_OPTION = re.compile(r"^#\s*\|\s?(.*)$")  # as Quarto: `#| key: value`


@dataclass
class CodeCell:
    """An executable fenced cell: ```` ```{python} ````."""

    engine: str
    code: str  # the body without its leading ``#|`` option lines
    options: dict[str, Any]
    line: int  # 1-based line of the opening fence
    source: str  # the body as written, option lines included

    @property
    def evaluated(self) -> bool:
        return bool(self.options.get("eval", True))


@dataclass
class InlineExpr:
    """An inline expression: `` `{python} expr` ``."""

    engine: str
    expr: str
    line: int


@dataclass
class Qmd:
    path: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    items: list[CodeCell | InlineExpr] = field(default_factory=list)

    @property
    def cells(self) -> list[CodeCell]:
        return [i for i in self.items if isinstance(i, CodeCell)]

    @property
    def inline(self) -> list[InlineExpr]:
        return [i for i in self.items if isinstance(i, InlineExpr)]

    def python_items(self) -> list[CodeCell | InlineExpr]:
        return [i for i in self.items if i.engine == "python"]


def parse_file(path: Path, name: str | None = None) -> Qmd:
    """Parse ``path``; ``name`` is how errors name the file (default: the path)."""
    return parse_text(Path(path).read_text(encoding="utf-8"), name or str(path))


def parse_text(text: str, name: str = "<qmd>") -> Qmd:
    lines = text.splitlines()
    front, body_start = _front_matter(lines, name)
    # Blank out the front matter so markdown-it keeps the file's line numbers.
    body = "\n".join([""] * body_start + lines[body_start:]) + "\n"
    doc = Qmd(name, front)
    defaults = (front.get("execute") or {}) if isinstance(front.get("execute"), dict) else {}
    md = MarkdownIt("commonmark").enable("table")
    for token in md.parse(body):
        if token.type == "fence":
            cell = _fence(token, lines, name, defaults)
            if cell is not None:
                doc.items.append(cell)
        elif token.type == "inline" and token.children and token.map:
            doc.items += _inline(token)
    return doc


def _front_matter(lines: list[str], name: str) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise QmdSyntaxError(f"{name}:1: the YAML front matter opened here is never closed "
                             "(add a line `---` after it)")
    data = _yaml("\n".join(lines[1:end]), name, first_line=2, what="front matter")
    if not isinstance(data, dict):
        raise QmdSyntaxError(f"{name}:2: the front matter must be a YAML mapping")
    return data, end + 1


def _yaml(text: str, name: str, first_line: int, what: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: {problem}") from err


def _fence(token: Any, lines: list[str], name: str,
           defaults: dict[str, Any]) -> CodeCell | None:
    start, end = token.map
    last = lines[end - 1] if start < end - 1 < len(lines) else ""
    closing = _QUOTE.sub("", last).strip()  # the fence may sit in a block quote or list
    char = token.markup[0]
    if not (closing.startswith(token.markup) and set(closing) == {char}):
        raise QmdSyntaxError(f"{name}:{start + 1}: code fence {token.markup}{token.info} is "
                             f"never closed (add a closing {token.markup} line)")
    match = _ENGINE.match(token.info.strip())
    if not match:
        return None  # a display-only block such as ```python or ```{.python}
    body = token.content
    body_lines = body.splitlines()
    opt_lines: list[str] = []
    for raw in body_lines:
        m = _OPTION.match(raw)
        if not m:
            break
        opt_lines.append(m.group(1))
    options = _yaml("\n".join(opt_lines), name, first_line=start + 2, what="#| cell options")
    if not isinstance(options, dict):
        raise QmdSyntaxError(f"{name}:{start + 2}: #| cell options must be `key: value` lines")
    options = {**{k: v for k, v in defaults.items() if k == "eval"}, **options}
    code = "\n".join(body_lines[len(opt_lines):])
    return CodeCell(match.group(1), code, options, start + 1, body.rstrip("\n"))


def _inline(token: Any) -> list[InlineExpr]:
    out: list[InlineExpr] = []
    line = token.map[0] + 1
    for child in token.children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "code_inline":
            m = _INLINE.match(child.content)
            if m:
                out.append(InlineExpr(m.group(1), m.group(2).strip(), line))
    return out
