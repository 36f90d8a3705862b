"""The claim API (expect / cited / not_checked), its registry and the claims report."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from reviewbuild import claims, session
from reviewbuild.claims import begin_chapter, cited, expect, not_checked
from reviewbuild.exceptions import ClaimDrift, ClaimError
from reviewbuild.format import fmt_count, fmt_hr, fmt_n, fmt_p, fmt_pct
from reviewbuild.notebooks import convert, report

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drift-book"


@pytest.fixture(autouse=True)
def _fresh_chapter():
    session.reset()
    begin_chapter("09-gastric")
    yield
    session.reset()


def test_expect_true_registers_a_holding_claim():
    expect(1.4 > 1, "stad-hr", "High XPO1 goes with shorter survival", hr=np.float64(1.4))
    [c] = claims.claims()
    assert (c.id, c.chapter, c.kind, c.status) == ("stad-hr", "09-gastric", "computed", "holds")
    assert c.values == {"hr": 1.4} and type(c.values["hr"]) is float


def test_false_claim_raises_drift_naming_claim_chapter_statement_values():
    with pytest.raises(ClaimDrift) as err:
        expect(0.8 > 1, "stad-hr", "High XPO1 goes with shorter survival", hr=0.8, p=0.21)
    text = str(err.value)
    for part in ("stad-hr", "09-gastric", "High XPO1 goes with shorter survival",
                 "hr=0.8", "p=0.21", "chapters/09-gastric.qmd"):
        assert part in text
    assert claims.claims()[0].status == "drifted"


def test_duplicate_claim_id_is_an_error():
    expect(True, "same-id", "first statement")
    with pytest.raises(ClaimError, match="same-id.*used twice"):
        cited("same-id", "second statement", "liu2018cdr")


def test_a_second_begin_chapter_is_an_error_and_erases_nothing():
    with pytest.raises(ClaimDrift):
        expect(0.8 < 0.05, "sig", "The effect is significant", p=0.8)
    with pytest.raises(ClaimError, match="called again in one execution of chapter 09-gastric"):
        begin_chapter("09-gastric")
    [c] = claims.claims()
    assert (c.id, c.status, c.values) == ("sig", "drifted", {"p": 0.8})


def test_a_new_execution_starts_a_fresh_record():
    expect(True, "a", "statement")
    session.reset()
    begin_chapter("10-hepatocellular")
    expect(True, "a", "statement")  # a re-execution is not a duplicate
    assert [c.chapter for c in claims.claims()] == ["10-hepatocellular"]


def test_claims_need_begin_chapter():
    session.reset()
    with pytest.raises(ClaimError, match="begin_chapter"):
        expect(True, "x", "statement")


def test_condition_must_be_one_truth_value():
    with pytest.raises(ClaimError, match="must be True or False"):
        expect(pd.Series([True, False]), "series", "ambiguous condition")


def _provenance(condition, check_id, statement, **values):
    claims.provenance(check_id, condition, statement, **values)


@pytest.mark.parametrize("bad", ["p < 0.05", None, float("nan"), np.float64("nan"), 1, 0.0,
                                 np.array([True]), object()])
@pytest.mark.parametrize("check", [expect, _provenance])
def test_only_a_real_boolean_is_a_verdict(check, bad):
    with pytest.raises(ClaimError, match="'quoted'.*must be True or False") as err:
        check(bad, "quoted", "The effect is significant", p=0.8)
    assert "09-gastric" in str(err.value)
    [c] = claims.claims()
    assert (c.id, c.status) == ("quoted", "invalid") and "True or False" in c.reason


@pytest.mark.parametrize("good", [True, np.bool_(True), np.float64(0.01) < 0.05,
                                  bool(pd.Series([1, 2]).gt(0).all()), pd.Series([1]).gt(0).all()])
def test_python_and_numpy_booleans_are_verdicts(good):
    expect(good, "ok", "statement")
    assert claims.claims()[0].status == "holds"


def test_every_claim_made_is_kept_whatever_the_cell_catches(capsys):
    with contextlib.suppress(ClaimDrift):
        expect(False, "sig", "The effect is significant", p=0.8)
    with contextlib.suppress(ClaimError):
        expect(True, "sig", "The effect is significant again")
    claims.summary()
    records = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["status"]) for r in records] == [("sig", "drifted"), ("sig", "invalid")]


@pytest.mark.parametrize("bad", ["", "   "])
def test_claim_needs_id_and_statement(bad):
    with pytest.raises(ClaimError):
        expect(True, bad, "statement")
    with pytest.raises(ClaimError):
        expect(True, "id", bad)


def test_cited_and_not_checked():
    cited("trials-142", "142 registered trials", "@sokolova2025prognostic", n=142)
    not_checked("huang-55", "55% of PDACs overexpress XPO1", "no per-patient IHC data")
    a, b = claims.claims()
    assert (a.kind, a.status, a.key, a.values) == ("cited", "cited", "sokolova2025prognostic",
                                                    {"n": 142})
    assert (b.kind, b.status, b.reason) == ("not checked", "not checked",
                                            "no per-patient IHC data")
    with pytest.raises(ClaimError, match="bibliography key"):
        cited("no-key", "statement", "")
    with pytest.raises(ClaimError, match="why"):
        not_checked("no-reason", "statement", "")


def test_summary_prints_json(capsys):
    expect(True, "a", "statement", p=0.0321456789, n=np.int64(130), label="STAD")
    claims.summary()
    [record] = json.loads(capsys.readouterr().out)
    assert record["values"] == {"p": 0.0321457, "n": 130, "label": "STAD"}


def _golden_with_claims(root: Path, records: list[dict]) -> None:
    nb = convert.chapter_notebook(root, "chapters/01-drift.qmd")
    cell = next(c for c in nb.cells if claims.SUMMARY_TAG in c.metadata.get("tags", []))
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=json.dumps(records))]
    path = convert.golden_path(root, "chapters/01-drift.qmd")
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


def test_report_reads_claims_from_golden_notebooks(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    record = {"id": "x-1", "chapter": "01-drift", "statement": "A | B", "kind": "cited",
              "status": "cited", "values": {"n": 3}, "key": "liu2018cdr", "reason": None}
    _golden_with_claims(root, [record])
    [loaded] = report.load_all(root)
    assert loaded["id"] == "x-1"
    table = report.report_markdown(root)
    # the chapter's title, not its file stem; the reference's label, in one pair of parentheses
    assert "| x-1 | Drift fixture | A \\| B | cited | n = 3 | cited: [@liu2018cdr] |" in table
    assert "01-drift" not in table and "([@" not in table
    assert report.files_read()[-1][0] == "tests/notebooks/01-drift.ipynb"


def test_provenance_checks_fail_like_claims_but_are_listed_apart(tmp_path):
    with pytest.raises(ClaimDrift) as err:
        claims.provenance("stad-source", "firehose-STAD" == "metagsca-STAD",
                          "The STAD text describes the paired subset", source="firehose-STAD")
    assert "stad-source" in str(err.value) and "source='firehose-STAD'" in str(err.value)
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    check = {"id": "p-1", "chapter": "01-drift", "statement": "reads source X",
             "kind": "provenance", "status": "holds", "values": {}, "key": None,
             "reason": None}
    claim = {**check, "id": "c-1", "kind": "computed", "statement": "a finding"}
    _golden_with_claims(root, [check, claim])
    table, prov = report.report_markdown(root), report.provenance_markdown(root)
    assert "| c-1 |" in table and "| p-1 |" not in table
    assert "| p-1 |" in prov and "| c-1 |" not in prov


def test_report_marks_computed_claims_of_changed_chapters_stale(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    record = {"id": "x-2", "chapter": "01-drift", "statement": "s", "kind": "computed",
              "status": "holds", "values": {}, "key": None, "reason": None}
    _golden_with_claims(root, [record])  # no manifest entry: its inputs are unknown
    assert report.load_all(root)[0]["status"].startswith("stale")


def test_duplicates_across_chapters():
    records = [{"id": "a", "chapter": "08-esophageal"}, {"id": "a", "chapter": "09-gastric"}]
    assert report.duplicates(records) == ["claim id 'a' is used in 08-esophageal and 09-gastric"]


# --- format -------------------------------------------------------------------------
@pytest.mark.parametrize(("p", "text"), [
    (0.0321, "p = 0.032"), (0.41, "p = 0.41"), (0.0004, "p < 0.001"), (0.004, "p = 0.004"),
    (0.999, "p > 0.99"), (np.float64(0.05), "p = 0.050"),
])
def test_fmt_p(p, text):
    assert fmt_p(p) == text


@pytest.mark.parametrize("bad", [float("nan"), None, -0.1, 1.5, "0.03"])
def test_fmt_p_refuses_missing_or_impossible_values(bad):
    with pytest.raises(ValueError):
        fmt_p(bad)


def test_fmt_pct_count_n_hr():
    assert fmt_pct(0.553) == "55%"
    assert fmt_pct(72, 130, digits=1) == "55.4%"
    assert fmt_count(1234) == "1,234"
    assert fmt_count(1, "patient") == "1 patient"
    assert fmt_count(np.int64(45), "patient") == "45 patients"
    assert fmt_count(2, "tumour", "tumours") == "2 tumours"
    assert fmt_n(130) == "n = 130"
    assert fmt_hr(1.4512, 1.1, 1.923) == "HR 1.45 (95% CI 1.10–1.92)"
    with pytest.raises(ValueError):
        fmt_hr(0.8, 0.9, 1.2)
    with pytest.raises(ValueError):
        fmt_count(2.5)
    with pytest.raises(ValueError):
        fmt_pct(3, 0)


def test_fmt_p_mc():
    from reviewbuild.format import fmt_p_mc

    assert fmt_p_mc(0.0893, 0.000285) == "p = 0.089 (Monte Carlo standard error 0.0003)"
    with pytest.raises(ValueError):
        fmt_p_mc(0.1, float("nan"))


@pytest.mark.parametrize(("code", "made"), [
    ('expect(p < 0.05, "x", "Significant", p=p)', ["expect"]),
    ('claims.cited("x", "A count", "key")\nnot_checked("y", "A share", "why")',
     ["cited", "not_checked"]),
    ('print("expect(p < 0.05)")  # expect(', []),  # named in a string or comment only
    ('if p < 0.05:\n  provenance("s", ok, "The paired subset")\n  %timeit', ["provenance"]),
])
def test_the_claim_functions_a_cell_calls(code, made):
    assert convert.claim_calls(code) == made


@pytest.mark.parametrize("where", ["cell", "chapter"])
def test_a_cell_that_does_not_run_may_make_no_claim(where):
    from reviewbuild.exceptions import NotebookError
    from reviewbuild.qmd.reader import read_data

    front = "---\nexecute:\n  eval: false\n---\n" if where == "chapter" else ""
    option = "#| eval: false\n" if where == "cell" else ""
    text = (f"{front}# Drift\n\nThe effect is significant.\n\n```{{python}}\n{option}"
            'expect(p < 0.05, "drift", "The effect is significant", p=p)\n```\n')
    doc = read_data(text.encode(), "chapters/01-drift.qmd")
    with pytest.raises(NotebookError, match=r"chapters/01-drift.qmd:\d+: this cell makes a "
                       r"claim \(expect\) but has `eval: false`"):
        convert.notebook_from_qmd(doc, "chapters/01-drift.qmd")
    shown = read_data(text.replace("expect(", "print(").encode(), "c.qmd")  # only shown: fine
    assert convert.notebook_from_qmd(shown, "c.qmd").cells[2].cell_type == "raw"
