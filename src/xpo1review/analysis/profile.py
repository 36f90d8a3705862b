"""Profile-likelihood interval of a Cox hazard ratio for one binary covariate.

With only a few deaths in a group, the Wald interval (estimate ± 1.96 standard errors on
the log scale) is unreliable: the partial likelihood is far from quadratic, and with no
death in a group the estimate is infinite. The profile-likelihood interval keeps every
log hazard ratio ``b`` whose likelihood-ratio statistic ``2 (l(b_hat) - l(b))`` stays below
the chi-square (1 df) quantile; it follows the shape of the likelihood and may be open on
one side. The partial likelihood is statsmodels' ``PHReg`` with Efron's method for ties.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, stats
from statsmodels.duration.hazard_regression import PHReg

#: How far (log hazard ratio) the search for an interval bound goes before calling it open.
SEARCH_WIDTH = 30.0


def _loglike(time: np.ndarray, event: np.ndarray, x: np.ndarray):
    model = PHReg(time, x.reshape(-1, 1).astype(float), status=event, ties="efron")
    return lambda b: float(model.loglike(np.array([b])))


def _mle(loglike, lo: float = -SEARCH_WIDTH, hi: float = SEARCH_WIDTH) -> float:
    res = optimize.minimize_scalar(lambda b: -loglike(b), bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-10})
    return float(res.x)


def _bound(drop, start: float, end: float) -> float:
    """Root of ``drop`` between ``start`` (inside) and ``end``; +-inf when none is there."""
    if drop(end) < 0:
        return math.copysign(math.inf, end - start)
    return float(optimize.brentq(drop, start, end, xtol=1e-10))


def profile_interval(
    time: np.ndarray, event: np.ndarray, x: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Hazard ratio of ``x`` (0/1) and its profile-likelihood interval ``(hr, lower, upper)``.

    A bound that the likelihood never reaches within ``SEARCH_WIDTH`` on the log scale is
    ``0`` or ``inf`` (open interval), as when a group has no deaths.
    """
    time, event, x = (np.asarray(a, dtype=float) for a in (time, event, x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loglike = _loglike(time, event, x)
        b_hat = _mle(loglike)
        cut = loglike(b_hat) - stats.chi2.ppf(level, 1) / 2

        def drop(b: float) -> float:
            return cut - loglike(b)

        lower = _bound(drop, b_hat, b_hat - SEARCH_WIDTH)
        upper = _bound(drop, b_hat, b_hat + SEARCH_WIDTH)
    return math.exp(b_hat), math.exp(lower), math.exp(upper)
