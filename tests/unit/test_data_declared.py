"""data/analyses.yaml: the committed choice of data per cohort and analysis, validated on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewbuild.data import declared
from reviewbuild.exceptions import DataError

ROOT = Path(__file__).resolve().parents[2]
ANALYSES = ("tumour-normal", "survival", "differential-expression")
DEFAULT = (ROOT / "data" / "analyses.yaml").read_text(encoding="utf-8")


@pytest.fixture
def root(tmp_path) -> Path:
    """A project with the real registry and a copy of the real declarations."""
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "sources.yaml", tmp_path / "data" / "sources.yaml")
    (tmp_path / "data" / "analyses.yaml").write_text(DEFAULT, encoding="utf-8")
    return tmp_path


def edit(root: Path, old: str, new: str) -> None:
    path = root / "data" / "analyses.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_committed_vocabulary():
    decl = declared.declarations(ROOT)
    assert decl.analyses == {"tumour-normal": ("expression", "paired-subset"),
                             "survival": ("expression", "paired-subset", "curated-cohort"),
                             "differential-expression": ("expression", "paired-subset")}
    assert decl.cohorts == ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COADREAD")
    assert decl.per_sample_roles == ("expression", "paired-subset", "curated-cohort")


def test_a_source_serving_an_undeclared_cohort_is_refused(root):
    edit(root, "  ESCA: {use: none", "  OESO: {use: none")
    with pytest.raises(DataError, match=r"firehose-ESCA serves cohort\(s\) ESCA, which .*"
                                        r"analyses.yaml does not declare"):
        declared.load(root)


def test_an_analysis_without_roles_is_refused(root):
    edit(root, "  survival: [expression, paired-subset, curated-cohort]", "  survival: []")
    with pytest.raises(DataError, match="top-level `analyses:` mapping"):
        declared.load(root)


def test_the_committed_declarations_are_todays_choices():
    uses = {k: u.source_id for k, u in declared.load(ROOT).items()}
    assert uses == {
        **{(c, a): s for c, s in [("STAD", "metagsca-STAD"), ("LIHC", "metagsca-LIHC"),
                                  ("CHOL", "firehose-CHOL"), ("COADREAD", "metagsca-COAD")]
           for a in ANALYSES},
        **{("ESCA", a): None for a in ANALYSES},
        ("PAAD", "tumour-normal"): None, ("PAAD", "survival"): "pdac-curated",
        ("PAAD", "differential-expression"): None,
    }
    assert all(u.why for u in declared.load(ROOT).values() if u.source_id is None)


def test_the_full_cohorts_are_registered_but_not_used():
    used = declared.used_sources(ROOT)
    assert not [s for s in used if s.startswith("firehose-") and s != "firehose-CHOL"]
    assert {"tcga-cdr", "gepia2", "oncodb-CHOL", "metagsca-STAD", "pdac-curated"} <= set(used)


def test_switching_a_cohort_is_one_line(root):
    edit(root, "STAD: {use: metagsca-STAD}", "STAD: {use: firehose-STAD}")
    assert {a: declared.use("STAD", a, root).source_id for a in ANALYSES} == {
        a: "firehose-STAD" for a in ANALYSES}
    assert "firehose-STAD" in declared.used_sources(root)
    assert declared.use("LIHC", "survival", root).source_id == "metagsca-LIHC"


def test_an_analysis_key_overrides_use(root):
    edit(root, "STAD: {use: metagsca-STAD}", "STAD: {use: metagsca-STAD, survival: firehose-STAD}")
    assert declared.use("STAD", "survival", root).source_id == "firehose-STAD"
    assert declared.use("STAD", "tumour-normal", root).source_id == "metagsca-STAD"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("STAD: {use: metagsca-STAD}", "STAD: {use: metagsca-STDA}",
     r"cohort STAD, tumour-normal: 'metagsca-STDA' is not a source .*one of firehose-STAD, "
     "metagsca-STAD or none"),
    ("STAD: {use: metagsca-STAD}", "STAD: {use: metagsca-LIHC}",
     "cohort STAD, tumour-normal: metagsca-LIHC does not serve STAD"),
    ("STAD: {use: metagsca-STAD}", "STAD: {use: gepia2}",
     "gepia2 has role summary, which cannot serve tumour-normal"),
    ("PAAD: {use: none, survival: pdac-curated,", "PAAD: {use: pdac-curated,",
     "cohort PAAD, tumour-normal: pdac-curated has role curated-cohort"),
    ("STAD: {use: metagsca-STAD}", "STAD: {use: none}",
     "cohort STAD: tumour-normal is declared `none`: add `why:`"),
    ("STAD: {use: metagsca-STAD}", "STAD: {use: metagsca-STAD, suvrival: firehose-STAD}",
     "cohort STAD: unknown key.s. suvrival"),
    ("STAD: {use: metagsca-STAD}", "STAD: metagsca-STAD", "cohort STAD: expected a mapping"),
    ("  STAD: {use: metagsca-STAD}\n", "", r"firehose-STAD serves cohort\(s\) STAD"),
    ("  COADREAD: {use: metagsca-COAD}", "  COAD: {use: metagsca-COAD}",
     r"serves cohort\(s\) COADREAD, which .* does not declare"),
    ("cohorts:", "cohort:", "expected a top-level `cohorts:` mapping"),
    ("STAD: {use: metagsca-STAD}", "STAD: {use: [", "analyses.yaml:[0-9]+: bad YAML"),
])
def test_bad_declarations_are_refused_naming_file_and_cohort(root, old, new, message):
    edit(root, old, new)
    with pytest.raises(DataError, match=message) as info:
        declared.load(root)
    assert str(root / "data" / "analyses.yaml") in str(info.value)


def test_an_unpinned_source_cannot_be_declared(root):
    reg = root / "data" / "sources.yaml"
    text = reg.read_text(encoding="utf-8")
    reg.write_text(text.replace("    git_blob: b84964bda0883e1c5f21f908121ffa9e1c852cb4\n", ""))
    edit(root, "STAD: {use: metagsca-STAD}", "STAD: {use: firehose-STAD}")
    with pytest.raises(DataError, match="firehose-STAD is not pinned"):
        declared.load(root)


def test_a_missing_declarations_file_says_so(root):
    (root / "data" / "analyses.yaml").unlink()
    with pytest.raises(DataError, match=r"analyses.yaml: missing; it declares which data"):
        declared.load(root)


def test_unknown_cohort_or_analysis():
    with pytest.raises(DataError, match="unknown cohort 'COAD'"):
        declared.use("COAD", "survival")
    with pytest.raises(DataError, match="unknown analysis 'methylation'"):
        declared.use("CHOL", "methylation")
