"""Find pandoc citation keys (``[@key]``, ``@key``, ``[-@key]``) in Quarto chapters.

The text is tokenised with markdown-it-py, so code spans, fenced/indented code, raw HTML
(including ``<!-- placeholders -->``) and autolinks are never searched. Inside plain text a
key counts only where pandoc would read one: ``@`` not preceded by a letter or digit (so
e-mail addresses do not count), not inside a URL, and not a Quarto cross-reference
(``@fig-``, ``@tbl-``, ``@sec-``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from xpo1review.prose import blank_front_matter

#: Quarto cross-reference prefixes: ``@fig-x`` is a reference to a figure, not a citation.
CROSSREF_PREFIXES = (
    "fig",
    "tbl",
    "sec",
    "eq",
    "lst",
    "thm",
    "lem",
    "cor",
    "prp",
    "cnj",
    "def",
    "exm",
    "exr",
    "sol",
    "rem",
    "alg",
    "apx",
)

# pandoc: a key starts with a letter, digit or _, and may contain internal punctuation
# (:.#$%&-+?<>~/) followed by an alphanumeric; or it is written in braces, @{...}.
_KEY = r"(?:\{(?P<braced>[^{}\s]+)\}|(?P<bare>[\w](?:[\w]|[:.#$%&\-+?<>~/](?=[\w]))*))"
CITATION_RE = re.compile(r"(?<![\w@\\])@" + _KEY)
URL_RE = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|mailto:\S+", re.IGNORECASE)
_CROSSREF_RE = re.compile(r"^(?:" + "|".join(CROSSREF_PREFIXES) + r")-")

_SKIPPED_BLOCKS = {"fence", "code_block", "html_block"}
_SKIPPED_INLINE = {"code_inline", "html_inline"}


@dataclass(frozen=True)
class Citation:
    key: str
    line: int  # 1-based
    path: Path | None = None


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.disable("text_join")  # keep backslash escapes (\@) apart from the text
    return md


def keys_in_text(text: str) -> Iterator[tuple[str, int]]:
    """(key, line offset) pairs in one run of plain text; line offset counts newlines."""
    urls = [m.span() for m in URL_RE.finditer(text)]
    for match in CITATION_RE.finditer(text):
        if any(start <= match.start() < end for start, end in urls):
            continue
        key = match.group("braced") or match.group("bare")
        if _CROSSREF_RE.match(key):
            continue
        yield key, text.count("\n", 0, match.start())


def _inline_citations(token: Token, first_line: int) -> Iterator[tuple[str, int]]:
    line, in_autolink, escaped = first_line, False, False
    for child in token.children or []:
        if child.type in {"softbreak", "hardbreak"}:
            line += 1
            continue
        if child.type == "link_open" and child.markup in {"autolink", "linkify"}:
            in_autolink = True
        elif child.type == "link_close":
            in_autolink = False
        elif child.type == "text_special" and child.info == "escape":
            escaped = True  # "\@key" is a literal at sign
            continue
        elif child.type == "text" and not in_autolink:
            content = child.content
            if escaped and content.startswith("@"):
                content = " " + content[1:]
            for key, offset in keys_in_text(content):
                yield key, line + offset
        escaped = False
        if child.type in _SKIPPED_INLINE:
            line += child.content.count("\n")


def find_citations(text: str, path: Path | None = None) -> list[Citation]:
    """All citation keys in a Quarto/Markdown document, in order, with 1-based lines."""
    tokens = _parser().parse(blank_front_matter(text))
    found: list[Citation] = []
    for token in tokens:
        if token.type in _SKIPPED_BLOCKS or token.type != "inline" or token.map is None:
            continue
        for key, line in _inline_citations(token, token.map[0] + 1):
            found.append(Citation(key, line, path))
    return found


def chapter_files(root: Path) -> list[Path]:
    """The book's Markdown sources: ``*.qmd`` at the root and under ``chapters/``."""
    files = sorted(root.glob("*.qmd")) + sorted((root / "chapters").rglob("*.qmd"))
    return [
        f
        for f in files
        if not any(part.startswith((".", "_")) for part in f.relative_to(root).parts[:-1])
    ]


def scan(root: Path) -> list[Citation]:
    """Citations in every chapter of the book under ``root``."""
    out: list[Citation] = []
    for path in chapter_files(root):
        out.extend(find_citations(path.read_text(encoding="utf-8"), path))
    return out
