"""The post-render checks fire on a small fixture site built here."""

from __future__ import annotations

from pathlib import Path

import yaml

from reviewbuild import postrender

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


FIGURES = """<html><body>
<figure><img src="good.svg" alt="Kaplan-Meier curves of XPO1-high and XPO1-low patients"></figure>
<figure><img src="none.svg"></figure>
<figure><img src="empty.png" alt="  "></figure>
<img src="named.png" alt="fig-km-1.png">
<img src="rule.png" alt="" role="presentation">
<table id="tbl-good"><thead><tr><th>Trial</th><th>Phase</th></tr></thead>
<tbody><tr><td>A</td><td>2</td></tr></tbody></table>
<table class="plain"><tr><td>no</td><td>headers</td></tr></table>
<table role="presentation"><tr><td>layout</td></tr></table>
<table id="outer"><tr><td><table id="inner"><tr><th>x</th></tr></table></td></tr></table>
</body></html>"""


def test_images_without_alt(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(FIGURES)
    assert postrender.images_without_alt(tmp_path) == [
        "page.html:3: image none.svg has no alt text (give the figure a fig-alt)",
        "page.html:4: image empty.png has no alt text (give the figure a fig-alt)",
        "page.html:5: image named.png has a file name as alt text: 'fig-km-1.png'",
    ]


def test_tables_without_headers(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(FIGURES)
    # The header cell of the nested table does not count for the outer one.
    assert postrender.tables_without_headers(tmp_path) == [
        "page.html:9: table (plain) has no header cells (<th>)",
        "page.html:11: table (outer) has no header cells (<th>)",
    ]


def test_site_without_problems(tmp_path: Path) -> None:
    _, book = _site(tmp_path)
    (book / "a.html").write_text(GOOD.replace('<img src="fig.png">',
                                              '<img src="fig.png" alt="A bar chart">'))
    (book / "b.html").unlink()
    assert postrender.images_without_alt(book) == []
    assert postrender.tables_without_headers(book) == []


def _pdf(path: Path, *, title: str | None, lang: str | None, tagged: bool) -> Path:
    from pypdf import PdfWriter
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if title is not None:
        writer.add_metadata({"/Title": title})
    if lang is not None:
        writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    if tagged:
        writer._root_object[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)})
        writer._root_object[NameObject("/StructTreeRoot")] = writer._add_object(
            DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")}))
    writer.write(path)
    return path


def test_pdf_accessibility(tmp_path: Path) -> None:
    good = _pdf(tmp_path / "good.pdf", title="XPO1 book", lang="en-GB", tagged=True)
    assert postrender.pdf_accessibility_problems(good, "XPO1 book", "en-GB") == []
    # Typst may write the language without its region.
    assert postrender.pdf_accessibility_problems(good, "XPO1 book", "en") == []
    bad = _pdf(tmp_path / "bad.pdf", title=None, lang=None, tagged=False)
    assert postrender.pdf_accessibility_problems(bad, "XPO1 book", "en-GB") == [
        "bad.pdf: not tagged (no structure tree)",
        "bad.pdf: not marked as tagged (/MarkInfo /Marked)",
        "bad.pdf: document title is None, expected 'XPO1 book'",
        "bad.pdf: language is 'not set', expected 'en-GB'",
    ]
    wrong = _pdf(tmp_path / "wrong.pdf", title="Untitled", lang="de", tagged=True)
    assert postrender.pdf_accessibility_problems(wrong, "XPO1 book", "en-GB") == [
        "wrong.pdf: document title is 'Untitled', expected 'XPO1 book'",
        "wrong.pdf: language is 'de', expected 'en-GB'",
    ]
