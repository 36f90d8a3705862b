"""Survival input, XPO1-high/low groups and their Kaplan-Meier curves (lifelines).

Input frames have one row per patient with columns ``time`` (follow-up, any unit),
``event`` (1 = death, 0 = censored) and ``xpo1`` (expression). A patient is XPO1-high
when ``xpo1 > threshold``; ties at the threshold go to the low group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from reviewbuild.exceptions import SchemaError

LOW, HIGH = "XPO1-low", "XPO1-high"
GROUPS = (LOW, HIGH)
REQUIRED = ("time", "event", "xpo1")


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
