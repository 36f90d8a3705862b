"""XPO1-high vs XPO1-low at one threshold: log-rank test and Cox hazard ratio (lifelines)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, proportional_hazard_test

from xpo1review.analysis.power import min_detectable_hr
from xpo1review.analysis.profile import profile_interval
from xpo1review.analysis.survival import HIGH, LOW, assign_groups, kaplan_meier, validate

#: A group with fewer deaths than this gives an unstable hazard ratio; the text flags it and
#: reports the profile-likelihood interval instead of the Wald one.
SPARSE_EVENTS = 5
#: Newton-Raphson stopping rule of the Cox fit: lifelines' defaults (1e-7 on the step,
#: 1e-9 relative on the log-likelihood) can stop with the 5th significant digit still moving.
COX_FIT_OPTIONS = {"precision": 1e-12, "r_precision": 1e-15, "max_steps": 200}


@dataclass(frozen=True)
class GroupStats:
    """Size, deaths and median survival (``inf`` = not reached) of one group, and how many
    patients were still at risk at that median (1: it rests on a single patient)."""

    label: str
    n: int
    events: int
    median: float
    at_risk_at_median: int = 0


@dataclass(frozen=True)
class SurvivalComparison:
    """XPO1-high vs XPO1-low at one threshold: log-rank test and Cox hazard ratio."""

    cutpoint: str
    threshold: float
    low: GroupStats
    high: GroupStats
    logrank_chi2: float
    logrank_p: float
    hr: float
    hr_lower: float
    hr_upper: float
    cox_p: float
    time_unit: str
    ph_p: float = math.nan
    profile_lower: float = math.nan
    profile_upper: float = math.nan

    @property
    def n(self) -> int:
        return self.low.n + self.high.n

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval to report: profile likelihood when a group has fewer than
        :data:`SPARSE_EVENTS` deaths (the Wald interval is unreliable then), else Wald."""
        if self.sparse_groups:
            return self.profile_lower, self.profile_upper
        return self.hr_lower, self.hr_upper

    @property
    def min_detectable_hr(self) -> float:
        """Smallest HR this split detects with 80% power at two-sided 5% (Schoenfeld), given
        its deaths and the share of patients in the XPO1-high group."""
        return min_detectable_hr(self.events, self.high.n / self.n)

    @property
    def interval_method(self) -> str:
        """``"profile likelihood"`` or ``"Wald"``: how :attr:`interval` was computed."""
        return "profile likelihood" if self.sparse_groups else "Wald"

    @property
    def sparse_groups(self) -> tuple[str, ...]:
        """Labels of groups with fewer than :data:`SPARSE_EVENTS` deaths."""
        return tuple(g.label for g in (self.low, self.high) if g.events < SPARSE_EVENTS)

    @property
    def ph_holds(self) -> bool:
        """False when the proportional-hazards test rejects at 5% (NaN counts as holding)."""
        return not self.ph_p < 0.05

    @property
    def events(self) -> int:
        return self.low.events + self.high.events

    @property
    def high_worse(self) -> bool:
        """True when the hazard of XPO1-high patients is the larger one (HR > 1)."""
        return self.hr > 1

    def as_frame(self) -> pd.DataFrame:
        """One row per group, for tables and CSV download."""
        rows = []
        for g in (self.low, self.high):
            rows.append(
                {
                    "cutpoint": self.cutpoint,
                    "threshold": self.threshold,
                    "group": g.label,
                    "n": g.n,
                    "events": g.events,
                    f"median_{self.time_unit}": g.median,
                    "logrank_p": self.logrank_p,
                    "hr_high_vs_low": self.hr,
                    "hr_lower95": self.hr_lower,
                    "hr_upper95": self.hr_upper,
                    "hr_profile_lower95": self.profile_lower,
                    "hr_profile_upper95": self.profile_upper,
                    "ph_test_p": self.ph_p,
                }
            )
        return pd.DataFrame(rows)


def logrank(frame: pd.DataFrame, groups: pd.Series) -> tuple[float, float]:
    """Log-rank chi-square (1 df) and p-value comparing the two groups."""
    low, high = frame[groups == LOW], frame[groups == HIGH]
    res = logrank_test(low["time"], high["time"], low["event"], high["event"])
    return float(res.test_statistic), float(res.p_value)


def cox_hr(
    frame: pd.DataFrame, groups: pd.Series
) -> tuple[float, float, float, float, float]:
    """Cox HR of XPO1-high vs -low: HR, 95% CI, Wald p and proportional-hazards test p.

    The last value is the p of lifelines' ``proportional_hazard_test`` (scaled Schoenfeld
    residuals against the rank of time); everything is NaN if the model does not fit.
    """
    data = pd.DataFrame(
        {"time": frame["time"], "event": frame["event"], "high": (groups == HIGH).astype(int)}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            cph = CoxPHFitter().fit(data, duration_col="time", event_col="event",
                                    fit_options=COX_FIT_OPTIONS)
    except ConvergenceError:
        return (math.nan,) * 5
    s = cph.summary.loc["high"]
    ph = proportional_hazard_test(cph, data, time_transform="rank")
    return (
        float(s["exp(coef)"]),
        float(s["exp(coef) lower 95%"]),
        float(s["exp(coef) upper 95%"]),
        float(s["p"]),
        float(ph.summary["p"].iloc[0]),
    )


def group_stats(frame: pd.DataFrame, groups: pd.Series, label: str) -> GroupStats:
    """Size, deaths and Kaplan-Meier median survival of the patients in group ``label``."""
    sub = frame[groups == label]
    median = float(kaplan_meier(sub).median_survival_time_) if len(sub) else math.nan
    at_risk = int((sub["time"] >= median).sum()) if math.isfinite(median) else 0
    return GroupStats(label, int(len(sub)), int(sub["event"].sum()), median, at_risk)


def compare(
    frame: pd.DataFrame, threshold: float, cutpoint: str, time_unit: str = "days"
) -> SurvivalComparison:
    """Split at ``threshold`` and compare survival of the two groups."""
    frame = validate(frame)
    groups = assign_groups(frame["xpo1"], threshold)
    if groups.nunique() < 2:
        raise ValueError(f"threshold {threshold} puts every patient in one group")
    chi2, p = logrank(frame, groups)
    hr, lo, hi, cox_p, ph_p = cox_hr(frame, groups)
    _, p_lo, p_hi = profile_interval(frame["time"], frame["event"], groups == HIGH)
    return SurvivalComparison(
        cutpoint=cutpoint,
        threshold=float(threshold),
        low=group_stats(frame, groups, LOW),
        high=group_stats(frame, groups, HIGH),
        logrank_chi2=chi2,
        logrank_p=p,
        hr=hr,
        hr_lower=lo,
        hr_upper=hi,
        cox_p=cox_p,
        time_unit=time_unit,
        ph_p=ph_p,
        profile_lower=p_lo,
        profile_upper=p_hi,
    )

