"""The whole-cohort table: the review's Fig. 4 statement, OncoLnc's model, our subset."""

from __future__ import annotations

import math

import pandas as pd

from reviewbuild.format import fmt_p
from reviewbuild.tables.render import WebAndPrint, house_table, pdf_table
from xpo1review.analysis.whole_cohort import NO_MODEL, NO_SUBSET, comparison

SOURCE_NOTE = ("Whole cohort: OncoLnc's Cox model of overall survival in each TCGA cohort, "
               "XPO1 per standard deviation of its inverse-normal-transformed expression, "
               "adjusted as listed; the interval is recovered from the published coefficient "
               "and Wald p. Subset: this book's re-analysis, XPO1-high vs -low at the median, "
               "log-rank p, unadjusted.")


def _hr(hr: float, lower: float, upper: float, missing: str) -> str:
    return missing if math.isnan(hr) else f"{hr:.2f} ({lower:.2f}–{upper:.2f})"


def _p(p: float) -> str:
    return "" if math.isnan(p) else fmt_p(p).removeprefix("p ").replace("= ", "")


def _count(n: object, deaths: object) -> str:
    return "" if pd.isna(n) else f"{n} / {deaths}"


def display_frame(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table's columns, as readers see them; a missing estimate says why it is missing,
    in the figure's words, and its p-value and counts are left blank."""
    f = comparison() if frame is None else frame
    return pd.DataFrame({
        "Entity (TCGA)": f["entity"] + " (" + f["study"] + ")",
        "Review (Fig. 4)": f["review"],
        "Whole cohort HR (95% CI)": [_hr(*r, NO_MODEL) for r in zip(
            f["hr"], f["hr_lower"], f["hr_upper"], strict=True)],
        "p": f["p"].map(_p),
        "Patients / deaths": [_count(*r) for r in zip(f["n"], f["deaths"], strict=True)],
        "Adjusted for": f["covariates"],
        "Whole cohort vs review": f["verdict"],
        "Subset HR, median split (95% CI)": [_hr(*r, NO_SUBSET) for r in zip(
            f["subset_hr"], f["subset_lower"], f["subset_upper"], strict=True)],
        "Subset p": f["subset_p"].map(_p),
        "Subset patients / deaths": [_count(*r) for r in zip(f["subset_n"], f["subset_deaths"],
                                                             strict=True)],
    })


def whole_cohort_pdf(frame: pd.DataFrame | None = None):
    """The PDF form: the numbers as a table; the adjustment and the verdict as notes."""
    shown = display_frame(frame)
    table = shown[["Entity (TCGA)", "Whole cohort HR (95% CI)", "p", "Patients / deaths",
                   "Subset HR, median split (95% CI)", "Subset p", "Subset patients / deaths"]]
    notes = [f"**{r['Entity (TCGA)']}** — review: {r['Review (Fig. 4)']}; whole cohort: "
             f"{r['Whole cohort vs review']}"
             + (f", adjusted for {r['Adjusted for']}" if r["Adjusted for"] else "")
             for _, r in shown.iterrows()]
    return pdf_table(table, (17, 18, 11, 12, 18, 11, 13), notes, SOURCE_NOTE)


def whole_cohort_table(frame: pd.DataFrame | None = None):
    """Great-tables on the website, Markdown in the PDF."""
    numbers = ("Whole cohort HR (95% CI)", "p", "Patients / deaths",
               "Subset HR, median split (95% CI)", "Subset p", "Subset patients / deaths")
    return WebAndPrint(house_table(display_frame(frame), "whole-cohort", source_note=SOURCE_NOTE,
                                   unbroken=numbers), whole_cohort_pdf(frame))
