"""Each table in the form its format can show: HTML tables on the website, Markdown in the PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from reviewbuild.tables import claims_report, render
from xpo1review.tables import compounds, mutations, trials
from xpo1review.trials import curated

ROOT = Path(__file__).resolve().parents[2]
NCT = re.compile(r"NCT\d{8}")


def test_one_execution_gives_both_forms_whatever_shell_executes_it(monkeypatch) -> None:
    """Quarto's HTML output takes text/html, its Typst output text/markdown, from one
    output; what great-tables detects about the executing shell changes nothing."""
    bundle = trials.trials_table(root=ROOT)._repr_mimebundle_()
    assert "<table" in bundle["text/html"] and "<html" not in bundle["text/html"]
    assert bundle["text/markdown"].startswith("| Trial |")
    monkeypatch.setenv("VSCODE_PID", "1")  # great-tables would mark every style !important
    assert trials.trials_table(root=ROOT)._repr_mimebundle_() == bundle


def forms(markdown: str) -> tuple[str, str]:
    """The website's and the PDF's part of :func:`render.by_format` Markdown."""
    match = re.fullmatch(r'::: \{\.content-visible when-format="html"\}\n(.*)\n:::\n\n'
                         r'::: \{\.content-hidden when-format="html"\}\n(.*)\n:::\n',
                         markdown, re.DOTALL)
    assert match, markdown
    return match.group(1), match.group(2)


def test_pipe_table_widths_come_from_the_separator() -> None:
    frame = pd.DataFrame({"A": ["x|y"], "B": [None]})
    text = render.pipe_table(frame, (10, 30))
    head, sep, row = text.splitlines()
    assert [len(c) for c in sep.strip("|").split("|")] == [40, 120]
    assert row == "| x\\|y |  |"
    with pytest.raises(ValueError, match="2 columns but 1 widths"):
        render.pipe_table(frame, (10,))


def test_pdf_trials_table_is_markdown_with_every_trial_and_citations() -> None:
    text = trials.trials_table(root=ROOT).pdf
    table, _, notes = text.partition("\n\n")
    assert table.splitlines()[0] == ("| Trial | Treatment | Phase | GI entities | Status | "
                                     "References |")
    expected = set(curated.trials(ROOT)["nct_id"])
    assert set(NCT.findall(table)) == expected
    assert set(NCT.findall(notes)) == expected, "one note per trial with the long text"
    assert "[@sokolova2025prognostic" in table
    assert "data/" not in text and "xpo1review" not in text


@pytest.mark.parametrize("entity", ["STAD", "COADREAD"])
def test_pdf_entity_tables_have_no_entity_column(entity: str) -> None:
    text = trials.trials_table(entity, ROOT).pdf
    assert "GI entities" not in text.splitlines()[0]


@pytest.mark.parametrize("make", [compounds.compounds_table, mutations.mutations_table],
                         ids=["compounds", "mutations"])
def test_pdf_tables_are_markdown_without_file_names(make) -> None:
    text = make(ROOT).pdf
    assert text.startswith("| ") and "[@" in text
    assert "data/" not in text
    widths = text.splitlines()[1].strip("|").split("|")
    assert len(widths) == text.splitlines()[0].count("|") - 1
    # every column says how it aligns: without a mark, the PDF centres the cells
    assert all(rule.startswith(":") or rule.endswith(":") for rule in widths)


def test_html_tables_show_citations_not_raw_keys() -> None:
    html = trials.trials_table(root=ROOT).web
    assert ">sokolova2025prognostic" not in html
    assert "Sokolova et al. 2025" in html
    assert "data/trials.csv" not in html and "reviewbuild trials" not in html


def test_claims_report_is_a_table_on_the_web_and_paragraphs_in_the_pdf(
        monkeypatch) -> None:
    records = [{"id": "c-1", "chapter": "09-gastric", "statement": "XPO1 is higher",
                "kind": "computed", "values": {"p": 0.01}, "status": "holds"}]
    monkeypatch.setattr(claims_report.report, "load_all", lambda root=None: records)
    web, pdf = forms(claims_report.claims_report())
    assert pdf == ("**c-1** · Gastric cancer · computed · *holds*\\\n"
                   "XPO1 is higher — values: p = 0.01")
    assert web.startswith("| Claim | Chapter |")


def test_both_forms_of_the_claims_report_leave_provenance_checks_to_their_own_section(
        monkeypatch) -> None:
    records = [{"id": "c-1", "chapter": "09-gastric", "statement": "XPO1 is higher",
                "kind": "computed", "values": {}, "status": "holds"},
               {"id": "p-1", "chapter": "09-gastric", "statement": "reads the subset",
                "kind": "provenance", "values": {}, "status": "holds"}]
    monkeypatch.setattr(claims_report.report, "load_all", lambda root=None: records)
    for text in forms(claims_report.claims_report()):
        assert "c-1" in text and "p-1" not in text
