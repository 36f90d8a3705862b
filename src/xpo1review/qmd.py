"""One reader for a Quarto chapter (``.qmd``): front matter, cells, inline expressions, prose.

A chapter is tokenised once, by markdown-it-py (CommonMark and pipe tables, the dialect
Quarto's pandoc reader agrees with on these points), into a :class:`Chapter` that the
pre-render gate, the citation scanner and the notebook converter all use.

- Lines are 1-based and counted as Quarto counts them: only a newline ends a line (form
  feed, U+2028 and the other separators of ``str.splitlines`` do not). A newline inside a
  code span, a link destination or raw HTML is counted, although markdown-it drops it.
- A cell's ``code`` is its body exactly as written, minus the leading option comment lines
  (``#|`` for Python, ``%%|`` for Mermaid, ... as in Quarto).
- Prose (:attr:`Chapter.texts`) is the text a reader sees: paragraphs, headings, table
  cells, image alt text and the caption options of cells (``fig-cap``, ``tbl-cap``,
  ``fig-alt``, ...); code, raw HTML and the text of autolinks are left out.

Anything malformed raises :class:`~xpo1review.exceptions.QmdSyntaxError` whose message
starts ``file:line:``: bad YAML (also tagged scalars such as ``!!int x`` or impossible
dates), option values of the wrong type, an unclosed fence (also one silently closed by the
next cell's fence).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from xpo1review.exceptions import QmdSyntaxError

#: Comment characters that start option lines (``#|``), by engine; the default is ``#``.
COMMENT_CHARS = {"mermaid": "%%", "ojs": "//", "dot": "//", "js": "//", "sql": "--",
                 "tikz": "%", "matlab": "%"}
#: Cell options whose text is Markdown a reader sees (captions, alt text).
CAPTION_OPTIONS = ("fig-cap", "fig-subcap", "fig-alt", "tbl-cap", "tbl-subcap", "lst-cap")
#: Options that must be true/false (Jupyter engine).
BOOL_OPTIONS = ("eval", "error", "include", "warning")

_ENGINE = re.compile(r"^\{\s*([A-Za-z][\w-]*)\s*([^}]*)\}\s*$")
_INLINE = re.compile(r"^\{(python)\}\s+(.+)$", re.DOTALL)
_QUOTE = re.compile(r"^(\s*>)+")
_CELL_FENCE = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})\s*\{")
#: YAML constructors fail with these on values such as ``!!int x`` or ``2020-02-31``.
_VALUE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Text:
    """A run of prose; ``text`` has a newline wherever the source has one."""

    line: int  # line of the run's first character
    text: str
    kind: str = "prose"  # "prose" or the caption option it came from ("fig-cap", ...)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line, text) for each line of the run."""
        for offset, part in enumerate(self.text.split("\n")):
            yield self.line + offset, part


@dataclass
class CodeCell:
    """An executable fenced cell: ```` ```{python} ````."""

    engine: str
    code: str  # the body without its leading option lines, byte for byte
    options: dict[str, Any]
    line: int  # line of the opening fence

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
class Chapter:
    path: str  # how messages name the file
    front_matter: dict[str, Any] = field(default_factory=dict)
    items: list[CodeCell | InlineExpr] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    @property
    def cells(self) -> list[CodeCell]:
        return [i for i in self.items if isinstance(i, CodeCell)]

    @property
    def inline(self) -> list[InlineExpr]:
        return [i for i in self.items if isinstance(i, InlineExpr)]

    def python_items(self) -> list[CodeCell | InlineExpr]:
        return [i for i in self.items if i.engine == "python"]


def read_file(path: Path, name: str | None = None) -> Chapter:
    """Read ``path``; ``name`` is how errors name the file (default: the path)."""
    name = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        line = 1 + Path(path).read_bytes()[:err.start].count(b"\n")
        raise QmdSyntaxError(f"{name}:{line}: not valid UTF-8 (save the file as UTF-8)") from None
    return read_text(text, name)


def read_text(text: str, name: str = "<qmd>") -> Chapter:
    """Read a chapter's text (newlines as ``open()`` gives them)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        raise QmdSyntaxError(f"{name}:{text.count(chr(10), 0, text.index(chr(0))) + 1}: "
                             "contains a NUL character (remove it)")
    lines = text.split("\n")
    front, body_start = _front_matter(lines, name)
    doc = Chapter(name, front)
    eval_default = {k: v for k, v in (front.get("execute") or {}).items() if k == "eval"}
    body = "\n" * body_start + "\n".join(lines[body_start:])
    tokens = _PARSER.parse(body)
    for i, token in enumerate(tokens):
        if token.type == "fence":
            cell, captions = _cell(token, lines, name, eval_default)
            if cell is not None:
                doc.items.append(cell)
                doc.texts += captions
        elif token.type == "inline" and token.map:
            run, exprs = _walk(token.children or [], _first_line(token, lines))
            doc.texts.append(run)
            doc.items += exprs
            if tokens[i - 1].type == "heading_open":
                doc.headings.append(Heading(int(tokens[i - 1].tag[1]), token.content, run.line))
    return doc


def read_chapters(root: Path, names: list[str]) -> tuple[list[Chapter], list[str]]:
    """The chapters ``names`` (relative to ``root``) that exist, and the problems of those
    that cannot be read (``file:line: message``)."""
    chapters, problems = [], []
    for name in names:
        path = root / name
        if path.is_file():
            try:
                chapters.append(read_file(path, name))
            except QmdSyntaxError as err:
                problems.append(str(err))
    return chapters, problems


# --- markdown-it, with exact line numbers ------------------------------------------------
def _counting(rule: Callable[[Any, bool], bool]) -> Callable[[Any, bool], bool]:
    """Wrap an inline rule: newlines it consumed without emitting a line break token (in a
    code span, link destination, raw HTML) are recorded in the last token's meta."""

    def counted(state: Any, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        ok = rule(state, silent)
        if ok and not silent and len(state.tokens) > first:
            extra = state.src.count("\n", start, state.pos) - _breaks(state.tokens[first:])
            if extra > 0:
                meta = state.tokens[-1].meta
                meta["newlines"] = meta.get("newlines", 0) + extra
        return ok

    return counted


def _breaks(tokens: list[Token]) -> int:
    return sum((t.type in ("softbreak", "hardbreak")) + t.meta.get("newlines", 0)
               + _breaks(t.children or []) for t in tokens)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.disable("text_join")  # keep backslash escapes (\@) apart from the text
    for rule in list(md.inline.ruler.__rules__):
        md.inline.ruler.at(rule.name, _counting(rule.fn), {"alt": rule.alt})
    return md


_PARSER = _parser()


def _first_line(token: Token, lines: list[str]) -> int:
    """1-based line of an inline token's first character (markdown-it strips leading lines
    that Python counts as whitespace, such as a lone form feed)."""
    start, end = token.map
    head = token.content.split("\n", 1)[0]
    for i in range(start, min(end, len(lines))):
        if head in lines[i]:
            return i + 1
    return start + 1


def _walk(children: list[Token], line: int) -> tuple[Text, list[InlineExpr]]:
    """The prose of an inline token (newlines where the source has them) and its inline
    expressions with their lines."""
    parts: list[str] = []
    exprs: list[InlineExpr] = []
    autolink, here, done = False, line, 0
    for tok in children:
        here += sum(p.count("\n") for p in parts[done:])
        done = len(parts)
        if tok.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif tok.type == "link_open" and tok.markup in ("autolink", "linkify"):
            autolink = True
        elif tok.type == "link_close":
            autolink = False
        elif tok.type == "text":
            parts.append(" " if autolink else tok.content)
        elif tok.type == "text_special":  # a backslash escape or an entity
            parts.append("\\@" if tok.info == "escape" and tok.content == "@" else tok.content)
        elif tok.type == "image":
            alt, inner = _walk(tok.children or [], here)
            parts.append(alt.text)
            exprs += inner
        elif tok.type in ("code_inline", "html_inline"):
            parts.append(" ")
            match = _INLINE.match(tok.content) if tok.type == "code_inline" else None
            if match:
                exprs.append(InlineExpr(match.group(1), match.group(2).strip(), here))
        parts.append("\n" * tok.meta.get("newlines", 0))
    return Text(line, "".join(parts)), exprs


def _captions(node: yaml.Node | None, text: str, first: int) -> list[Text]:
    """The caption and alt-text options of a cell (checked: text or lists of text) as prose,
    each line at its line in the file."""
    out = []
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        if key.value in CAPTION_OPTIONS:
            for item in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                line = _line_at(text, first, item.start_mark.index)
                source = text[item.start_mark.index:item.end_mark.index].split("\n")
                if len(source) > 1 or item.style in ("|", ">"):  # keep the source's lines
                    if item.style in ("|", ">"):
                        line, source = line + 1, source[1:]
                    value_text = "\n".join(s.strip(" \t") for s in source)
                    value_text = value_text.strip("'\"") if item.style in ("'", '"') else value_text
                else:
                    value_text = item.value
                tokens = _PARSER.parseInline(value_text)
                run, _ = _walk(tokens[0].children or [] if tokens else [], line)
                out.append(Text(line, run.text, key.value))
    return out


# --- front matter and option YAML --------------------------------------------------------
def _front_matter(lines: list[str], name: str) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].rstrip(" \t") != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip(" \t") in ("---", "..."):
            break
    else:
        raise QmdSyntaxError(f"{name}:1: the YAML front matter opened here is never closed "
                             "(add a line `---` after it)")
    text = "\n".join(lines[1:end])
    data, node = _yaml(text, name, 2, "front matter")
    if data is None:
        return {}, end + 1
    if not isinstance(data, dict):
        raise QmdSyntaxError(f"{name}:2: the front matter must be a YAML mapping (`key: value`)")
    execute = data.get("execute")
    if execute is not None:
        if not isinstance(execute, dict):
            where = _key_lines(node, text, 2).get("execute", 2)
            raise QmdSyntaxError(f"{name}:{where}: `execute` must be a mapping of options "
                                 "(e.g. `execute:` then `  eval: false`)")
        sub = next(v for k, v in node.value if k.value == "execute")
        _check_bools(execute, name, _key_lines(sub, text, 2), "execute: ")
    return data, end + 1


def _yaml(text: str, name: str, first: int, what: str) -> tuple[Any, yaml.Node | None]:
    """Load YAML, errors at the exact line of ``text`` (which starts at line ``first``)."""
    if not text.strip():
        return None, None
    loader = node = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _no_duplicate_keys(node, text, name, first, what)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = _line_at(text, first, mark.index if mark else 0)
        problem = err.problem or err.context or "cannot be read"
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: {problem}") from None
    except yaml.YAMLError as err:  # the reader: a character YAML does not allow
        line = _line_at(text, first, getattr(err, "position", 0))
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: "
                             f"{str(err).splitlines()[0]}") from None
    except _VALUE_ERRORS:
        bad = _bad_scalar(node)
        line = _line_at(text, first, bad.start_mark.index) if bad else first
        value = f"{bad.value!r} is not a valid {bad.tag.replace('tag:yaml.org,2002:', '!!')}" \
            if bad else "a value cannot be read"
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: {value} "
                             "(quote it to keep it as text)") from None
    except RecursionError:
        raise QmdSyntaxError(f"{name}:{first}: {what}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _no_duplicate_keys(node: yaml.Node, text: str, name: str, first: int, what: str) -> None:
    """Quarto's YAML reader refuses a key given twice in one mapping; so does this one."""
    for mapping in _nodes(node, set()):
        if isinstance(mapping, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, _ in mapping.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag.endswith(":merge"):
                    continue
                if (key.tag, key.value) in seen:
                    line = _line_at(text, first, key.start_mark.index)
                    raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: `{key.value}` "
                                         "is given twice (keep one)")
                seen.add((key.tag, key.value))


def _line_at(text: str, first: int, index: int) -> int:
    return first + text.count("\n", 0, index)


def _bad_scalar(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar whose tag's constructor fails (e.g. ``!!int x``, ``2020-02-31``)."""
    for scalar in _nodes(node, set()):
        if isinstance(scalar, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(scalar)
            except _VALUE_ERRORS + (yaml.YAMLError,):
                return scalar
    return None


def _nodes(node: yaml.Node | None, seen: set[int]) -> Iterator[yaml.Node]:
    if node is None or id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _nodes(key, seen)
            yield from _nodes(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _nodes(item, seen)


def _key_lines(node: yaml.Node | None, text: str, first: int) -> dict[Any, int]:
    """Top-level key -> line of its value (a block scalar's text starts on the next line)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    out = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        index = value.start_mark.index
        block = isinstance(value, yaml.ScalarNode) and value.style in ("|", ">")
        out[key.value] = _line_at(text, first, index) + block
    return out


# --- cells -------------------------------------------------------------------------------
def _cell(token: Token, lines: list[str], name: str,
          eval_default: dict[str, Any]) -> tuple[CodeCell | None, list[Text]]:
    """The executable cell of a fence (None for a display-only block) and its captions."""
    start, end = token.map
    char, opening = token.markup[0], f"{token.markup}{token.info}"
    last = lines[end - 1] if start < end - 1 < len(lines) else ""
    closing = _QUOTE.sub("", last).strip(" \t")  # the fence may sit in a block quote or list
    if not (closing.startswith(token.markup) and set(closing) == {char}):
        raise QmdSyntaxError(f"{name}:{start + 1}: code fence {opening} is never closed "
                             f"(add a closing {token.markup} line)")
    body = token.content[:-1] if token.content.endswith("\n") else token.content
    body_lines = body.split("\n") if body else []
    for offset, raw in enumerate(body_lines, start=start + 2):
        inner = _CELL_FENCE.match(raw)
        if inner and inner["run"][0] == char and len(inner["run"]) >= len(token.markup):
            raise QmdSyntaxError(
                f"{name}:{start + 1}: code fence {opening} is not closed before line "
                f"{offset}, where another cell starts (add a closing {token.markup} line)")
    match = _ENGINE.match(token.info.strip())
    if not match:
        return None, []  # a display-only block such as ```python or ```{.python}
    engine = match.group(1)
    prefix = re.compile(r"^" + re.escape(COMMENT_CHARS.get(engine, "#")) + r"\s*\|\s?(.*)$")
    opt_lines: list[str] = []
    for raw in body_lines:
        option = prefix.match(raw)
        if not option:
            break
        opt_lines.append(option.group(1))
    yaml_text = "\n".join(opt_lines)
    options, node = _options(yaml_text, name, start + 2)
    cell = CodeCell(engine, "\n".join(body_lines[len(opt_lines):]), {**eval_default, **options},
                    start + 1)
    return cell, _captions(node, yaml_text, start + 2)


def _options(text: str, name: str, first: int) -> tuple[dict[str, Any], yaml.Node | None]:
    """A cell's ``#|`` options, checked (a mapping of plain values of the types Quarto
    needs), and their YAML node."""
    what = "#| cell options"
    data, node = _yaml(text, name, first, what)
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        raise QmdSyntaxError(f"{name}:{first}: {what} must be `key: value` lines")
    lines = _key_lines(node, text, first)
    for key, _ in node.value:
        if key.tag != "tag:yaml.org,2002:str":
            line = _line_at(text, first, key.start_mark.index)
            raise QmdSyntaxError(f"{name}:{line}: {what}: option name {key.value!r} must be "
                                 "text")
    if _has_alias(node):
        raise QmdSyntaxError(f"{name}:{first}: {what} may not use YAML anchors and aliases "
                             "(&name, *name); write each value out")
    for key, value in data.items():
        _check_plain(value, f"{name}:{lines.get(key, first)}: {what}: `{key}`")
    _check_bools(data, name, lines, "")
    _check_texts(data, name, lines)
    return data, node


def _has_alias(node: yaml.Node) -> bool:
    """Whether a node is reached twice (what an alias ``*name`` does in a composed tree)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            return True
        seen.add(id(item))
        if isinstance(item, yaml.MappingNode):
            stack += [n for pair in item.value for n in pair]
        elif isinstance(item, yaml.SequenceNode):
            stack += item.value
    return False


def _check_plain(value: Any, where: str) -> None:
    """Only what JSON can hold: text, numbers, true/false, null, lists and mappings."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QmdSyntaxError(f"{where} must be a finite number, not {value}")
        return
    if isinstance(value, list):
        for item in value:
            _check_plain(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise QmdSyntaxError(f"{where}: key {key!r} must be text")
            _check_plain(item, where)
        return
    kind = {"date": "a date", "datetime": "a date and time", "set": "a set",
            "bytes": "binary data"}.get(type(value).__name__, type(value).__name__)
    raise QmdSyntaxError(f"{where} is {kind}, which a notebook cannot hold "
                         "(quote it to keep it as text)")


def _check_bools(options: dict[str, Any], name: str, lines: dict[Any, int], prefix: str) -> None:
    for key in BOOL_OPTIONS:
        if key in options and not isinstance(options[key], bool):
            raise QmdSyntaxError(f"{name}:{lines.get(key, 1)}: `{prefix}{key}` must be true or "
                                 f"false, not {options[key]!r}")


def _check_texts(options: dict[str, Any], name: str, lines: dict[Any, int]) -> None:
    """``tags`` a list of text; labels and captions text (or lists of text)."""
    def texts(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    at = {k: f"{name}:{lines.get(k, 1)}: #| cell options: `{k}`" for k in options}
    if "tags" in options and not texts(options["tags"]):
        raise QmdSyntaxError(f"{at['tags']} must be a list of tags, e.g. "
                             f"`tags: [nbval-ignore-output]`, not {options['tags']!r}")
    if "label" in options and not isinstance(options["label"], str):
        raise QmdSyntaxError(f"{at['label']} must be text, not {options['label']!r}")
    for key in CAPTION_OPTIONS:
        if key in options and not (isinstance(options[key], str) or texts(options[key])):
            raise QmdSyntaxError(f"{at[key]} must be text (or a list of texts), "
                                 f"not {options[key]!r}")
