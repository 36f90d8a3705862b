"""Issue 20, item 1: a false claim fails every gate, whatever the chapter does with it.

Each chapter below says "the effect is significant" while its data give p = 0.8, and hides the
failure in a way an author could: ``#| error: true``, ``try/except ClaimDrift``, calling
``begin_chapter`` again, clearing the cell's output, capturing it (``%%capture``), a quoted
condition, NaN. ``notebooks build`` and ``accept`` must fail naming the claim, the chapter and
the values, write no golden notebook and never advise ``accept``; a golden notebook that
records a failing claim fails ``check`` (the pre-render gate), ``claims``, ``notebooks build``
and ``notebooks status``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from reviewbuild import cli
from reviewbuild.claims import SUMMARY_TAG
from reviewbuild.notebooks import cache, commands, convert, golden, verdicts

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "drift-book"
CHAPTER = "chapters/01-drift.qmd"
pytestmark = pytest.mark.integration

SETUP = """# Drift {#sec-drift}

```{python}
from reviewbuild.claims import begin_chapter, expect
from reviewbuild.exceptions import ClaimDrift

begin_chapter("01-drift")
p = 0.8
```

The effect is significant.

```{python}
"""
CLAIM = 'expect(p < 0.05, "drift-significant", "The effect is significant", p=p)'
TRY = f"try:\n    {CLAIM}\nexcept ClaimDrift:\n    pass\n"
HIDDEN = {
    "error-true": f"#| error: true\n{CLAIM}\n",
    "try-except": TRY,
    "begin-again": f"#| error: true\n{TRY}begin_chapter('01-drift')\n",
    "clear-output": f"{TRY}from IPython.display import clear_output\nclear_output()\n",
    "capture": f"%%capture\n{TRY}",
    "quoted": "#| error: true\n" + CLAIM.replace("p < 0.05", "'p < 0.05'") + "\n",
    "nan": "#| error: true\n" + CLAIM.replace("p < 0.05", "float('nan')") + "\n",
}
GOOD = 'expect(p > 0.05, "drift-significant", "The effect is not significant", p=p)\n'


def _book(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    (root / CHAPTER).write_text(SETUP + body + "```\n", encoding="utf-8")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    return root


@pytest.mark.parametrize("how", list(HIDDEN))
def test_a_hidden_false_claim_fails_the_build(tmp_path, monkeypatch, how):
    root = _book(tmp_path, GOOD, monkeypatch)
    if how == "error-true":  # a committed golden notebook stays as it was
        assert commands.build(root).written == [CHAPTER]
    before = golden.read(root, CHAPTER)
    (root / CHAPTER).write_text(SETUP + HIDDEN[how] + "```\n", encoding="utf-8")

    result = commands.build(root, accept=how == "begin-again")
    text = "\n".join(result.failed[CHAPTER])
    assert "'drift-significant' in chapter 01-drift" in text, text
    if how in ("quoted", "nan"):
        assert "invalid" in text and "True or False" in text
    else:
        assert "drifted" in text and "p=0.8" in text
    assert result.written == [] and golden.read(root, CHAPTER) == before
    assert commands._report(result) == 1


def test_the_command_names_the_claim_and_never_advises_accept(tmp_path, monkeypatch, capsys):
    root = _book(tmp_path, HIDDEN["try-except"], monkeypatch)
    assert cli.main(["notebooks", "accept"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{CHAPTER}: a claim fails; golden notebook NOT written")
    assert "claim 'drift-significant' in chapter 01-drift is drifted" in err and "p=0.8" in err
    assert "accept" not in err
    assert not convert.golden_path(root, CHAPTER).exists()
    assert cache.load_manifest(root) == {}


def test_a_claim_switched_off_with_eval_false_fails_the_build(tmp_path, monkeypatch, capsys):
    root = _book(tmp_path, GOOD, monkeypatch)
    assert cli.main(["notebooks", "build"]) == 0
    before = golden.read(root, CHAPTER)
    (root / CHAPTER).write_text(SETUP + "#| eval: false\n" + CLAIM + "\n```\n", encoding="utf-8")
    assert cli.main(["notebooks", "build"]) == 1
    err = capsys.readouterr().err
    assert f"{CHAPTER}:13: this cell makes a claim (expect) but has `eval: false`" in err, err
    assert golden.read(root, CHAPTER) == before
    assert cli.main(["check", "--pre-render"]) == 1  # the render keeps refusing it too


def test_a_helper_module_beside_the_chapters_is_an_input(tmp_path, monkeypatch, capsys):
    """A module the chapter imports from the project (outside the book's packages), such as
    a shared ``chapters/_common.py``: changing it makes the chapter stale, and the claim that
    its new value contradicts fails the build."""
    setup = SETUP.replace("p = 0.8\n", "from _common import p\n")
    root = _book(tmp_path, GOOD.replace("p > 0.05", "p < 0.05"), monkeypatch)
    (root / CHAPTER).write_text(setup + CLAIM + "\n```\n", encoding="utf-8")
    helper = root / "chapters" / "_common.py"
    helper.write_text("p = 0.01\n", encoding="utf-8")
    assert cli.main(["notebooks", "build"]) == 0
    assert "chapters/_common.py" in cache.load_manifest(root)[CHAPTER]["files"]
    helper.write_text("p = 0.8\n", encoding="utf-8")
    assert cache.changes(root, CHAPTER, cache.load_manifest(root)[CHAPTER]) == [
        "chapters/_common.py changed"]
    capsys.readouterr()
    assert cli.main(["notebooks", "build"]) == 1
    assert "ClaimDrift: claim 'drift-significant' no longer" in capsys.readouterr().err


def test_a_data_file_beside_the_chapters_is_an_input(tmp_path, monkeypatch, capsys):
    setup = SETUP.replace("p = 0.8\n", "p = float(open('p.txt').read())\n")
    root = _book(tmp_path, "", monkeypatch)
    (root / CHAPTER).write_text(setup + CLAIM + "\n```\n", encoding="utf-8")
    (root / "chapters" / "p.txt").write_text("0.01\n", encoding="utf-8")
    assert cli.main(["notebooks", "build"]) == 0
    (root / "chapters" / "p.txt").write_text("0.8\n", encoding="utf-8")
    assert cache.changes(root, CHAPTER, cache.load_manifest(root)[CHAPTER]) == [
        "chapters/p.txt changed"]


def test_a_hidden_failed_cell_cannot_leave_a_claim_on_a_fallback_value(tmp_path, monkeypatch,
                                                                         capsys):
    """``error: true`` and ``include: false`` would hide that the data were never read, and
    the claim would hold on the value set before."""
    setup = SETUP.replace("p = 0.8\n", "p = 0.01  # until the data are read\n")
    body = ("#| include: false\n#| error: true\np = float(open('missing.txt').read())\n```\n\n"
            "The effect is significant.\n\n```{python}\n" + CLAIM + "\n```\n")
    root = _book(tmp_path, "", monkeypatch)
    (root / CHAPTER).write_text(setup + body, encoding="utf-8")
    assert cli.main(["notebooks", "build"]) == 1
    assert "failed: FileNotFoundError" in capsys.readouterr().err
    assert not convert.golden_path(root, CHAPTER).exists()


def _record_drift(root: Path, how: str) -> None:
    """A golden notebook as older versions wrote it after `error: true` or try/except."""
    nb = convert.chapter_notebook(root, CHAPTER)
    record = {"id": "drift-significant", "chapter": "01-drift", "kind": "computed",
              "statement": "The effect is significant", "status": "drifted",
              "values": {"p": 0.8}, "key": None, "reason": None}
    for cell in nb.cells:
        if SUMMARY_TAG in cell.metadata.get("tags", []):
            text = json.dumps([record] if how == "summary" else [])
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        elif "raises-exception" in cell.metadata.get("tags", []) and how == "error":
            cell.outputs = [nbformat.v4.new_output(
                "error", ename="ClaimDrift", traceback=[],
                evalue="claim 'drift-significant' no longer holds in chapter 01-drift")]
    golden.write(root, CHAPTER, nb)


@pytest.mark.parametrize("how", ["summary", "error"])
def test_a_golden_that_records_a_failing_claim_fails_every_gate(tmp_path, monkeypatch, capsys,
                                                                 how):
    root = _book(tmp_path, HIDDEN["error-true"], monkeypatch)
    with (root / "_quarto.yml").open("a", encoding="utf-8") as f:
        f.write("csl: .csl/springer-basic-author-date.csl\n")  # what --pre-render installs
    _record_drift(root, how)
    [problem] = verdicts.check(root)
    assert problem.startswith("tests/notebooks/01-drift.ipynb: ")
    assert "'drift-significant'" in problem and "01-drift" in problem
    assert cli.main(["check", "--pre-render"]) == 1
    assert "[claims] tests/notebooks/01-drift.ipynb" in capsys.readouterr().err
    cache.save_entry(root, CHAPTER, cache.entry_for(root, CHAPTER, {}))  # inputs unchanged
    assert cli.main(["notebooks", "status"]) == 1
    assert "'drift-significant'" in capsys.readouterr().out
    if how == "error":  # executed again (never "up to date"), and refused again
        result = commands.build(root)
        assert result.executed == [CHAPTER] and "'drift-significant'" in result.failed[CHAPTER][0]
    else:  # a golden notebook not selected for execution is read, not run
        (root / "chapters" / "02-other.qmd").write_text("# Other\n\n`{python} 1`\n")
        quarto = root / "_quarto.yml"
        quarto.write_text(quarto.read_text().replace(
            "- chapters/01-drift.executed.ipynb",
            "- chapters/01-drift.executed.ipynb\n    - chapters/02-other.executed.ipynb"))
        result = commands.build(root, ["02-other"])
        assert result.executed == ["chapters/02-other.qmd"] and result.written
        assert "'drift-significant'" in result.recorded[CHAPTER][0]
        assert commands._report(result) == 1
    assert cli.main(["claims"]) == 1
    assert "reviewbuild claims: tests/notebooks/01-drift.ipynb" in capsys.readouterr().err


def test_a_report_chapter_is_not_run_on_the_old_claims_of_a_failing_chapter(tmp_path,
                                                                             monkeypatch):
    """The claims appendix would report the failing chapter's old golden notebook, and the
    command would then ask to accept it: it waits until every claim holds."""
    root = _book(tmp_path, HIDDEN["try-except"], monkeypatch)
    report = "chapters/claims.qmd"
    (root / report).write_text("# Claims\n\n```{python}\nprint('report')\n```\n")
    quarto = root / "_quarto.yml"
    quarto.write_text(quarto.read_text().replace(
        "- chapters/01-drift.executed.ipynb",
        "- chapters/01-drift.executed.ipynb\n    - chapters/claims.executed.ipynb"))
    cache.save_entry(root, report, {"files": {"tests/notebooks/01-drift.ipynb": "x"}})
    result = commands.build(root)
    assert result.executed == [CHAPTER] and result.held_back == [report]
    assert list(result.failed) == [CHAPTER] and result.written == []


def test_the_pre_render_gate_refuses_a_chapter_whose_claims_are_unchecked(tmp_path, monkeypatch,
                                                                          capsys):
    """A chapter edited to hide a false claim, rendered by Quarto before `notebooks build`:
    its golden notebook holds an older execution, so the gate refuses it until a golden
    notebook checks it."""
    root = _book(tmp_path, GOOD, monkeypatch)
    with (root / "_quarto.yml").open("a", encoding="utf-8") as f:
        f.write("csl: .csl/springer-basic-author-date.csl\n")
    golden.write(root, CHAPTER, convert.chapter_notebook(root, CHAPTER))  # in sync
    assert verdicts.unchecked(root) == []
    (root / CHAPTER).write_text(SETUP + HIDDEN["error-true"] + "```\n", encoding="utf-8")
    [problem] = verdicts.unchecked(root)
    assert problem.startswith(f"{CHAPTER}:1: its claims are unchecked")
    assert cli.main(["check", "--pre-render"]) == 1
    assert f"[render] {CHAPTER}:1: its claims are unchecked" in capsys.readouterr().err
    assert not (root / "chapters" / "01-drift.executed.ipynb").exists(), "nothing rendered"
    assert cli.main(["check", "claims"]) == 0  # without --pre-render: the golden notebooks only
