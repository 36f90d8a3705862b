"""The prose of a chapter, as a Markdown parser sees it (code, HTML and YAML left out)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_PARSER = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based


def _strip_front_matter(text: str) -> tuple[str, int]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, 0
    return text[match.end():], match.group(0).count("\n")


def headings(text: str) -> list[Heading]:
    """ATX/setext headings outside code blocks, with their 1-based line numbers."""
    body, offset = _strip_front_matter(text)
    tokens = _PARSER.parse(body)
    found = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            found.append(Heading(int(tok.tag[1]), tokens[i + 1].content, tok.map[0] + 1 + offset))
    return found


def text_runs(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) for every run of prose: inline code, code blocks and HTML are skipped."""
    body, offset = _strip_front_matter(text)
    for tok in _PARSER.parse(body):
        if tok.type != "inline" or not tok.map:
            continue
        line = tok.map[0] + 1 + offset
        for child in tok.children or []:
            if child.type == "softbreak":
                line += 1
            elif child.type == "text":
                yield line, child.content
