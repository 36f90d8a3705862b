"""Whole-cohort evidence per entity: the review's Fig. 4 statement, OncoLnc's published model
and our subset's median split, side by side.

OncoLnc publishes a Cox coefficient and its Wald p per gene, not a standard error. The
interval is recovered from them: the Wald statistic is z = Φ⁻¹(1 − p/2) · sign(coef), so
SE = |coef| / |z| and the 95% interval is exp(coef ± 1.96 SE). The expression was inverse-normal
transformed before fitting, so exp(coef) is the hazard ratio per standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import pandas as pd
from scipy.stats import norm

from xpo1review.analysis.cohorts import ALPHA, REVIEW, ReviewFinding
from xpo1review.analysis.comparison import SurvivalComparison
from xpo1review.analysis.parts import median_part, survival_input
from xpo1review.data.loaders import (
    Dataset,
    Unavailable,
    cox_coefficients,
    model_patients,
    survival,
)
from xpo1review.data.oncolnc import MODELS

#: The rows of the comparison, in the order of the entity chapters: (label, TCGA study,
#: book cohort whose review statement and subset belong to the row).
ENTITIES = (
    ("Oesophagus", "ESCA", "ESCA"),
    ("Stomach", "STAD", "STAD"),
    ("Liver", "LIHC", "LIHC"),
    ("Bile ducts", "CHOL", "CHOL"),
    ("Pancreas", "PAAD", "PAAD"),
    ("Colon", "COAD", "COADREAD"),
    ("Rectum", "READ", "COADREAD"),
)
#: Which book cohort's subset stands for a study (the colorectal subset is colon only).
SUBSET_OF_STUDY = {"ESCA": "ESCA", "STAD": "STAD", "LIHC": "LIHC", "CHOL": "CHOL",
                   "PAAD": "PAAD", "COAD": "COADREAD"}
Z_95 = norm.ppf(0.975)
#: What the table and the figure print where a result does not exist: OncoLnc has no model
#: (bile ducts); no per-patient data stand for the study (oesophagus, rectum).
NO_MODEL, NO_SUBSET = "no model", "no per-patient data"


def wald_interval(coef: float, p: float, z_crit: float = Z_95) -> tuple[float, float, float]:
    """(standard error, lower, upper) of exp(coef) from a coefficient and its two-sided Wald p."""
    if not 0 < p < 1 or coef == 0:
        raise ValueError(f"need 0 < p < 1 and coef != 0 to recover a standard error, got "
                         f"coef {coef}, p {p}")
    z = norm.isf(p / 2)
    se = abs(coef) / z
    return se, math.exp(coef - z_crit * se), math.exp(coef + z_crit * se)


@dataclass(frozen=True)
class WholeCohortModel:
    """OncoLnc's published model of one TCGA study, with its reconstructed patients."""

    study: str
    coef: float
    p: float
    n: int
    deaths: int
    covariates: str

    @property
    def hr(self) -> float:
        """Hazard ratio per SD of inverse-normal-transformed expression."""
        return math.exp(self.coef)

    @property
    def se(self) -> float:
        return wald_interval(self.coef, self.p)[0]

    @property
    def hr_lower(self) -> float:
        return wald_interval(self.coef, self.p)[1]

    @property
    def hr_upper(self) -> float:
        return wald_interval(self.coef, self.p)[2]

    @property
    def significant(self) -> bool:
        return self.p < ALPHA

    @property
    def high_worse(self) -> bool:
        return self.coef > 0


@cache
def coefficients() -> Dataset:
    """The published coefficients, read once per process (every model needs them)."""
    return cox_coefficients()


@cache
def patients(study: str) -> Dataset:
    """A model's reconstructed patients, read once per process (model, sources and the
    reconstruction check all need them)."""
    return model_patients(study)


@cache
def model(study: str) -> WholeCohortModel:
    """OncoLnc's XPO1 model for one TCGA ``study`` (a key of ``MODELS``), with n and deaths
    of its reconstructed patients."""
    row = coefficients().frame.set_index("study").loc[study]
    reconstructed = patients(study).frame
    return WholeCohortModel(study, float(row["coef"]), float(row["p"]), len(reconstructed),
                            int(reconstructed["died"].sum()), MODELS[study].covariates)


def models() -> dict[str, WholeCohortModel]:
    """:func:`model` of every study OncoLnc modelled."""
    return {study: model(study) for study in MODELS}


def subset_median(study: str) -> SurvivalComparison | None:
    """Our median-split comparison for the subset that stands for ``study`` (None if none)."""
    cohort = SUBSET_OF_STUDY.get(study)
    part = median_part(cohort) if cohort else None
    return None if part is None or isinstance(part, Unavailable) else part


def verdict(review: ReviewFinding, model: WholeCohortModel | None) -> str:
    """How the whole-cohort model stands to the review's statement, in words."""
    if model is None:
        return "no whole-cohort model"
    if not model.significant:
        return "no detectable association"
    same = model.high_worse != review.high_better
    return "same direction, significant" if same else "opposite direction, significant"


def review_text(review: ReviewFinding) -> str:
    """The review's statement: direction of XPO1-high and its significance."""
    direction = "longer" if review.high_better else "shorter"
    sig = {True: "significant", False: "not significant", None: "significance not stated"}
    return f"XPO1-high: {direction} OS ({sig[review.significant]})"


def comparison() -> pd.DataFrame:
    """One row per entity (:data:`ENTITIES`): the review, the whole-cohort model, our subset."""
    fitted = models()
    rows = []
    for label, study, cohort in ENTITIES:
        review = REVIEW[cohort]
        m = fitted.get(study)
        sub = subset_median(study)
        rows.append({
            "entity": label, "study": study, "cohort": cohort,
            "review": review_text(review), "review_high_better": review.high_better,
            "review_significant": review.significant,
            "hr": m.hr if m else math.nan, "hr_lower": m.hr_lower if m else math.nan,
            "hr_upper": m.hr_upper if m else math.nan, "p": m.p if m else math.nan,
            "n": m.n if m else pd.NA, "deaths": m.deaths if m else pd.NA,
            "covariates": m.covariates if m else "",
            "verdict": verdict(review, m),
            "subset_hr": sub.hr if sub else math.nan,
            "subset_lower": sub.hr_lower if sub else math.nan,
            "subset_upper": sub.hr_upper if sub else math.nan,
            "subset_p": sub.logrank_p if sub else math.nan,
            "subset_n": sub.n if sub else pd.NA, "subset_deaths": sub.events if sub else pd.NA,
        })
    return pd.DataFrame(rows)


def sources() -> tuple[tuple[str, str | None], ...]:
    """(source id, sha256) of every file behind :func:`comparison`."""
    provs = [coefficients().provenance, *(patients(s).provenance for s in MODELS)]
    pairs = [pair for prov in provs for pair in zip(prov.source_ids, prov.sha256s, strict=True)]
    for cohort in dict.fromkeys(SUBSET_OF_STUDY.values()):
        part = survival_input(cohort)
        if not isinstance(part, Unavailable):
            pairs.extend(part.sources)
    return tuple(dict.fromkeys(pairs))


def reconstruction_check() -> pd.DataFrame:
    """The reconstructed patients of each model, checked against TCGA-CDR (Liu et al. 2018).

    One row per study: patients and deaths reconstructed; how many of them TCGA-CDR lists in
    the same study, with the same sex and age; how many reconstructed deaths TCGA-CDR also
    records as deaths; how many follow-up times equal TCGA-CDR's OS time; TCGA-CDR's deaths
    among the same patients (its follow-up is later, so it may hold more).
    """
    cdr = survival().frame.set_index("patient")
    rows = []
    for study in MODELS:
        pts = patients(study).frame.set_index("patient")
        j = pts.join(cdr, how="left")
        dead = j["died"] == 1
        rows.append({
            "study": study, "n": len(pts), "deaths": int(dead.sum()),
            "in_cdr_same_study": int((j["tcga_type"] == study).sum()),
            "same_sex": int(((j["female"] == 1) == (j["gender"] == "FEMALE")).sum()),
            "same_age": int((j["age"] == j["age_at_diagnosis"]).sum()),
            "deaths_confirmed": int((dead & (j["OS"] == 1)).sum()),
            "same_time": int((j["days"] == j["OS_time_days"]).sum()),
            "cdr_deaths": int(j["OS"].sum()),
        })
    return pd.DataFrame(rows)
