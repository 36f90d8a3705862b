"""The prose of a chapter, as a Markdown parser sees it (code, HTML and YAML left out)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.S)
_PARSER = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based


def blank_front_matter(text: str) -> str:
    """Replace a leading YAML block by blank lines, so line numbers stay those of the file."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text
    return "\n" * match.group().count("\n") + text[match.end():]


def headings(text: str) -> list[Heading]:
    """ATX/setext headings outside code blocks, with their 1-based line numbers."""
    tokens = _PARSER.parse(blank_front_matter(text))
    found = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            found.append(Heading(int(tok.tag[1]), tokens[i + 1].content, tok.map[0] + 1))
    return found


def text_runs(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) for every run of prose: inline code, code blocks and HTML are skipped."""
    for tok in _PARSER.parse(blank_front_matter(text)):
        if tok.type != "inline" or not tok.map:
            continue
        line = tok.map[0] + 1
        for child in tok.children or []:
            if child.type == "softbreak":
                line += 1
            elif child.type == "text":
                yield line, child.content
