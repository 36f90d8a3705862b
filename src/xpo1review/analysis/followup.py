"""Follow-up of a survival cohort: median by reverse Kaplan-Meier, and the share censored.

The reverse Kaplan-Meier estimate treats censoring as the event and deaths as censored, so
it estimates how long patients would have been followed had they not died (Schemper &
Smith 1996); its median is the usual "median follow-up".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from lifelines import KaplanMeierFitter


@dataclass(frozen=True)
class FollowUp:
    """Median follow-up (reverse Kaplan-Meier; ``inf`` if not reached) and censoring."""

    n: int
    deaths: int
    median: float

    @property
    def censored(self) -> int:
        return self.n - self.deaths

    @property
    def share_censored(self) -> float:
        return self.censored / self.n


def follow_up(frame: pd.DataFrame) -> FollowUp:
    """Follow-up of ``frame`` (columns ``time`` and ``event``, 1 = death)."""
    if frame.empty:
        raise ValueError("follow-up of an empty cohort")
    event = frame["event"].astype(int)
    kmf = KaplanMeierFitter().fit(frame["time"].astype(float), 1 - event)
    return FollowUp(len(frame), int(event.sum()), float(kmf.median_survival_time_))
