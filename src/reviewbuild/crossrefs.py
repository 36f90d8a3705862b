"""Cross-references across the whole book: every ``@fig-x`` (``@sec-``, ``@tbl-``, ``@eq-``,
...) names an id the book defines, and no id is defined twice.

Quarto only warns on a reference to nothing (the page shows "?@fig-x") and links a duplicated
id to one of its definitions; in a book the PDF is one document, so ids are the book's, not a
chapter's. Chapters are read by :mod:`reviewbuild.qmd`, so code is never searched. An id is
defined by an attribute in the prose (a heading ``# T {#sec-x}``, a div ``::: {#fig-x}``, an
image ``![c](f.png){#fig-x}``, a table caption ``: c {#tbl-x}``, an equation ``$$ ... $$
{#eq-x}``) or by a cell's ``#| label:`` (with ``-1``, ``-2``, ... for its sub-captions) or
``#| lst-label:``. A reference is a citation-like ``@key`` in prose or captions whose key
starts with a cross-reference prefix (Quarto's, and the ``crossref: custom:`` keys of
``_quarto.yml``); ``@Fig-x`` is the capitalised form of ``@fig-x``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from reviewbuild.book import chapter_files, quarto_config
from reviewbuild.citations.chapters import CITATION_RE, CROSSREF_PREFIXES, URL_RE
from reviewbuild.qmd.model import Chapter
from reviewbuild.qmd.reader import read_chapters

#: An attribute block ``{#id .class key=value}`` in prose, and an ``#id`` in it.
_ATTRIBUTES = re.compile(r"(?<!\\)\{([^{}\n]*)\}")
_ID = re.compile(r"(?:^|\s)#([A-Za-z0-9_][\w:.\-]*)")
_WHAT = {"fig": "figure", "tbl": "table", "sec": "section", "eq": "equation",
         "lst": "listing"}

Place = tuple[str, int]  # (chapter, line)


def prefixes(root: Path) -> tuple[str, ...]:
    """Quarto's cross-reference prefixes and the book's own (``crossref: custom:``)."""
    crossref = quarto_config(root).get("crossref")
    custom = crossref.get("custom") if isinstance(crossref, dict) else None
    keys = [c.get("key") for c in custom if isinstance(c, dict)] if isinstance(custom, list) \
        else []
    return tuple(dict.fromkeys([*CROSSREF_PREFIXES, *(str(k) for k in keys if k)]))


def definitions(chapter: Chapter, kinds: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """(id, line) of every id a chapter defines: prose attributes, and the cell labels that
    start with a cross-reference prefix (other labels, such as ``setup``, name a cell of one
    page only and may repeat)."""
    for text in chapter.texts:
        if text.kind != "prose":
            continue
        for block in _ATTRIBUTES.finditer(text.text):
            line = text.line + text.text.count("\n", 0, block.start())
            for match in _ID.finditer(block.group(1)):
                yield match.group(1), line
    for cell in chapter.cells:
        label = cell.options.get("label")
        if isinstance(label, str) and label.split("-", 1)[0] in kinds and "-" in label:
            yield label, cell.line + 1
            kind = label.split("-", 1)[0]
            subcaps = cell.options.get(f"{kind}-subcap")
            if isinstance(subcaps, list):
                yield from ((f"{label}-{i}", cell.line + 1) for i in range(1, len(subcaps) + 1))
        if isinstance(cell.options.get("lst-label"), str):
            yield cell.options["lst-label"], cell.line + 1


def references(chapter: Chapter, kinds: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """(id, line) of every cross-reference in a chapter's prose and captions."""
    typed = re.compile(r"^(?:" + "|".join(map(re.escape, kinds)) + r")-", re.IGNORECASE)
    for text in chapter.texts:
        urls = [m.span() for m in URL_RE.finditer(text.text)]
        for match in CITATION_RE.finditer(text.text):
            key = match.group("braced") or match.group("bare")
            if typed.match(key) and not any(a <= match.start() < b for a, b in urls):
                key = key[0].lower() + key[1:]  # @Fig-x: the capitalised reference to fig-x
                yield key, text.line + text.text.count("\n", 0, match.start())


def check(root: Path) -> list[str]:
    """Problems: references to ids the book does not define, ids defined twice."""
    names = list(dict.fromkeys(chapter_files(root)))
    chapters, unreadable = read_chapters(root, names)
    kinds = prefixes(root)
    defined: dict[str, Place] = {}
    problems = list(unreadable)
    for chapter in chapters:
        for ident, line in definitions(chapter, kinds):
            if ident in defined and defined[ident] != (chapter.path, line):
                where, at = defined[ident]
                problems.append(f"{chapter.path}:{line}: the id {ident} is defined again (first "
                                f"at {where}:{at}); ids must be unique in the whole book, so "
                                "rename one (and the references meant for it)")
            defined.setdefault(ident, (chapter.path, line))
    if unreadable:  # an unread chapter may define what the others refer to
        return problems
    for chapter in chapters:
        for ident, line in references(chapter, kinds):
            if ident not in defined:
                problems.append(f"{chapter.path}:{line}: @{ident} refers to nothing in the "
                                f"book{_hint(ident, defined)}")
    return problems


def _hint(ident: str, defined: dict[str, Place]) -> str:
    """How to define the id, or the close ids meant."""
    close = difflib.get_close_matches(ident, list(defined), n=2, cutoff=0.75)
    if close:
        return "; did you mean " + " or ".join(f"@{c} ({defined[c][0]}:{defined[c][1]})"
                                               for c in close) + "?"
    kind = ident.split("-", 1)[0].lower()
    what = _WHAT.get(kind, "element")
    return (f" (no {what} has the id {ident}: give one `{{#{ident}}}`"
            + (" or a cell `#| label: " + ident + "`" if kind in ("fig", "tbl") else "") + ")")
