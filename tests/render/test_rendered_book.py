"""Checks on the rendered website and PDF in ``_book/`` (skipped when it does not exist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpo1review import postrender

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
