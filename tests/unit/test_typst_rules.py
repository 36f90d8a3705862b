"""The book's Typst rules (_typst-rules.typ), compiled with Typst (the ``typst`` package,
the compiler Quarto ships) on small documents numbered as Quarto's orange-book format
numbers the book: references without a trailing period, one page number per page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reviewbuild.paths import project_root

typst = pytest.importorskip("typst", reason="SKIPPED LOUDLY: the typst package is not installed")
pypdf = pytest.importorskip("pypdf")

ROOT = project_root()
RULES = ROOT / "_typst-rules.typ"

#: orange-book 0.7.1 (Quarto 1.10): chapter headings numbered "1.", appendix chapters "A."
#: (book() and appendices() in its lib.typ), and a running header that shows the page
#: number on a page that opens no chapter: on odd pages after a section heading, on even
#: pages after a chapter heading (its conditions; no part pages here).
ORANGE_BOOK = """
#set page(numbering: "1", header: context {
  let n = counter(page).at(here()).first()
  let opening = query(heading.where(level: 1)).any(h => h.location().page() == n)
  if opening { return }
  let nums = counter(heading).at(here())
  if calc.odd(n) {
    if query(selector(heading.where(level: 2)).before(here())) != () and nums.len() > 1 [
      Section head #h(1fr) #str(n)
    ]
  } else if query(selector(heading.where(level: 1)).before(here())) != () and nums.first() > 0 [
    #str(n) #h(1fr) Chapter head
  ]
})
#set heading(numbering: (..nums) => {
  let vals = nums.pos()
  if vals.len() == 1 { numbering("1.", ..vals) } else { numbering("1.1", ..vals) }
})
#show heading.where(level: 1): set heading(supplement: [Chapter])
"""
APPENDICES = """
#counter(heading).update(0)
#set heading(numbering: (..nums) => {
  let vals = nums.pos()
  if vals.len() == 1 { return str(numbering("A.1", ..vals)) + "." }
  else { numbering("A.1", ..vals) }
})
"""
BODY = """
= Introduction <sec-intro>
See (#ref(<sec-build>, supplement: [Appendix])) and (@sec-intro).
== A section
#pagebreak()
Second page of the chapter.
#pagebreak()
Third page.
#pagebreak()
""" + APPENDICES + """
= How this book was built <sec-build>
Text.
#pagebreak()
An odd page of an appendix without sections: its header is empty.
"""


def _compiled(tmp_path: Path, name: str, source: str) -> pypdf.PdfReader:
    """The PDF Typst makes of ``source`` (written to ``name``.typ in ``tmp_path``)."""
    typ, pdf = tmp_path / f"{name}.typ", tmp_path / f"{name}.pdf"
    typ.write_text(source, encoding="utf-8")
    typst.compile(str(typ), output=str(pdf))
    return pypdf.PdfReader(pdf)


def _texts(reader: pypdf.PdfReader) -> list[str]:
    """The text of each page, its whitespace collapsed."""
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages]


def _runs(reader: pypdf.PdfReader) -> list[tuple[float, str]]:
    """x (points) and text of each run printed on the first page (Typst places each run by
    its matrix)."""
    runs: list[tuple[float, str]] = []
    reader.pages[0].extract_text(visitor_text=lambda text, cm, tm, *_: runs.append(
        (float(cm[4]) + float(tm[4]), text)) if text.strip() else None)
    return runs


def pages(tmp_path: Path, rules: str) -> list[str]:
    """Text of each page of ORANGE_BOOK + ``rules`` + BODY (rules pasted in, as Quarto's
    include-before-body does: an #include would keep its show rules to itself)."""
    return _texts(_compiled(tmp_path, "book", ORANGE_BOOK + rules + BODY))


def test_without_the_rules_references_end_in_a_period(tmp_path: Path) -> None:
    text = pages(tmp_path, "")[0]
    assert "(Appendix A.)" in text and "(Chapter 1.)" in text


def test_references_have_no_trailing_period(tmp_path: Path) -> None:
    text = pages(tmp_path, RULES.read_text(encoding="utf-8"))[0]
    assert "(Appendix A)" in text and "(Chapter 1)" in text, text


def _numbers(text: str, n: int) -> int:
    return text.split().count(str(n))


def test_without_the_rules_pages_are_numbered_twice(tmp_path: Path) -> None:
    found = pages(tmp_path, "")
    assert _numbers(found[1], 2) == 2


def test_each_page_number_printed_once(tmp_path: Path) -> None:
    found = pages(tmp_path, RULES.read_text(encoding="utf-8"))
    assert len(found) == 5
    assert [_numbers(text, i) for i, text in enumerate(found, start=1)] == [1] * 5, found


def test_the_pdf_uses_the_rules() -> None:
    typst_format = yaml.safe_load((ROOT / "_quarto.yml").read_text())["format"]["typst"]
    assert typst_format["include-before-body"] == RULES.name


#: The bibliography as pandoc 3.9 writes citeproc's `::: {#refs}` div for Typst.
REFS = """
#set par(justify: true, first-line-indent: 1em)
#block[
#block[
Smith, J. 2020. #emph[A very long title of a book that wraps across more than one line of
the page, so that its second line shows the indent that the list gives it, or does not].

] <ref-a>
#block[
Jones, K. 2021. #emph[Another].

] <ref-b>
] <refs>
"""


def _line_starts(tmp_path: Path, rules: str) -> dict[str, float]:
    """x (points) where each printed line of the bibliography starts, by its first word."""
    starts: dict[str, float] = {}
    for x, text in _runs(_compiled(tmp_path, "refs", rules + REFS)):
        starts.setdefault(text.strip().split(" ")[0], x)
    return starts


def _rules_without_page_setup() -> str:
    text = RULES.read_text(encoding="utf-8")
    return text[:text.index("#set page(")]


def test_bibliography_entries_hang(tmp_path: Path) -> None:
    starts = _line_starts(tmp_path, _rules_without_page_setup())
    first, second = starts["Smith,"], starts["second"]
    assert second >= first + 10, starts
    assert starts["Jones,"] == pytest.approx(first), starts


def test_without_the_rules_entries_do_not_hang(tmp_path: Path) -> None:
    starts = _line_starts(tmp_path, "")
    assert starts["second"] <= starts["Smith,"], starts


#: A part as orange-book 0.7.1's part() makes it: a new page, then "part-change" and
#: "part-location" set on it; the part's colour covers the running header there (here the
#: header leaves the part page empty), and the header stays empty while "part-change" holds.
PART = """
#set heading(numbering: "I.a")
#set page(header: context {
  let n = counter(page).at(here()).first()
  if query(<part-page>).any(p => p.location().page() == n) { return }
  if state("part-change", false).at(here()) { return }
  if n > 1 [Running head #h(1fr) #str(n)]
})
= Chapter
== Section
Text.
#pagebreak()
#state("part-change", false).update(true)
#context state("part-location", none).update(here())
#metadata("part") <part-page>
Part page.
#pagebreak()
== Another section
Text.
"""


def test_page_numbers_around_a_part(tmp_path: Path) -> None:
    found = _texts(_compiled(tmp_path, "part", RULES.read_text(encoding="utf-8") + PART))
    assert [_numbers(text, i) for i, text in enumerate(found, start=1)] == [1, 1, 1], found


#: The References' last page as the PDF had it: the header shows the number, then the
#: appendices reset the heading counter at the foot of the page, before their own page.
RESET_AT_FOOT = """
= Chapter
== Section
Text.
#pagebreak()
Last page of the chapter.
#counter(heading).update(0)
#pagebreak()
= Appendix
Text.
"""


def test_page_numbers_when_the_counter_resets_at_the_foot(tmp_path: Path) -> None:
    book = (ORANGE_BOOK.replace('numbering("1.", ..vals)', 'numbering("I.", ..vals)')
            .replace('numbering("1.1", ..vals)', 'numbering("I.a", ..vals)'))
    found = _texts(_compiled(tmp_path, "reset",
                             book + RULES.read_text(encoding="utf-8") + RESET_AT_FOOT))
    assert [_numbers(text, i) for i, text in enumerate(found, start=1)] == [1, 1, 1], found


#: A word wider than its column, beside another column (the trials table's Status), and
#: words that fit their column once wrapped.
NARROW_CELL = ("#set text(size: 11pt)\n#table(columns: (47pt, 3cm, 2.2cm), [terminated], "
               "[(Sokolova et al. 2025)], [colorectal cancer, gastric cancer])\n")


def _table_text(tmp_path: Path, rules: str) -> str:
    return _compiled(tmp_path, "table", rules + NARROW_CELL).pages[0].extract_text()


def test_without_the_rules_a_long_word_runs_into_the_next_column(tmp_path: Path) -> None:
    assert "terminated(Sokolova" in _table_text(tmp_path, "#show table.cell: set par("
                                                          "justify: false)\n")


def test_only_words_wider_than_their_column_hyphenate(tmp_path: Path) -> None:
    text = _table_text(tmp_path, _rules_without_page_setup())
    assert "terminated" not in text and "\xad" in text.split("(Sokolova")[0], repr(text)
    assert text.count("\xad") == 1 and "colorectal" in text and "gastric" in text, repr(text)


#: A table figure as Quarto writes one from pdf_table: cells (the second right-aligned), a
#: note per trial as a list, the source line, a caption; every text long enough to wrap.
TABLE_FIGURE = """
#set par(justify: true)
#figure(kind: "quarto-float-tbl", supplement: [Table], caption: [A caption long enough to
wrap onto a second line of the page, whose last line stays centred as every caption's does
CAPEND])[
#table(columns: (1fr, 1fr), align: (left, right),
  [a cell long enough to wrap onto more than one line of its column], [12 345 and words
  that wrap in the right-aligned column NUMEND])
- *NCT1* — population: advanced malignant solid neoplasms, colorectal cancer and PDAC; the
  arm of six patients; enrolment: six patients, and words enough to wrap NOTEEND

_Source: the curated trial table, as the review states it, with words enough to wrap onto a
second line of the page, and a few more words that it needs to get there SRCEND_
]
"""


def _line_starts_of(tmp_path: Path, rules: str, markers: list[str]) -> dict[str, float]:
    """x (points) where the printed line ending in each marker starts."""
    runs = _runs(_compiled(tmp_path, "figure", rules + TABLE_FIGURE))
    return {m: next(x for x, text in runs if m in text) for m in markers}


def test_table_notes_start_at_the_margin_and_captions_stay_centred(tmp_path: Path) -> None:
    markers = ["NOTEEND", "SRCEND", "CAPEND", "NUMEND"]
    before = _line_starts_of(tmp_path, "", markers)
    after = _line_starts_of(tmp_path, _rules_without_page_setup(), markers)
    assert before["NOTEEND"] > 120 and before["SRCEND"] > 120, before  # centred last lines
    assert after["NOTEEND"] < 90 and after["SRCEND"] < 80, after
    assert after["CAPEND"] == pytest.approx(before["CAPEND"]) and after["CAPEND"] > 150
    assert after["NUMEND"] == pytest.approx(before["NUMEND"]) and after["NUMEND"] > 400

