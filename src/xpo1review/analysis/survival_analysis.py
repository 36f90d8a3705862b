"""Both cut-points for one cohort: the median and the search-corrected optimal one.

Patients with zero follow-up are left out by :func:`analyse`: censored at time 0, they
leave the risk set before any death and carry no information on survival, but would count
towards ``n``, the median and the minimum group size of the cut-point search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xpo1review.analysis.comparison import SurvivalComparison, compare
from xpo1review.analysis.cutpoints import MaxstatResult, maxstat, median_cutpoint
from xpo1review.analysis.followup import FollowUp, follow_up
from xpo1review.analysis.survival import validate


@dataclass(frozen=True)
class SurvivalAnalysis:
    """Both cut-points for one cohort: the median and the search-corrected optimal one."""

    cohort: str
    frame: pd.DataFrame
    median: SurvivalComparison
    optimal: SurvivalComparison
    maxstat: MaxstatResult
    time_unit: str
    description: str = ""
    sources: tuple[tuple[str, str | None], ...] = ()
    n_zero_followup: int = 0
    #: (patient, reason) of every tumour left out when joining expression to follow-up.
    dropped: tuple[tuple[str, str], ...] = ()
    #: The scale of ``frame['xpo1']``, in words (e.g. ``"log2(RSEM + 1)"``).
    scale: str = ""

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

    @property
    def follow_up(self) -> FollowUp:
        """Median follow-up (reverse Kaplan-Meier) and censoring of the analysed patients."""
        return follow_up(self.frame)

    @property
    def optimal_at_edge(self) -> bool:
        """True when the optimal cut leaves a group at the smallest size the search allows."""
        return min(self.optimal.low.n, self.optimal.high.n) == self.maxstat.min_group

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


def analysable(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``frame`` validated, without its patients of zero follow-up; and how many those were."""
    frame = validate(frame)
    zero = frame["time"] <= 0
    return frame[~zero].reset_index(drop=True), int(zero.sum())


def median_comparison(frame: pd.DataFrame, time_unit: str = "days") -> SurvivalComparison:
    """XPO1-high vs -low at the median of an :func:`analysable` ``frame``."""
    return compare(frame, median_cutpoint(frame["xpo1"]), "median", time_unit)


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
    frame, n_zero = analysable(frame)
    ms = maxstat(frame, **maxstat_kwargs)
    return SurvivalAnalysis(
        cohort=cohort,
        frame=frame,
        median=median_comparison(frame, time_unit),
        optimal=compare(frame, ms.threshold, "optimal", time_unit),
        maxstat=ms,
        time_unit=time_unit,
        description=description,
        sources=tuple(sources),
        n_zero_followup=n_zero,
    )
