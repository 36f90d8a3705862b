"""Checks on the rendered website and PDF in ``_book/`` (skipped when it does not exist)."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reviewbuild import postrender

#: Pages that must show at least this many figures once rendered.
FIGURE_PAGES = {
    "chapters/02-structure.html": 1,
    "chapters/05-malignancies.html": 1,
    "chapters/11-biliary.html": 2,
    "chapters/12-pancreatic.html": 1,
}


def test_every_chapter_has_a_page(book: Path, root: Path) -> None:
    assert postrender.missing_pages(book, root) == []


def test_no_broken_internal_links(book: Path) -> None:
    assert postrender.broken_links(book) == []


def test_no_unresolved_references_or_citations(book: Path) -> None:
    assert postrender.unresolved_references(book) == []


def test_figures_present(book: Path) -> None:
    assert postrender.pages_without_figures(book, FIGURE_PAGES) == []


def test_pdf(book: Path) -> None:
    pdfs = list(book.glob("*.pdf"))
    if not pdfs:
        pytest.fail("no PDF in _book/: render with `quarto render --to typst`")
    assert postrender.pdf_problems(pdfs[0], (40, 400), ["References", "XPO1"]) == []


class _Citations(HTMLParser):
    """(key, label text, citation number) of every citation link (``a[role=doc-biblioref]``)
    of a page; links inside one ``span.citation`` share its number, which grows at a ";"
    between two links too (a new work, not a collapsed one of the same authors)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, int]] = []
        self._key: str | None = None
        self._text: list[str] = []
        self._group = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        href = attr.get("href") or ""
        if tag == "span" and "citation" in (attr.get("class") or "").split():
            self._group += 1
        if tag == "a" and attr.get("role") == "doc-biblioref" and "#ref-" in href:
            self._key, self._text = href.split("#ref-", 1)[1], []

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self._text.append(data)
        elif ";" in data:
            self._group += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._key is not None:
            self.found.append((self._key, " ".join("".join(self._text).split()), self._group))
            self._key = None


_YEAR = re.compile(r"\b(\d{4})([a-z]?)\b")


def _year(label: str) -> str | None:
    match = _YEAR.search(label)
    return match.group() if match else None


def full_labels(found: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """(key, author-year label) of each citation link, with citeproc's collapsed groups
    expanded: in "(Shintani et al. 2013, 2016)" the second link reads "2016" and in
    "(Chen et al. 2019a, b)" it reads "b"; each takes the authors (and year) of the link
    before it in the same citation. A bare year or letter with no such link before it is
    kept as it is, so that it differs from the reference's label elsewhere and fails."""
    out: list[tuple[str, str]] = []
    previous: tuple[str, int] | None = None
    for key, label, group in found:
        year = _YEAR.fullmatch(label)
        before = previous[0] if previous and previous[1] == group else None
        if before and (year or re.fullmatch(r"[a-z]", label)):
            match = _YEAR.search(before)
            if match:
                authors = before[:match.start()].rstrip()
                stem = "" if year else match.group(1)
                label = f"{authors} {stem}{label}"
        out.append((key, label))
        previous = (label, group)
    return out


def test_full_labels_expand_collapsed_groups() -> None:
    found = [("s13", "Shintani et al. 2013", 1), ("s16", "2016", 1),
             ("c19a", "Chen et al. 2019a", 2), ("c19b", "b", 2), ("x", "2020", 3)]
    assert full_labels(found) == [("s13", "Shintani et al. 2013"),
                                  ("s16", "Shintani et al. 2016"),
                                  ("c19a", "Chen et al. 2019a"), ("c19b", "Chen et al. 2019b"),
                                  ("x", "2020")]


def test_a_semicolon_separates_works_not_a_collapsed_group() -> None:
    """"(Wei et al. 2019; 2019)": the second is another work (one without authors)."""
    page = _Citations()
    page.feed('<span class="citation"><a role="doc-biblioref" href="#ref-wei">Wei et al. '
              '2019</a>; <a role="doc-biblioref" href="#ref-anon">2019</a></span>')
    assert full_labels(page.found) == [("wei", "Wei et al. 2019"), ("anon", "2019")]


def test_each_reference_has_one_label_on_every_page(book: Path) -> None:
    labels: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(book.rglob("*.html")):
        parser = _Citations()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        for key, label in full_labels(parser.found):
            labels[key][label].add(path.relative_to(book).as_posix())
    assert labels, "no citation links found in the rendered site"
    differing = {k: dict(v) for k, v in labels.items() if len(v) > 1}
    assert differing == {}, f"references with different labels on different pages: {differing}"
    references = (book / "references.html").read_text(encoding="utf-8", errors="replace")
    for key, by_label in labels.items():
        (label,) = by_label
        entry = re.search(rf'id="ref-{re.escape(key)}".*?</div>', references, re.S)
        assert entry, f"{key} is cited but not on the References page"
        assert f"({_year(label)})" in entry.group(), f"{key}: label {label!r} vs its entry"


def _opening(qmd: Path, words: int = 6) -> str:
    """The first words of a chapter's first paragraph (to find where it starts in the PDF)."""
    body = [line for line in qmd.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("#", ":::", "```"))]
    return " ".join(" ".join(body).split()[:words])


def test_the_pdf_holds_the_bibliography_in_the_references_chapter(book: Path, root: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(next(book.glob("*.pdf")))
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]

    def first_page(text: str) -> int:
        hits = [i for i, t in enumerate(pages) if text in t]
        assert hits, f"{text!r} not found in the PDF"
        return hits[0]

    refs = first_page(_opening(root / "references.qmd"))
    appendix = first_page(_opening(root / "chapters" / "abbreviations.qmd"))
    between = " ".join(pages[refs:appendix])
    assert refs < appendix and "Sokolova V, Gruber R" in between, (
        f"the bibliography is not between the References chapter (p. {refs + 1}) and the "
        f"appendices (p. {appendix + 1})")
    assert not any(re.search(r"\bBibliography\b", t) for t in pages[appendix:]), (
        "a second bibliography follows the appendices")
