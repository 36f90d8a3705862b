"""Cut-points for XPO1-high vs XPO1-low: the median and the "optimal" one.

The review chose, per cohort, the cut-off "with the largest difference in survival". A
p-value taken at such a cut-off is too small, because many cut-offs were tried. We use the
maximally selected log-rank statistic (Lausen & Schumacher 1992; as in R's ``maxstat``,
Hothorn & Lausen 2003):

* every distinct XPO1 value ``u`` that leaves at least ``min_prop`` of the patients on each
  side is a candidate (low = ``xpo1 <= u``);
* for each candidate, the linear rank statistic of the log-rank scores is standardised by
  its permutation mean and variance; the optimal cut-point maximises ``|Z|``;
* the p-value of ``max |Z|`` is corrected for the search in three ways: a seeded
  permutation test (the reported, primary value: exact up to Monte-Carlo error, valid for
  small n and ties), and two closed-form cross-checks, the Lausen & Schumacher (1992)
  approximation and the improved Bonferroni bound of Lausen, Sauerbrei & Schumacher (1994),
  which R's ``maxstat`` computes from the candidate group sizes (``pmethod = "Lau94"``).

Group-size rule: both groups must hold at least ``min_prop`` of the patients, so the low
group has between ``ceil(min_prop * n)`` and ``floor((1 - min_prop) * n)`` patients. R's
``maxstat`` instead keeps ``floor(n * minprop) <= m <= floor(n * maxprop)`` (default
``minprop = 0.1``), which can leave a group one patient short of its nominal share.

Monte-Carlo error: with ``N`` permutations the permutation p-value has standard error about
``sqrt(p (1 - p) / N)`` (:attr:`MaxstatResult.mc_se`), at most ``0.5 / sqrt(N)``
(:func:`max_mc_se`, reached at p = 0.5): 0.0005 for the default ``N`` (one million), so a
p-value printed to two or three decimals is stable; 0.011 for the 2,000 permutations of
earlier versions.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reviewbuild.data.remembered import remembered

DEFAULT_MIN_PROP = 0.2
DEFAULT_PERMUTATIONS = 1_000_000
DEFAULT_SEED = 20250101


@dataclass(frozen=True)
class MaxstatResult:
    """The maximally selected log-rank statistic and its search-corrected p-values."""

    threshold: float
    statistic: float
    p_permutation: float
    p_lausen92: float
    p_lausen94: float
    min_prop: float
    n: int
    n_candidates: int
    n_permutations: int
    seed: int
    profile: pd.DataFrame

    @property
    def p_corrected(self) -> float:
        """The primary search-corrected p-value (permutation)."""
        return self.p_permutation

    @property
    def mc_se(self) -> float:
        """Monte-Carlo standard error of the permutation p-value."""
        p = self.p_permutation
        return math.sqrt(p * (1 - p) / self.n_permutations)

    @property
    def min_group(self) -> int:
        """The smallest group the search allows: ``ceil(min_prop * n)`` patients."""
        return min_group_size(self.n, self.min_prop)


def min_group_size(n: int, min_prop: float) -> int:
    """Patients each group must hold at least: ``min_prop`` of ``n``, rounded up."""
    return math.ceil(round(min_prop * n, 9))


def max_mc_se(n_permutations: int) -> float:
    """The largest Monte-Carlo standard error of a permutation p-value (at p = 0.5)."""
    return 0.5 / math.sqrt(n_permutations)


def median_cutpoint(xpo1: pd.Series) -> float:
    """The median of XPO1 (high = above the median)."""
    return float(np.median(np.asarray(xpo1, dtype=float)))


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank (Savage) scores: event minus the Nelson-Aalen cumulative hazard at ``time``.

    Tied times share the same risk set, as in the log-rank test.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    uniq, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event)
    counts = np.bincount(inverse)
    at_risk = counts[::-1].cumsum()[::-1]
    cumhaz = np.cumsum(deaths / at_risk)
    return event - cumhaz[inverse]


def candidate_cutpoints(xpo1: np.ndarray, min_prop: float) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values ``u`` with ``min_prop <= P(xpo1 <= u) <= 1 - min_prop``; and the counts."""
    x = np.sort(np.asarray(xpo1, dtype=float))
    n = len(x)
    uniq = np.unique(x)
    n_low = np.searchsorted(x, uniq, side="right")
    least = min_group_size(n, min_prop)
    keep = (n_low >= least) & (n - n_low >= least)
    return uniq[keep], n_low[keep]


def _standardised(sums: np.ndarray, n_low: np.ndarray, scores: np.ndarray) -> np.ndarray:
    n = len(scores)
    mean = n_low * scores.mean()
    ss = ((scores - scores.mean()) ** 2).sum()
    var = n_low * (n - n_low) / (n * (n - 1)) * ss
    return (sums - mean) / np.sqrt(var)


def standardised_statistics(
    time: np.ndarray, event: np.ndarray, xpo1: np.ndarray, min_prop: float = DEFAULT_MIN_PROP
) -> pd.DataFrame:
    """Standardised log-rank statistic ``Z`` for every candidate cut-point."""
    scores = logrank_scores(time, event)
    order = np.argsort(np.asarray(xpo1, dtype=float), kind="stable")
    cuts, n_low = candidate_cutpoints(xpo1, min_prop)
    sums = np.cumsum(scores[order])[n_low - 1]
    z = _standardised(sums, n_low, scores)
    return pd.DataFrame({"threshold": cuts, "n_low": n_low, "statistic": z})


def p_lausen92(b: float, min_prop: float) -> float:
    """Lausen & Schumacher (1992) approximation of P(max |Z| >= b) over [min_prop, 1-min_prop]."""
    eps1, eps2 = min_prop, 1 - min_prop
    phi = stats.norm.pdf(b)
    p = phi * (b - 1 / b) * np.log(eps2 * (1 - eps1) / ((1 - eps2) * eps1)) + 4 * phi / b
    return float(min(max(p, 0.0), 1.0))


def p_lausen94(b: float, n: int, n_low: np.ndarray) -> float:
    """Improved Bonferroni bound of Lausen, Sauerbrei & Schumacher (1994) for P(max |Z| >= b).

    ``n_low`` are the sizes of the low group at the candidate cut-points, in increasing
    order, as R's ``maxstat::pLausen94(b, N, m = m)`` takes them.
    """
    m = np.asarray(n_low, dtype=float)
    tail = 2 * stats.norm.sf(b)
    if len(m) < 2:
        return float(min(tail, 1.0))
    m1, m2 = m[:-1], m[1:]
    t = np.sqrt(1 - m1 * (n - m2) / ((n - m1) * m2))
    d = np.sum(np.exp(-b**2 / 2) / np.pi * (t - (b**2 / 4 - 1) * t**3 / 6))
    return float(min(max(tail + d, 0.0), 1.0))


def _permutation_max(
    scores: np.ndarray, n_low: np.ndarray, n_permutations: int, seed: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty(n_permutations)
    chunk = 2000
    for start in range(0, n_permutations, chunk):
        k = min(chunk, n_permutations - start)
        perm = rng.permuted(np.tile(scores, (k, 1)), axis=1)
        sums = np.cumsum(perm, axis=1)[:, n_low - 1]
        out[start : start + k] = np.abs(_standardised(sums, n_low, scores)).max(axis=1)
    return out


def _reached(
    scores: np.ndarray, n_low: np.ndarray, stat: float, n_permutations: int, seed: int
) -> int:
    """How many permutations' ``max |Z|`` reach ``stat``. The costly step, so it is computed
    once per input and code (:func:`~reviewbuild.data.remembered.remembered`): the cohort
    chapters and the methods appendix run the same searches."""
    key = hashlib.sha256(scores.tobytes() + np.asarray(n_low, dtype=np.int64).tobytes()
                         + repr((float(stat), n_permutations, seed)).encode()).hexdigest()
    return remembered(f"maxstat-{key[:32]}", lambda: int(
        (_permutation_max(scores, n_low, n_permutations, seed) >= stat - 1e-12).sum()))


def maxstat(
    frame: pd.DataFrame,
    min_prop: float = DEFAULT_MIN_PROP,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> MaxstatResult:
    """Optimal cut-point of ``frame['xpo1']`` for ``time``/``event``, with corrected p-values."""
    if not 0 < min_prop < 0.5:
        raise ValueError(f"min_prop must be in (0, 0.5), got {min_prop}")
    time, event, x = (frame[c].to_numpy(dtype=float) for c in ("time", "event", "xpo1"))
    profile = standardised_statistics(time, event, x, min_prop)
    if profile.empty:
        raise ValueError(
            f"no cut-point leaves {min_prop:.0%} of {len(x)} patients in each group"
        )
    best = int(np.abs(profile["statistic"]).to_numpy().argmax())
    stat = float(abs(profile["statistic"].iloc[best]))
    scores = logrank_scores(time, event)
    reached = _reached(scores, profile["n_low"].to_numpy(), stat, n_permutations, seed)
    p_perm = (1 + reached) / (n_permutations + 1)
    return MaxstatResult(
        threshold=float(profile["threshold"].iloc[best]),
        statistic=stat,
        p_permutation=float(p_perm),
        p_lausen92=p_lausen92(stat, min_prop),
        p_lausen94=p_lausen94(stat, len(x), profile["n_low"].to_numpy()),
        min_prop=min_prop,
        n=len(x),
        n_candidates=len(profile),
        n_permutations=n_permutations,
        seed=seed,
        profile=profile,
    )
