"""Tables across the six cohorts: tumour vs normal beside the published values, and maxstat."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xpo1review.analysis.cohorts import COHORTS
from xpo1review.analysis.followup import follow_up
from xpo1review.analysis.parts import ExpressionPart, expression_part, survival_part
from xpo1review.analysis.power import min_detectable_hr
from xpo1review.data import loaders
from xpo1review.data.loaders import Unavailable

#: The published study shown for a cohort: colorectal = TCGA-COAD, the cohort of the
#: per-sample data (TCGA-READ is a separate study in both resources).
SUMMARY_STUDY = {"COADREAD": "COAD"}
CALLED, NOT_CALLED, NOT_IN_EXPORT = "called DE", "not called DE", "not in the export"


def _summary_study(summary: pd.DataFrame, cohort: str, resource: str) -> pd.DataFrame:
    """The rows of one resource for one TCGA study of ``cohort`` (empty if absent)."""
    study = SUMMARY_STUDY.get(cohort, cohort)
    return summary[(summary["resource"] == resource) & (summary["tcga_type"] == study)]


def _gepia2_status(hit: pd.DataFrame) -> str:
    if hit.empty:
        return NOT_IN_EXPORT
    return CALLED if hit["log2fc"].notna().any() else NOT_CALLED


def _per_sample_values(part: ExpressionPart) -> dict:
    """Our test of one cohort: source, group sizes, log2 FC and p."""
    t = part.test
    return {"source": part.provenance.source_ids[0], "n_tumour": t.n_tumour,
            "n_normal": t.n_normal, "n_pairs": t.n_pairs, "log2fc": t.log2fc,
            "p": t.wilcoxon_p if t.n_pairs >= 5 else t.mannwhitney_p}


def _published_values(summary: pd.DataFrame, cohort: str) -> dict:
    """The OncoDB and GEPIA2 values of one cohort's TCGA study (NaN where absent)."""
    onc = _summary_study(summary, cohort, "OncoDB")
    gep = _summary_study(summary, cohort, "GEPIA2")
    if len(onc) > 1 or len(gep) > 1:
        raise ValueError(f"{cohort}: more than one published row for study "
                         f"{SUMMARY_STUDY.get(cohort, cohort)}; expected one per resource")
    return {
        "summary_study": SUMMARY_STUDY.get(cohort, cohort),
        "oncodb_log2fc": float(onc["log2fc"].iloc[0]) if len(onc) else np.nan,
        "oncodb_p": float(onc["p_value"].iloc[0]) if len(onc) else np.nan,
        "gepia2_log2fc": float(gep["log2fc"].iloc[0]) if len(gep) else np.nan,
        "gepia2_status": _gepia2_status(gep),
    }


def tumour_normal_table() -> pd.DataFrame:
    """Per cohort: our per-sample test (where available) beside OncoDB and GEPIA2 log2 FC.

    Columns: cohort, per_sample (bool), source, n_tumour, n_normal, n_pairs, log2fc, p
    (paired Wilcoxon if >= 5 pairs, else Mann-Whitney); summary_study (the one TCGA study
    both published values come from: COAD for colorectal), oncodb_log2fc, oncodb_p,
    gepia2_log2fc and gepia2_status (called DE / not called DE / not in the export).
    """
    summary = loaders.tumour_normal_summary("XPO1").frame
    rows = []
    for c in COHORTS:
        part = expression_part(c)
        row: dict = {"cohort": c, "per_sample": not isinstance(part, Unavailable)}
        if row["per_sample"]:
            row |= _per_sample_values(part)
        rows.append(row | _published_values(summary, c))
    return pd.DataFrame(rows).set_index("cohort")


def maxstat_summary() -> pd.DataFrame:
    """One row per cohort with survival data: the search-corrected p and its checks."""
    rows = []
    for c in COHORTS:
        s = survival_part(c)
        if isinstance(s, Unavailable):
            continue
        ms = s.maxstat
        rows.append({
            "Cohort": cohort_label(c, s.sources), "Patients": s.n, "Deaths": s.events,
            "Candidate cuts": ms.n_candidates, "Smallest group": ms.min_group,
            "Corrected p (permutation)": round(ms.p_permutation, 4),
            "Monte Carlo standard error": float(f"{ms.mc_se:.1g}"),
            "Lausen–Schumacher 1992 p": round(ms.p_lausen92, 3),
            "Lausen–Sauerbrei–Schumacher 1994 bound": round(ms.p_lausen94, 3),
            "Proportional hazards p, median": round(s.median.ph_p, 2),
            "Proportional hazards p, optimal": round(s.optimal.ph_p, 2),
        })
    return pd.DataFrame(rows)


def cohort_label(cohort: str, sources: tuple[tuple[str, str | None], ...]) -> str:
    """The cohort's name as the data have it: colorectal data without READ are colon only."""
    if cohort == "COADREAD" and not any("READ" in sid for sid, _ in sources):
        return "COAD (colon only)"
    return cohort


def cdr_patients(cohort: str, sources: tuple[tuple[str, str | None], ...]) -> int:
    """Patients of the TCGA study behind ``cohort``'s survival data in TCGA-CDR (the whole
    cohort; colon only where the data are): the denominator of a subset's share."""
    frame = loaders.survival([cohort]).frame
    if cohort_label(cohort, sources) == "COAD (colon only)":
        frame = frame[frame["tcga_type"] == "COAD"]
    return int(frame["patient"].nunique())


def power_table() -> pd.DataFrame:
    """Per cohort with survival data: patients, deaths, censoring, median follow-up (reverse
    Kaplan-Meier, months) and the minimum detectable hazard ratio at the median split (80%
    power, two-sided 5%, Schoenfeld, with the observed deaths and group shares)."""
    rows = []
    for c in COHORTS:
        s = survival_part(c)
        if isinstance(s, Unavailable):
            continue
        fu = follow_up(s.frame)
        share = s.median.high.n / s.median.n
        whole = cdr_patients(c, s.sources)
        rows.append({
            "Cohort": cohort_label(c, s.sources), "Patients": s.n,
            "TCGA-CDR patients": whole, "Share of cohort (%)": round(100 * s.n / whole),
            "Deaths": s.events, "Censored (%)": round(100 * fu.share_censored),
            "Median follow-up (months)": round(fu.median, 1),
            "Minimum detectable HR": round(min_detectable_hr(s.events, share), 2),
        })
    return pd.DataFrame(rows)
