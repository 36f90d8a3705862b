"""Find pandoc citation keys (``[@key]``, ``@key``, ``[-@key]``) in Quarto chapters.

Chapters are read by :mod:`reviewbuild.qmd`, so only prose is searched, captions and alt text
included (``#| fig-cap:``, ``tbl-cap``, ``fig-alt``, image alt text); code spans, code
blocks, raw HTML (including ``<!-- placeholders -->``) and autolinks are not. Inside prose a
key counts only where pandoc would read one: ``@`` not preceded by a letter or digit (so
e-mail addresses do not count) nor by a backslash, not inside a URL, and not a Quarto
cross-reference (``@fig-``, ``@tbl-``, ``@sec-``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewbuild.qmd.model import Chapter
from reviewbuild.qmd.reader import read_chapters, read_text

#: Quarto cross-reference prefixes: ``@fig-x`` is a reference to a figure, not a citation.
CROSSREF_PREFIXES = (
    "fig",
    "tbl",
    "sec",
    "eq",
    "lst",
    "tip",
    "nte",
    "wrn",
    "imp",
    "cau",
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


@dataclass(frozen=True)
class Citation:
    key: str
    line: int  # 1-based
    path: Path | None = None


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


def chapter_citations(chapter: Chapter, path: Path | None = None) -> list[Citation]:
    """All citation keys of a chapter (prose and captions), in order, with their lines."""
    return [Citation(key, text.line + offset, path)
            for text in chapter.texts for key, offset in keys_in_text(text.text)]


def find_citations(text: str, path: Path | None = None) -> list[Citation]:
    """All citation keys in a Quarto/Markdown document, with 1-based lines."""
    return chapter_citations(read_text(text, str(path or "<qmd>")), path)


def chapter_files(root: Path) -> list[Path]:
    """The book's Markdown sources: ``*.qmd`` at the root and under ``chapters/``."""
    files = sorted(root.glob("*.qmd")) + sorted((root / "chapters").rglob("*.qmd"))
    return [
        f
        for f in files
        if not any(part.startswith((".", "_")) for part in f.relative_to(root).parts[:-1])
    ]


def scan(root: Path) -> tuple[list[Citation], list[str]]:
    """Citations in every chapter of the book under ``root``, and chapters that cannot be
    read (``file:line: message``)."""
    names = [p.relative_to(root).as_posix() for p in chapter_files(root)]
    chapters, problems = read_chapters(root, names)
    return [c for ch in chapters for c in chapter_citations(ch, root / ch.path)], problems
