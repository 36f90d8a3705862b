"""Power of a two-group survival comparison: Schoenfeld's minimum detectable hazard ratio.

Schoenfeld (1983): a log-rank test (or Cox model) comparing two groups, with ``d`` deaths
in all and a share ``p`` of the patients in one group, detects a hazard ratio ``HR`` with
power ``1 - beta`` at two-sided level ``alpha`` when
``d = (z_{1-alpha/2} + z_{1-beta})^2 / (p (1 - p) log(HR)^2)``; solved for ``HR``.
"""

from __future__ import annotations

import math

from scipy import stats


def min_detectable_hr(
    deaths: int, share: float, power: float = 0.8, alpha: float = 0.05
) -> float:
    """The smallest hazard ratio (> 1) detectable with ``deaths`` and a group share ``share``."""
    if deaths <= 0:
        raise ValueError(f"deaths must be positive, got {deaths}")
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), got {share}")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return math.exp(z / math.sqrt(deaths * share * (1 - share)))
