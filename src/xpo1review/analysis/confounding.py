"""Confounding in the curated PDAC set: XPO1 against the covariates, and an adjusted Cox fit.

XPO1 in the curated PDAC set (ShrinkageTrees' reduction of the pdacR TCGA-PAAD data) goes
with the Moffitt subtype, tumour purity, grade and nodal stage, each of which may itself
bear on survival. :func:`covariate_correlations` gives the Spearman correlations;
:func:`adjusted_median_split` refits the median-split Cox model with the covariates, as a
sensitivity analysis of the unadjusted comparison.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceWarning
from scipy import stats

from xpo1review.analysis.comparison import COX_FIT_OPTIONS
from xpo1review.analysis.cutpoints import median_cutpoint
from xpo1review.data import loaders

#: Covariate columns of the curated set and how the text names them.
COVARIATES = {
    "moffitt.cluster": "Moffitt subtype (basal-like vs classical)",
    "absolute.purity": "tumour purity (ABSOLUTE)",
    "grade": "histological grade",
    "stage": "nodal stage (N1 vs N0)",
    "age": "age at diagnosis",
}
CORRELATED = ("moffitt.cluster", "absolute.purity", "grade", "stage")
ADJUSTED_FOR = ("moffitt.cluster", "absolute.purity", "age", "stage")


@dataclass(frozen=True)
class AdjustedHR:
    """Hazard ratio of XPO1-high vs -low (median split) adjusted for ``covariates``."""

    hr: float
    lower: float
    upper: float
    p: float
    n: int
    events: int
    covariates: tuple[str, ...]


def pdac_frame() -> pd.DataFrame:
    """The curated PDAC set: ``time``, ``event``, ``xpo1`` (log2(x + 1)) and the covariates."""
    f = loaders.pdac_curated().frame
    out = pd.DataFrame({"time": f["time_months"].astype(float),
                        "event": f["status"].astype(int),
                        "xpo1": np.log2(f["XPO1"].astype(float) + 1.0)})
    for col in COVARIATES:
        out[col] = f[col].astype(float)
    return out


def covariate_correlations(frame: pd.DataFrame,
                           columns: tuple[str, ...] = CORRELATED) -> pd.DataFrame:
    """Spearman's rho (and p) of ``xpo1`` with each covariate; one row per covariate."""
    rows = []
    for col in columns:
        rho, p = stats.spearmanr(frame["xpo1"], frame[col])
        rows.append({"covariate": col, "label": COVARIATES[col], "rho": float(rho),
                     "p": float(p)})
    return pd.DataFrame(rows).set_index("covariate")


def adjusted_median_split(frame: pd.DataFrame,
                          covariates: tuple[str, ...] = ADJUSTED_FOR) -> AdjustedHR:
    """Cox model of XPO1-high (above the median) vs -low with ``covariates`` added."""
    data = frame[["time", "event", *covariates]].assign(
        high=(frame["xpo1"] > median_cutpoint(frame["xpo1"])).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cph = CoxPHFitter().fit(data, duration_col="time", event_col="event",
                                fit_options=COX_FIT_OPTIONS)
    s = cph.summary.loc["high"]
    return AdjustedHR(float(s["exp(coef)"]), float(s["exp(coef) lower 95%"]),
                      float(s["exp(coef) upper 95%"]), float(s["p"]), len(data),
                      int(data["event"].sum()), tuple(covariates))
