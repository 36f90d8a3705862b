"""The drift proof: change the data under a chapter and the suite fails naming what drifted.

A one-chapter book (tests/fixtures/drift-book) reads TCGA-CDR survival through the engine's
data layer, states a claim and prints numbers inline; it is built with the engine alone (the
review's package cannot even be imported there). It runs against a temporary copy of the
data mirror (files symlinked from the shared mirror, which is never modified); the altered
file replaces one symlink, and the copied data/sources.yaml pins the altered file, as a
reviewed upstream update would. Then:

- one survival status altered -> ``notebooks build`` refuses to update the golden notebook
  and names the inline number that changed, and ``pytest --nbval`` fails on that number;
- the cohort dropped -> the chapter stops with ClaimDrift naming the claim;
- the render gate refuses to render the chapter's old outputs;
- an edit to prose only re-executes nothing.

The book is checked and built once per module, by the engine alone; each test works on a
copy of that build (book, mirror copy and cache). TCGA-CDR is read once per module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reviewbuild.exceptions import NotebookError
from reviewbuild.notebooks import cache, commands, golden, publish
from reviewbuild.notebooks.convert import claims_of
from reviewbuild.notebooks.execute import execute_chapter

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "drift-book"
CHAPTER = "chapters/01-drift.qmd"
CDR = "tcga-cdr/TCGA-CDR-SupplementalTableS1.xlsx"
#: The real chapter and cohort of the last test (one patient left out of TCGA-CDR).
REAL_CHAPTER, REAL_COHORT = "chapters/11-biliary.qmd", "CHOL"
pytestmark = pytest.mark.integration


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def altered(tmp_path_factory) -> dict:
    """Altered copies of TCGA-CDR, from one read of it: one CHOL survival status flipped;
    CHOL dropped; one patient of ``REAL_COHORT`` left out (for the real chapter)."""
    env = os.environ.get("REVIEWBUILD_MIRROR")
    shared = Path(env) if env else ROOT.parent / "shared" / "data"
    if not (shared / CDR).is_file():
        pytest.skip(f"DATA MIRROR NOT FOUND ({shared / CDR}): set REVIEWBUILD_MIRROR "
                    "(SKIPPED, NOT PASSED)")
    from xpo1review.data.loaders import CDR_SHEET

    raw = pd.read_excel(shared / CDR, sheet_name=CDR_SHEET, engine="calamine")
    out = tmp_path_factory.mktemp("altered")
    chol = raw.index[(raw["type"] == "CHOL") & (raw["OS"] == 0)]
    flipped = raw.copy()
    flipped.loc[chol[0], "OS"] = 1  # one censored CHOL patient now has died
    variants = {"flipped": flipped, "dropped": raw[raw["type"] != "CHOL"],
                "one_fewer": raw.drop(index=raw.index[raw["type"] == REAL_COHORT][0])}
    for name, frame in variants.items():
        frame.to_excel(out / f"{name}.xlsx", sheet_name=CDR_SHEET, index=False)
    deaths = int(raw.loc[raw["type"] == "CHOL", "OS"].sum())
    return {"shared": shared, "deaths": deaths,
            **{name: out / f"{name}.xlsx" for name in variants}}


#: The commands that check and build the fixture book, with the review's package poisoned.
ENGINE_ALONE = (["check", "registry", "structure", "data"], ["notebooks", "build"], ["claims"])


@pytest.fixture(scope="module")
def engine_alone(tmp_path_factory, altered) -> dict:
    """The fixture book checked and built once, by the engine alone: the review's package is
    made unimportable for the command and the chapter's kernel. The template of ``book``."""
    base = tmp_path_factory.mktemp("drift-built")
    poison = base / "poison" / "xpo1review"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text(
        'raise ImportError("the engine imported the review package xpo1review")\n')
    root = base / "book"
    shutil.copytree(FIXTURE, root)
    mirror = base / "mirror"
    (mirror / "tcga-cdr").mkdir(parents=True)
    (mirror / CDR).symlink_to(altered["shared"] / CDR)
    env = {**os.environ, "PYTHONPATH": str(poison.parent), "REVIEWBUILD_ROOT": str(root),
           "REVIEWBUILD_MIRROR": str(mirror), "REVIEWBUILD_CACHE": str(base / "cache")}
    runs = []
    for command in ENGINE_ALONE:
        runs.append(subprocess.run([sys.executable, "-m", "reviewbuild", *command], cwd=root,
                                   env=env, capture_output=True, text=True, timeout=600))
        if runs[-1].returncode:
            break
    return {"base": base, "root": root, "env": env, "runs": runs}


@pytest.fixture
def book(tmp_path, engine_alone, monkeypatch) -> Path:
    """A copy of the fixture book as the engine alone built it against the unaltered mirror
    copy (golden notebook, manifest, its mirror copy and cache), current."""
    if [run.returncode for run in engine_alone["runs"]] != [0] * len(ENGINE_ALONE):
        pytest.fail("the fixture book did not build with the engine alone "
                    "(test_the_fixture_book_builds_with_the_engine_alone says why)",
                    pytrace=False)
    for part in ("book", "mirror", "cache"):
        shutil.copytree(engine_alone["base"] / part, tmp_path / part, symlinks=True)
    root = tmp_path / "book"
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    assert golden.sync_problem(root, CHAPTER) is None
    assert cache.changes(root, CHAPTER, cache.load_manifest(root).get(CHAPTER)) == []
    return root


def _replace_data(root: Path, new_file: Path) -> None:
    """Put ``new_file`` in the mirror copy and pin it, as a reviewed data update would."""
    mirror = Path(os.environ["REVIEWBUILD_MIRROR"])
    target = mirror / CDR
    old_sha = _sha(target)
    target.unlink()
    shutil.copy(new_file, target)
    registry = root / "data" / "sources.yaml"
    text = registry.read_text(encoding="utf-8")
    assert old_sha in text
    registry.write_text(text.replace(old_sha, _sha(target)), encoding="utf-8")
    st = registry.stat()
    os.utime(registry, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_the_fixture_book_builds_with_the_engine_alone(engine_alone):
    """The engine knows nothing of the review: with the review's package made unimportable
    (for the command and the chapter's kernel alike), the fixture book checks and builds."""
    runs = engine_alone["runs"]
    for command, done in zip(ENGINE_ALONE, runs, strict=False):
        assert done.returncode == 0, (command, done.stdout + done.stderr)
    assert len(runs) == len(ENGINE_ALONE)
    assert "drift-chol-in-cdr" in runs[-1].stdout + runs[-1].stderr
    assert (engine_alone["root"] / "tests" / "notebooks" / "01-drift.ipynb").is_file()
    refused = subprocess.run([sys.executable, "-c", "import xpo1review"],
                             env=engine_alone["env"], capture_output=True, text=True,
                             timeout=60)
    assert "the engine imported the review package" in refused.stderr  # the poison works


def test_changed_survival_data_fails_naming_the_number(book, altered):
    before = golden.read(book, CHAPTER)
    _replace_data(book, altered["flipped"])
    assert "data source tcga-cdr changed" in cache.changes(
        book, CHAPTER, cache.load_manifest(book)[CHAPTER])

    result = commands.build(book)
    assert result.executed == [CHAPTER] and result.written == []
    diffs = "\n".join(result.changed[CHAPTER])
    old, new = altered["deaths"], altered["deaths"] + 1
    assert "fmt_count(deaths)" in diffs and f"was '{old}' -> now '{new}'" in diffs
    assert golden.read(book, CHAPTER) == before  # not updated without `accept`

    nbval = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with",
         str(ROOT / "tests" / "notebooks" / "nbval_sanitize.cfg"),
         str(book / "tests" / "notebooks")],
        cwd=book, capture_output=True, text=True, env=dict(os.environ), timeout=600)
    report = nbval.stdout + nbval.stderr
    assert nbval.returncode != 0, report
    assert "fmt_count(deaths)" in report and f"'{old}'" in report and f"'{new}'" in report

    commands.build(book, accept=True)
    assert golden.differences(before, golden.read(book, CHAPTER), []) != []
    assert cache.changes(book, CHAPTER, cache.load_manifest(book)[CHAPTER]) == []


def test_dropped_cohort_fails_naming_the_claim(book, altered):
    _replace_data(book, altered["dropped"])
    with pytest.raises(NotebookError) as err:
        execute_chapter(book, CHAPTER)
    text = str(err.value)
    assert "ClaimDrift" in text and "drift-chol-in-cdr" in text
    assert "chapters/01-drift.qmd" in text and "n=0" in text


def test_the_render_gate_refuses_outputs_older_than_the_data(book, altered):
    assert publish.problems(book) == []  # the golden notebook holds the current outputs
    publish.write_all(book)
    rendered = (book / "chapters" / "01-drift.executed.ipynb").read_bytes()
    _replace_data(book, altered["flipped"])
    [problem] = publish.problems(book)
    assert problem.startswith(f"{CHAPTER}: its golden notebook was executed with other inputs")
    assert "data source tcga-cdr changed" in problem
    with pytest.raises(NotebookError, match="no golden notebook holds the current execution of"):
        publish.write_all(book)
    assert (book / "chapters" / "01-drift.executed.ipynb").read_bytes() == rendered


def test_prose_only_edit_reexecutes_nothing(book):
    qmd = book / CHAPTER
    text = qmd.read_text(encoding="utf-8")
    qmd.write_text(text.replace("during follow-up", "before the end of follow-up")
                       .replace("#| label: drift-survival",
                                "#| label: drift-survival\n#| fig-cap: A caption"),
                   encoding="utf-8")
    result = commands.build(book)
    assert result.executed == [] and result.up_to_date == [CHAPTER]
    assert golden.sync_problem(book, CHAPTER) is None

    qmd.write_text(qmd.read_text(encoding="utf-8").replace(
        "n_chol = len(chol)", "n_chol = len(chol)  # patients"), encoding="utf-8")
    assert golden.sync_problem(book, CHAPTER) is not None
    result = commands.build(book)
    assert result.executed == [CHAPTER] and result.written == [CHAPTER]  # same outputs
    assert golden.sync_problem(book, CHAPTER) is None


# --- the same proof on a real chapter of the book ------------------------------------
def test_real_chapter_fails_when_one_patient_leaves_the_survival_table(
        tmp_path, altered, monkeypatch):
    """Drop one CHOL patient from TCGA-CDR: the biliary chapter must name a claim or number."""
    if golden.sync_problem(ROOT, REAL_CHAPTER):
        pytest.skip(f"golden notebook of {REAL_CHAPTER} is stale (test_notebooks reports it)")
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy(ROOT / REAL_CHAPTER, root / REAL_CHAPTER)
    (root / "_quarto.yml").write_text(
        f"project:\n  type: book\nbook:\n  title: t\n  chapters:\n    - {REAL_CHAPTER}\n"
        "execute:\n  warning: false\n", encoding="utf-8")
    gold = golden.read(ROOT, REAL_CHAPTER)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for part in altered["shared"].iterdir():
        if part.is_dir() and part.name != "tcga-cdr":
            (mirror / part.name).symlink_to(part)
    (mirror / "tcga-cdr").mkdir()
    (mirror / CDR).symlink_to(altered["one_fewer"])
    registry = root / "data" / "sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace(
        _sha(altered["shared"] / CDR), _sha(mirror / CDR)), encoding="utf-8")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(mirror))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))

    claim_ids = {c["id"] for c in claims_of(gold) if c["kind"] == "computed"}
    try:
        run = execute_chapter(root, REAL_CHAPTER)
    except NotebookError as err:
        text = str(err)
        assert "ClaimDrift" in text, text
        assert any(f"claim '{cid}'" in text for cid in claim_ids), text
        return
    diffs = golden.differences(gold, run.notebook, golden.sanitizers(ROOT))
    assert any("inline expression" in d for d in diffs), (
        f"one patient fewer in {REAL_COHORT} changed no claim and no number of {REAL_CHAPTER}")

