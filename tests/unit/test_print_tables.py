"""Tables in the PDF: no piece of text wider than its column (issue 22: Table B.1's header,
"expression_available" running into "holds", "(git blob …)" into the Licence column, "Share
of" into "Deaths"; numbers broken across lines), and trial notes without empty fields.
Checked on the Markdown the table code writes for Typst, and on every table the golden
notebooks hold."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from reviewbuild import buildinfo
from reviewbuild.tables import render

#: The PDF's text width (A4 less orange-book's 3 cm margins) and a generous width of one
#: character of the 10 pt body font, and the padding of a table cell, in points.
TEXT_WIDTH_PT, CHAR_PT, CELL_PAD_PT = 425.0, 5.5, 12.0


#: A pandoc citation in a cell; it prints as the reference's author and year.
_CITATION = re.compile(r"\[?@([\w:.-]+?)[\];]")


def overflowing(markdown: str) -> list[str]:
    """Pieces of a pipe table that cannot break and are wider than their column."""
    lines = [ln for ln in markdown.splitlines() if ln.startswith("|")]
    dashes = [len(c) for c in lines[1].strip("|").split("|")]
    shares = [d / sum(dashes) for d in dashes]
    problems = []
    for line in [lines[0], *lines[2:]]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        for cell, share in zip(cells, shares, strict=True):
            cell = _CITATION.sub(lambda m: render.reference_label(m.group(1)) + " ", cell)
            room = (share * TEXT_WIDTH_PT - CELL_PAD_PT) / CHAR_PT
            problems += [f"{piece!r} ({len(piece)} characters) in a column of {room:.1f}"
                         for piece in render.hard_tokens(cell) if len(piece) > room]
    return problems


def test_check_finds_the_reference_render_s_overlaps() -> None:
    """The old tables: widths from the longest cell, no break points."""
    old = pd.DataFrame({"Claim": ["paad-per-sample-not-available"],
                        "Statement": ["The PAAD text says there is no per-sample matrix " * 2],
                        "Values": ["expression_available = False, matrix_available = False"],
                        "Status": ["holds"]})
    assert overflowing(old.to_markdown(index=False))


def test_breakable_adds_break_points_to_identifiers_and_hashes() -> None:
    text = render.breakable("expression_available = False (git blob b07863e8ccb1f00d)")
    assert "expression_\u200bavailable" in text
    assert max(len(t) for t in render.hard_tokens(text)) <= render.CHUNK + 1
    assert render.breakable("open-access data") == "open-access data"


def test_breakable_keeps_numbers_whole() -> None:
    assert render.breakable("p 0.0811, n 1,234; v2.1") == "p 0.0811, n 1,234; v2.1"
    assert render.breakable("a.b c,d") == f"a.{render.BREAK}b c,{render.BREAK}d"
    assert "0.0811" in render.hard_tokens(render.breakable("0.0811"))


def test_short_words_need_their_width() -> None:
    """A word of up to WORD_MIN letters has no hyphenation point: its column must hold it
    (the reference render's "Deaths" ran into "Share of cohort (%)")."""
    frame = pd.DataFrame({"Cohort": ["COAD (colon only)"], "Patients": [38],
                          "TCGA-CDR patients": [459], "Share of cohort (%)": [8],
                          "Deaths": [11], "Censored (%)": [71],
                          "Median follow-up (months)": [35.1], "Minimum detectable HR": [5.42]})
    assert "'Deaths'" in " ".join(overflowing(frame.to_markdown(index=False, floatfmt="")))
    assert overflowing(render.markdown_table(frame).pdf) == []


def test_build_appendix_tables_fit() -> None:
    for table in (buildinfo.data_registry(), buildinfo.claims_status()):
        assert overflowing(render.markdown_table(table).pdf) == []


def test_transposed_summary_fits() -> None:
    summary = pd.DataFrame({
        "Cohort": ["STAD", "COADREAD", "LIHC", "PAAD", "CHOL"], "Patients": [30, 38, 50, 150, 9],
        "Deaths": [8, 11, 20, 80, 4], "Candidate cuts": [18, 19, 30, 100, 5],
        "Small-group minimum": [6, 8, 10, 30, 2], "Corrected p (permutation)": [0.0811] * 5,
        "Monte Carlo standard error": [0.0003] * 5, "Lausen–Schumacher p": [0.144] * 5,
        "Proportional hazards p, median": [0.95] * 5,
        "Proportional hazards p, optimal": [0.88] * 5})
    assert overflowing(summary.to_markdown(index=False, floatfmt=""))  # as printed before
    text = render.markdown_table(summary, transpose_in_pdf=True).pdf
    assert text.splitlines()[0].split("|")[2].strip() == "STAD"
    assert overflowing(text) == []
    assert "| Patients | 30 | 38 | 50 | 150 | 9 |" in text  # counts stay counts, not 30.0


def test_every_table_the_book_prints_fits(golden_pdf_tables) -> None:
    assert len(golden_pdf_tables) >= 10, golden_pdf_tables
    problems = {f"{name} #{i}": bad for i, (name, table) in enumerate(golden_pdf_tables)
                if (bad := overflowing(table))}
    assert problems == {}


@pytest.mark.parametrize("module", ["trials", "mutations", "compounds"])
def test_curated_pdf_tables_fit(module: str) -> None:
    import importlib

    tables = importlib.import_module(f"xpo1review.tables.{module}")
    pdf = getattr(tables, f"{module}_pdf")()
    table = pdf.data.split("\n\n")[0]
    assert overflowing(table) == []


def test_print_tables_align_text_left_and_numbers_right() -> None:
    """pandoc centres the columns of a pipe table without alignment marks in the PDF."""
    frame = pd.DataFrame({"Cohort": ["STAD", "LIHC"], "Patients": [30, 1500],
                          "Source": ["metagsca", "oncodb"]})
    rule = render.markdown_table(frame).pdf.splitlines()[1].strip("|").split("|")
    assert rule[0].startswith(":") and not rule[0].endswith(":")
    assert rule[1].endswith(":") and not rule[1].startswith(":")
    assert rule[2].startswith(":")


def test_web_tables_are_unchanged_by_the_print_form() -> None:
    """The website's form is pandas' Markdown table as HTML: no break points, no widths,
    markup in cells rendered."""
    frame = pd.DataFrame({"a_b": ["x_y"], "n": [0.5], "link": ["[doc](https://x.org) `c`"]})
    web = render.markdown_table(frame).web
    assert ">a_b</th>" in web and ">x_y</td>" in web and "\u200b" not in web
    assert '<a href="https://x.org">doc</a> <code>c</code>' in web


def test_trial_notes_leave_out_empty_fields() -> None:
    from xpo1review.tables.trials import trial_note

    row = pd.Series({"Trial": "NCT1", "Population": "HCC", "Enrolment (as stated)": "",
                     "Outcome (as stated)": " "})
    assert trial_note(row) == "**NCT1** — population: HCC"
    empty = pd.Series({"Trial": "NCT2", "Population": "", "Enrolment (as stated)": "",
                       "Outcome (as stated)": ""})
    assert trial_note(empty) == "**NCT2**"


def test_no_trial_note_prints_an_empty_field() -> None:
    from xpo1review.tables.trials import trials_pdf

    text = trials_pdf().data
    assert not re.search(r"(population|enrolment|outcome): *(;|$)", text, re.M), text
