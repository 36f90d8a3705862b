"""The whole-cohort table: numbers as readers see them; where a result does not exist, the
reason in the figure's words, and blank p-value and counts."""

from __future__ import annotations

import math

import pandas as pd

from xpo1review.analysis.whole_cohort import NO_MODEL, NO_SUBSET
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


def no_subset() -> pd.DataFrame:
    nan = math.nan
    return pd.DataFrame({
        "entity": ["Rectum"], "study": ["READ"], "review": ["XPO1-high: longer OS (significant)"],
        "hr": [0.85], "hr_lower": [0.54], "hr_upper": [1.35], "p": [0.5], "n": [159],
        "deaths": [25], "covariates": ["sex and age"], "verdict": ["no detectable association"],
        "subset_hr": [nan], "subset_lower": [nan], "subset_upper": [nan], "subset_p": [nan],
        "subset_n": [pd.NA], "subset_deaths": [pd.NA],
    })


def test_numbers_are_formatted_and_missing_results_say_why():
    shown = display_frame(frame())
    liver, chol = shown.iloc[0], shown.iloc[1]
    assert liver["Whole cohort HR (95% CI)"] == "1.28 (1.07–1.53)"
    assert liver["p"] == "0.006" and liver["Patients / deaths"] == "360 / 126"
    assert chol["Whole cohort HR (95% CI)"] == NO_MODEL
    assert chol["p"] == chol["Patients / deaths"] == ""
    assert chol["Whole cohort vs review"] == "no whole-cohort model"
    assert chol["Subset HR, median split (95% CI)"] == "1.75 (0.67–4.57)"
    assert "nan" not in shown.to_string().lower()
    rectum = display_frame(no_subset()).iloc[0]
    assert rectum["Subset HR, median split (95% CI)"] == NO_SUBSET
    assert rectum["Subset p"] == rectum["Subset patients / deaths"] == ""


def test_the_pdf_form_keeps_the_verdict_and_the_adjustment_as_notes():
    text = whole_cohort_pdf(frame()).data
    note = ("**Liver (LIHC)** — review: XPO1-high: longer OS (significance not stated); whole "
            "cohort: opposite direction, significant, adjusted for grade (G1–G4), sex and age")
    assert note in text
    assert "| Bile ducts (CHOL) | no model |  |  | 1.75 (0.67–4.57) | 0.24 | 36 / 18 |" in text


def test_on_the_website_an_interval_never_wraps():
    """"0.99 (0.74–1.32)" read as "0.99 (0.74–" above "1.32)" in a narrow column."""
    import re

    from xpo1review.tables.whole_cohort import whole_cohort_table

    cells = re.findall(r"<td([^>]*)>([^<]*)</td>", whole_cohort_table(frame()).web)
    intervals = [style for style, text in cells if re.search(r"\d\.\d\d \(", text)]
    words = [style for style, text in cells if "sex and age" in text]
    assert len(intervals) == 3 and all("white-space: nowrap" in s for s in intervals)
    assert words and not any("nowrap" in s for s in words)
