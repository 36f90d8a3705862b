"""OncoLnc against the mirrored files: XPO1's published rows, the reconstructed patients
checked against TCGA-CDR, and broken copies refused with the source named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reviewbuild.data import registry
from reviewbuild.exceptions import SchemaError
from xpo1review.data import loaders, oncolnc

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
REAL = registry.load_registry(ROOT / "data" / "sources.yaml")


def test_every_oncolnc_file_is_registered_and_pinned_twice():
    ids = {f"oncolnc-{s}-{part}" for s in oncolnc.MODELS
           for part in ("cox", "samples", "follow-up", "patient")}
    assert ids <= set(REAL)
    assert all(REAL[i].sha256 and REAL[i].git_blob and "anaya2016oncolnc" in REAL[i].cite
               for i in ids)


def test_xpo1_rows_are_read_from_the_raw_files(mirror):
    frame = loaders.cox_coefficients().frame.set_index("study")
    assert list(frame.index) == list(oncolnc.MODELS)
    for study, row in frame.iterrows():
        raw = pd.read_csv(mirror / REAL[f"oncolnc-{study}-cox"].mirror_path, sep="\t",
                          header=None, dtype=str)
        entrez, coef, p = raw[raw[0] == str(oncolnc.XPO1_ENTREZ)].iloc[0]
        assert (row["coef_text"], row["p_text"]) == (coef, p)
        assert row["coef"] == float(coef) and row["p"] == float(p)


@pytest.mark.parametrize("study", list(oncolnc.MODELS))
def test_reconstructed_patients_agree_with_tcga_cdr(mirror, study):
    """TCGA-CDR was curated independently from later clinical data: every reconstructed
    patient must be there under the same study with the same sex and age, every reconstructed
    death must be a death there, and follow-up times must agree for at least 98% (TCGA-CDR
    has later follow-up for a few)."""
    from xpo1review.analysis.whole_cohort import reconstruction_check

    row = reconstruction_check().set_index("study").loc[study]
    assert row["n"] > 100 and row["deaths"] > 20
    assert row["in_cdr_same_study"] == row["same_sex"] == row["same_age"] == row["n"]
    assert row["deaths_confirmed"] == row["deaths"] <= row["cdr_deaths"]
    assert row["same_time"] >= 0.98 * row["n"]


def test_the_other_precedence_would_miscount(mirror, monkeypatch):
    """The order in which a row's day counts are read matters: flipping it for the studies
    whose scripts test death first loses deaths that TCGA-CDR confirms."""
    from xpo1review.analysis import whole_cohort

    before = whole_cohort.reconstruction_check().set_index("study")
    flipped = {s: oncolnc.ModelSpec(m.study, m.age_column, m.grades, not m.death_first,
                                    m.covariates) for s, m in oncolnc.MODELS.items()}
    monkeypatch.setattr(oncolnc, "MODELS", flipped)
    monkeypatch.setattr(whole_cohort, "MODELS", flipped)
    whole_cohort.patients.cache_clear()  # read once per process: read again under the flip
    try:
        after = whole_cohort.reconstruction_check().set_index("study")
    finally:
        whole_cohort.patients.cache_clear()
    death_first = [s for s, m in flipped.items() if not m.death_first]
    assert (after.loc[death_first, "deaths"] < before.loc[death_first, "deaths_confirmed"]).all()


# --- broken copies (the `register` fixture: tests/integration/conftest.py) -----------
def test_a_coefficient_file_with_the_wrong_shape_is_refused(mirror, register):
    for study in oncolnc.MODELS:
        register(f"oncolnc-{study}-cox",
                 (mirror / REAL[f"oncolnc-{study}-cox"].mirror_path).read_bytes())
    assert len(loaders.cox_coefficients().frame) == len(oncolnc.MODELS)
    register("oncolnc-LIHC-cox", b"7514\t0.1\n1\t0.2\n")
    with pytest.raises(SchemaError, match=r"oncolnc-LIHC-cox .*2 columns, expected 3"):
        loaders.cox_coefficients()
    register("oncolnc-LIHC-cox", b"1\t0.1\t0.5\n")
    with pytest.raises(SchemaError, match=r"oncolnc-LIHC-cox .*0 rows for Entrez id 7514"):
        loaders.cox_coefficients()


def test_a_clinical_file_without_its_columns_is_refused(mirror, register):
    for part in ("follow-up", "samples"):
        sid = f"oncolnc-STAD-{part}"
        register(sid, (mirror / REAL[sid].mirror_path).read_bytes())
    register("oncolnc-STAD-patient",
             b"bcr_patient_barcode\tgender\nx\tx\ny\ty\nTCGA-AA-0001\tMALE\n")
    with pytest.raises(SchemaError,
                       match=r"oncolnc-STAD-patient .*lacks column\(s\).*tumor_grade"):
        loaders.model_patients("STAD")
