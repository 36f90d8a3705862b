"""A fenced code block to an executable cell: fence checks, option lines, caption prose."""

from __future__ import annotations

import re
from typing import Any

import yaml
from markdown_it.token import Token

from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.qmd.inline import PARSER, walk
from reviewbuild.qmd.model import CodeCell, Text
from reviewbuild.qmd.options import CAPTION_OPTIONS, cell_options
from reviewbuild.qmd.yamlblock import line_at

#: Comment characters that start option lines (``#|``), by engine; the default is ``#``.
COMMENT_CHARS = {"mermaid": "%%", "ojs": "//", "dot": "//", "js": "//", "sql": "--",
                 "tikz": "%", "matlab": "%"}

_ENGINE = re.compile(r"^\{\s*([A-Za-z][\w-]*)\s*([^}]*)\}\s*$")
_QUOTE = re.compile(r"^(\s*>)+")
_CELL_FENCE = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})\s*\{")


def read_cell(token: Token, lines: list[str], name: str,
              eval_default: dict[str, Any]) -> tuple[CodeCell | None, list[Text]]:
    """The executable cell of a fence (None for a display-only block) and its captions."""
    start = token.map[0]
    body_lines = _checked_body(token, lines, name)
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
    options, node = cell_options(yaml_text, name, start + 2)
    cell = CodeCell(engine, "\n".join(body_lines[len(opt_lines):]), {**eval_default, **options},
                    start + 1, end=token.map[1])
    return cell, captions(node, yaml_text, start + 2)


def _checked_body(token: Token, lines: list[str], name: str) -> list[str]:
    """The lines of a fence's body, once the fence is known to be closed (by its own
    closing line, not by the opening fence of the next cell)."""
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
    return body_lines


def captions(node: yaml.Node | None, text: str, first: int) -> list[Text]:
    """The caption and alt-text options of a cell (checked: text or lists of text) as prose,
    each line at its line in the file."""
    out = []
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        if key.value in CAPTION_OPTIONS:
            for item in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                line = line_at(text, first, item.start_mark.index)
                source = text[item.start_mark.index:item.end_mark.index].split("\n")
                if len(source) > 1 or item.style in ("|", ">"):  # keep the source's lines
                    if item.style in ("|", ">"):
                        line, source = line + 1, source[1:]
                    value_text = "\n".join(s.strip(" \t") for s in source)
                    value_text = value_text.strip("'\"") if item.style in ("'", '"') else value_text
                else:
                    value_text = item.value
                tokens = PARSER.parseInline(value_text)
                run, _ = walk(tokens[0].children or [] if tokens else [], line)
                out.append(Text(line, run.text, key.value))
    return out
