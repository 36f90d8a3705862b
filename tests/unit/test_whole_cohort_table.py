"""The whole-cohort table: numbers as readers see them, blanks where a result does not exist."""

from __future__ import annotations

import math

import pandas as pd

from xpo1review.tables.whole_cohort import display_frame, whole_cohort_pdf


def frame() -> pd.DataFrame:
    nan = math.nan
    return pd.DataFrame({
        "entity": ["Liver", "Bile ducts"], "study": ["LIHC", "CHOL"],
        "review": ["XPO1-high: longer OS (significance not stated)",
                   "XPO1-high: longer OS (not significant)"],
        "hr": [1.2802, nan], "hr_lower": [1.0716, nan], "hr_upper": [1.5294, nan],
        "p": [0.0065, nan], "n": [360, pd.NA], "deaths": [126, pd.NA],
        "covariates": ["grade (G1–G4), sex and age", ""],
        "verdict": ["opposite direction, significant", "no whole-cohort model"],
        "subset_hr": [1.09, 1.75], "subset_lower": [0.54, 0.67], "subset_upper": [2.22, 4.57],
        "subset_p": [0.81, 0.24], "subset_n": [49, 36], "subset_deaths": [33, 18],
    })


def test_numbers_are_formatted_and_missing_results_are_blank():
    shown = display_frame(frame())
    liver, chol = shown.iloc[0], shown.iloc[1]
    assert liver["Whole cohort HR (95% CI)"] == "1.28 (1.07–1.53)"
    assert liver["p"] == "0.006" and liver["Patients / deaths"] == "360 / 126"
    assert chol["Whole cohort HR (95% CI)"] == chol["p"] == chol["Patients / deaths"] == ""
    assert chol["Whole cohort vs review"] == "no whole-cohort model"
    assert chol["Subset HR, median split (95% CI)"] == "1.75 (0.67–4.57)"
    assert "nan" not in shown.to_string().lower()


def test_the_pdf_form_keeps_the_verdict_and_the_adjustment_as_notes():
    text = whole_cohort_pdf(frame()).data
    note = ("**Liver (LIHC)** — review: XPO1-high: longer OS (significance not stated); whole "
            "cohort: opposite direction, significant, adjusted for grade (G1–G4), sex and age")
    assert note in text
    assert "| Bile ducts (CHOL) |  |  |  | 1.75 (0.67–4.57) | 0.24 | 36 / 18 |" in text
