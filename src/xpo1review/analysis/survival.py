"""Kaplan-Meier, log-rank and Cox comparisons of XPO1-high vs XPO1-low patients (lifelines).

Input frames have one row per patient with columns ``time`` (follow-up, any unit),
``event`` (1 = death, 0 = censored) and ``xpo1`` (expression). A patient is XPO1-high
when ``xpo1 > threshold``; ties at the threshold go to the low group.

Patients with zero follow-up are left out by :func:`analyse`: censored at time 0, they
leave the risk set before any death and carry no information on survival, but would count
towards ``n``, the median and the minimum group size of the cut-point search.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, proportional_hazard_test

from xpo1review.exceptions import SchemaError

LOW, HIGH = "XPO1-low", "XPO1-high"
GROUPS = (LOW, HIGH)
REQUIRED = ("time", "event", "xpo1")
#: A group with fewer deaths than this gives an unstable hazard ratio; the text flags it.
SPARSE_EVENTS = 5


@dataclass(frozen=True)
class GroupStats:
    """Size, deaths and median survival (``inf`` = not reached) of one group."""

    label: str
    n: int
    events: int
    median: float


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

    @property
    def n(self) -> int:
        return self.low.n + self.high.n

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
                    "ph_test_p": self.ph_p,
                }
            )
        return pd.DataFrame(rows)


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the survival input and return it with clean dtypes (rows with NA dropped)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"survival input lacks column(s) {missing}; expected {list(REQUIRED)} "
            "(one row per patient)"
        )
    out = frame.dropna(subset=list(REQUIRED)).copy()
    out["time"] = out["time"].astype(float)
    out["event"] = out["event"].astype(int)
    out["xpo1"] = out["xpo1"].astype(float)
    if (out["time"] < 0).any():
        raise SchemaError("survival input has negative follow-up times")
    if not set(out["event"].unique()) <= {0, 1}:
        raise SchemaError("survival input: 'event' must be 0 (censored) or 1 (death)")
    return out


def assign_groups(xpo1: pd.Series, threshold: float) -> pd.Series:
    """``XPO1-high`` where ``xpo1 > threshold``, else ``XPO1-low``."""
    return pd.Series(np.where(xpo1.to_numpy() > threshold, HIGH, LOW), index=xpo1.index)


def kaplan_meier(frame: pd.DataFrame, label: str = "all") -> KaplanMeierFitter:
    """Kaplan-Meier fit of ``time``/``event`` in ``frame``."""
    return KaplanMeierFitter(label=label).fit(frame["time"], frame["event"])


def km_by_group(frame: pd.DataFrame, groups: pd.Series) -> dict[str, KaplanMeierFitter]:
    """One Kaplan-Meier fit per group label present in ``groups``."""
    return {
        g: kaplan_meier(frame[groups == g], label=g) for g in GROUPS if (groups == g).any()
    }


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
            cph = CoxPHFitter().fit(data, duration_col="time", event_col="event")
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
    sub = frame[groups == label]
    median = float(kaplan_meier(sub).median_survival_time_) if len(sub) else math.nan
    return GroupStats(label, int(len(sub)), int(sub["event"].sum()), median)


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
    )


def km_table(frame: pd.DataFrame, threshold: float, cutpoint: str) -> pd.DataFrame:
    """Step table behind a Kaplan-Meier figure: survival and counts per group and time."""
    frame = validate(frame)
    groups = assign_groups(frame["xpo1"], threshold)
    parts = []
    for label, kmf in km_by_group(frame, groups).items():
        tab = kmf.event_table.join(kmf.survival_function_).reset_index()
        tab.columns = ["time", "removed", "observed", "censored", "entrance", "at_risk", "survival"]
        tab.insert(0, "group", label)
        tab.insert(0, "cutpoint", cutpoint)
        parts.append(tab.drop(columns=["removed", "entrance"]))
    return pd.concat(parts, ignore_index=True)


def crossings(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Times where the Kaplan-Meier curves of the two groups swap order.

    One row per swap (ties of the curves skipped): ``time`` and the patients still at risk
    in each group then (``at_risk_low``, ``at_risk_high``).
    """
    frame = validate(frame)
    groups = assign_groups(frame["xpo1"], threshold)
    fits = km_by_group(frame, groups)
    times = np.unique(frame["time"])
    diff = (fits[HIGH].survival_function_at_times(times).to_numpy()
            - fits[LOW].survival_function_at_times(times).to_numpy())
    sign = np.sign(np.round(diff, 12))
    rows, last = [], 0.0
    for t, sg in zip(times, sign, strict=True):
        if sg != 0 and last != 0 and sg != last:
            rows.append({"time": float(t),
                         "at_risk_low": int(((groups == LOW) & (frame["time"] >= t)).sum()),
                         "at_risk_high": int(((groups == HIGH) & (frame["time"] >= t)).sum())})
        last = sg if sg != 0 else last
    return pd.DataFrame(rows, columns=["time", "at_risk_low", "at_risk_high"])


@dataclass(frozen=True)
class SurvivalAnalysis:
    """Both cut-points for one cohort: the median and the search-corrected optimal one."""

    cohort: str
    frame: pd.DataFrame
    median: SurvivalComparison
    optimal: SurvivalComparison
    maxstat: object  # cutpoints.MaxstatResult
    time_unit: str
    description: str = ""
    sources: tuple[tuple[str, str | None], ...] = ()
    n_zero_followup: int = 0
    #: (patient, reason) of every tumour left out when joining expression to follow-up.
    dropped: tuple[tuple[str, str], ...] = ()

    def dropped_for(self, reason: str) -> tuple[str, ...]:
        """Patients left out for a reason containing ``reason`` (e.g. ``"redacted"``)."""
        return tuple(p for p, r in self.dropped if reason in r)

    @property
    def n(self) -> int:
        return self.median.n

    @property
    def ph_failures(self) -> tuple[str, ...]:
        """Cut-points (``median``/``optimal``) whose proportional-hazards test rejects at 5%."""
        return tuple(c.cutpoint for c in self.comparisons() if not c.ph_holds)

    @property
    def events(self) -> int:
        return self.median.events

    def comparisons(self) -> tuple[SurvivalComparison, SurvivalComparison]:
        return self.median, self.optimal

    def summary(self) -> pd.DataFrame:
        """Both comparisons, one row per group, plus the corrected p of the optimal cut."""
        out = pd.concat([c.as_frame() for c in self.comparisons()], ignore_index=True)
        out.insert(0, "cohort", self.cohort)
        out["p_corrected_permutation"] = np.where(
            out["cutpoint"] == "optimal", self.maxstat.p_permutation, np.nan
        )
        out["p_corrected_mc_se"] = np.where(
            out["cutpoint"] == "optimal", self.maxstat.mc_se, np.nan
        )
        out["p_corrected_lausen92"] = np.where(
            out["cutpoint"] == "optimal", self.maxstat.p_lausen92, np.nan
        )
        return out


def analyse(
    frame: pd.DataFrame,
    cohort: str,
    time_unit: str = "days",
    description: str = "",
    sources: tuple[tuple[str, str | None], ...] = (),
    **maxstat_kwargs,
) -> SurvivalAnalysis:
    """Median and optimal (maximally selected log-rank) cut-point comparisons of ``frame``.

    Patients with zero follow-up are dropped first and counted in ``n_zero_followup``.
    """
    from xpo1review.analysis.cutpoints import maxstat, median_cutpoint

    frame = validate(frame)
    zero = frame["time"] <= 0
    frame = frame[~zero].reset_index(drop=True)
    ms = maxstat(frame, **maxstat_kwargs)
    return SurvivalAnalysis(
        cohort=cohort,
        frame=frame,
        median=compare(frame, median_cutpoint(frame["xpo1"]), "median", time_unit),
        optimal=compare(frame, ms.threshold, "optimal", time_unit),
        maxstat=ms,
        time_unit=time_unit,
        description=description,
        sources=tuple(sources),
        n_zero_followup=int(zero.sum()),
    )
