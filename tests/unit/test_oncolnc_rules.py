"""OncoLnc's inclusion rules, one at a time on made-up clinical tables, and the interval
recovered from a published coefficient and p-value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from xpo1review.analysis.cohorts import ReviewFinding
from xpo1review.analysis.whole_cohort import WholeCohortModel, verdict, wald_interval
from xpo1review.data.oncolnc import (
    MODELS,
    covariates,
    follow_up_records,
    merge_follow_up,
    primary_tumour_patients,
)

NA = "[Not Available]"


def follow_up(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["bcr_patient_barcode", "death_days_to",
                                       "last_contact_days_to"])


def patients(*rows: tuple[str, str, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["bcr_patient_barcode", "tumor_grade", "gender",
                                       "age_at_initial_pathologic_diagnosis", "death_days_to",
                                       "last_contact_days_to"])


# --- the follow-up file ------------------------------------------------------------------
def test_consecutive_rows_are_one_record_and_the_last_parsable_row_wins():
    rows = follow_up(("P1", NA, "100"), ("P1", NA, "300"), ("P1", NA, NA), ("P2", "50", NA))
    assert follow_up_records(rows, death_first=True) == [("P1", 300, 0), ("P2", 50, 1)]


def test_a_patient_listed_in_two_runs_gets_two_records_and_the_first_one_counts():
    rows = follow_up(("P1", NA, "100"), ("P2", NA, "20"), ("P1", "400", NA))
    records = follow_up_records(rows, death_first=True)
    assert records == [("P1", 100, 0), ("P2", 20, 0), ("P1", 400, 1)]
    assert merge_follow_up(records, patients().assign(days=[], died=[]))["P1"] == (100, 0)


@pytest.mark.parametrize(("death_first", "expected"), [(True, (90, 1)), (False, (120, 0))])
def test_a_row_with_both_day_counts_follows_the_study_s_order(death_first, expected):
    rows = follow_up(("P1", "90", "120"))
    assert follow_up_records(rows, death_first)[0][1:] == expected


def test_the_scripts_differ_in_that_order():
    assert {s for s, m in MODELS.items() if m.death_first} == {"STAD", "COAD", "READ"}


# --- the patient file --------------------------------------------------------------------
def test_patients_need_the_covariates_their_model_uses():
    rows = patients(("P1", "G2", "MALE", "60", NA, "10"),
                    ("P2", "GX", "MALE", "61", NA, "10"),       # grade not G1-G3
                    ("P3", "G1", NA, "62", NA, "10"),            # sex missing
                    ("P4", "G3", "FEMALE", NA, NA, "10"),        # age missing
                    ("P5", "G3", "FEMALE", "63", NA, NA))        # no day count: still kept
    kept = covariates(rows, MODELS["STAD"])
    assert kept["patient"].tolist() == ["P1", "P5"]
    assert kept["days"].isna().tolist() == [False, True]
    no_grade = covariates(rows, MODELS["COAD"])  # COAD's model has no grade
    assert no_grade["patient"].tolist() == ["P1", "P2", "P5"]


def test_g4_counts_only_where_the_model_has_four_grades():
    rows = patients(("P1", "G4", "MALE", "60", NA, "10")).rename(
        columns={"age_at_initial_pathologic_diagnosis": "age_at_diagnosis"})
    assert covariates(rows, MODELS["LIHC"])["patient"].tolist() == ["P1"]
    assert covariates(rows, MODELS["ESCA"]).empty


# --- the merge ---------------------------------------------------------------------------
def test_the_patient_file_wins_only_with_a_longer_follow_up():
    records = [("P1", 100, 0), ("P2", 200, 0), ("P3", 300, 0)]
    own = pd.DataFrame({"patient": ["P1", "P2", "P4"], "days": [150, 200, 40],
                        "died": [1, 1, 0]})
    merged = merge_follow_up(records, own)
    assert merged == {"P1": (150, 1), "P2": (200, 0), "P3": (300, 0), "P4": (40, 0)}


# --- the sample map ----------------------------------------------------------------------
def test_only_primary_tumour_normalised_gene_files_count():
    files = pd.DataFrame({
        "filename": ["a.rsem.genes.normalized_results", "b.rsem.genes.normalized_results",
                     "c.rsem.genes.normalized_results", "d.rsem.genes.results",
                     "e.rsem.genes.normalized_results"],
        "barcode(s)": ["TCGA-AA-0001-01A-11R-A1-07", "TCGA-AA-0001-01B-11R-A1-07",
                       "TCGA-AA-0002-11A-11R-A1-07", "TCGA-AA-0003-01A-11R-A1-07",
                       "TCGA-AA-0004-06A-11R-A1-07"],
    })
    assert primary_tumour_patients(files).to_dict() == {"TCGA-AA-0001": 2}


# --- the interval from coefficient and p ---------------------------------------------------
def test_the_recovered_interval_equals_the_fitted_one():
    rng = np.random.default_rng(7)
    x = rng.normal(size=300)
    time = rng.exponential(np.exp(-0.3 * x))
    frame = pd.DataFrame({"x": x, "time": time, "event": rng.random(300) < 0.7})
    fit = CoxPHFitter().fit(frame, "time", "event").summary.loc["x"]
    se, lower, upper = wald_interval(fit["coef"], fit["p"])
    assert se == pytest.approx(fit["se(coef)"], rel=1e-6)
    assert lower == pytest.approx(fit["exp(coef) lower 95%"], rel=1e-6)
    assert upper == pytest.approx(fit["exp(coef) upper 95%"], rel=1e-6)


def test_the_interval_cannot_be_recovered_from_p_1_or_a_zero_coefficient():
    for coef, p in ((0.1, 1.0), (0.0, 0.5), (0.1, 0.0)):
        with pytest.raises(ValueError, match="recover a standard error"):
            wald_interval(coef, p)


def test_a_negative_coefficient_gives_an_interval_below_and_around_its_estimate():
    se, lower, upper = wald_interval(-0.2, 0.05)
    assert lower < math.exp(-0.2) < upper < 1.0 + 1e-9
    assert upper == pytest.approx(1.0, abs=1e-3)  # p = 0.05 puts the limit at 1


@pytest.mark.parametrize(("coef", "p", "high_better", "expected"), [
    (0.25, 0.006, True, "opposite direction, significant"),
    (0.25, 0.006, False, "same direction, significant"),
    (-0.25, 0.006, True, "same direction, significant"),
    (0.02, 0.76, False, "no detectable association"),
])
def test_verdict(coef, p, high_better, expected):
    review = ReviewFinding("X", high_better, True, "")
    assert verdict(review, WholeCohortModel("X", coef, p, 100, 50, "")) == expected
    assert verdict(review, None) == "no whole-cohort model"
