"""The post-render checks fire on a small fixture site built here."""

from __future__ import annotations

from pathlib import Path

import yaml

from xpo1review import postrender

GOOD = """<html><body><h1 id="top">A</h1><a href="b.html#sec">b</a>
<a href="https://example.org">out</a><img src="fig.png"></body></html>"""
BAD = """<html><body><h1>B</h1><p id="sec"><a href="nowhere.html">x</a>
<a href="a.html#missing">y</a> see ?@fig-gone and <span class="quarto-unresolved-ref">k</span>
<img src="lost.png"></p></body></html>"""


def _site(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    book = root / "_book"
    book.mkdir(parents=True)
    (root / "_quarto.yml").write_text(
        yaml.safe_dump({"book": {"chapters": ["a.qmd", "b.qmd", "c.qmd"]}}))
    (book / "a.html").write_text(GOOD)
    (book / "b.html").write_text(BAD)
    (book / "fig.png").write_bytes(b"\x89PNG")
    return root, book


def test_missing_pages(tmp_path: Path) -> None:
    root, book = _site(tmp_path)
    assert [p.split(": ")[1] for p in postrender.missing_pages(book, root)] == [
        "missing page for c.qmd"]


def test_broken_links_and_anchors(tmp_path: Path) -> None:
    _, book = _site(tmp_path)
    problems = postrender.broken_links(book)
    assert sorted(problems) == sorted([
        "b.html: broken link nowhere.html",
        "b.html: no anchor for a.html#missing",
        "b.html: broken link lost.png",
    ])


def test_unresolved_references(tmp_path: Path) -> None:
    _, book = _site(tmp_path)
    problems = postrender.unresolved_references(book)
    assert problems and all(p.startswith("b.html") for p in problems)
    assert any("?@" in p for p in problems)


def test_pages_without_figures(tmp_path: Path) -> None:
    _, book = _site(tmp_path)
    assert postrender.pages_without_figures(book, {"a.html": 1}) == []
    assert postrender.pages_without_figures(book, {"a.html": 2}) == [
        "a.html: 1 image(s), expected at least 2"]


def test_pdf_checks(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    pdf = tmp_path / "book.pdf"
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=200, height=200)
    writer.write(pdf)
    problems = postrender.pdf_problems(pdf, (5, 10), ["References"])
    assert problems == ["book.pdf: 3 pages, expected 5-10",
                        "book.pdf: does not contain 'References'"]
