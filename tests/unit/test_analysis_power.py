"""Minimum detectable hazard ratio, follow-up, profile-likelihood intervals, Lausen 1994."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from xpo1review.analysis import comparison as cmp
from xpo1review.analysis import cutpoints as cp
from xpo1review.analysis import survival as sv
from xpo1review.analysis.followup import follow_up
from xpo1review.analysis.power import min_detectable_hr
from xpo1review.analysis.profile import profile_interval


def test_min_detectable_hr_inverts_schoenfeld():
    # Schoenfeld: deaths needed for HR 2, 80% power, two-sided 5%, equal groups.
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    needed = 4 * z**2 / math.log(2) ** 2
    assert min_detectable_hr(needed, 0.5) == pytest.approx(2.0, rel=1e-9)
    assert min_detectable_hr(8, 0.5) == pytest.approx(7.25, abs=0.01)
    # unequal groups need a larger effect
    assert min_detectable_hr(8, 0.2) > min_detectable_hr(8, 0.5)


def test_min_detectable_hr_refuses_nonsense():
    with pytest.raises(ValueError, match="deaths"):
        min_detectable_hr(0, 0.5)
    with pytest.raises(ValueError, match="share"):
        min_detectable_hr(10, 1.0)


def test_follow_up_reverse_kaplan_meier_by_hand():
    # censored (event 0) at 2, 4, 6, 8; deaths at 1, 3. Reverse KM: censoring is the event.
    frame = pd.DataFrame({"time": [1, 2, 3, 4, 6, 8], "event": [1, 0, 1, 0, 0, 0]})
    fu = follow_up(frame)
    # at risk 5 at t=2 -> 4/5; at t=4 (3 at risk) -> 4/5*2/3 = 0.533; t=6 -> 0.267 < 0.5
    assert fu.median == 6
    assert (fu.n, fu.deaths, fu.censored) == (6, 2, 4)
    assert fu.share_censored == pytest.approx(4 / 6)


def _data(seed: int, n: int = 60, effect: float = 0.8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = (rng.uniform(size=n) > 0.5).astype(int)
    t = rng.exponential(np.exp(-effect * x))
    c = rng.uniform(0, 2, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "x": x})


def test_profile_interval_bounds_are_where_the_likelihood_ratio_is_3_84():
    df = _data(5)
    hr, lo, hi = profile_interval(df["time"], df["event"], df["x"])
    model = PHReg(df["time"], df[["x"]].astype(float), status=df["event"], ties="efron")
    fit = model.fit()
    assert hr == pytest.approx(math.exp(fit.params[0]), rel=1e-6)
    for bound in (lo, hi):
        lr = 2 * (fit.llf - model.loglike(np.array([math.log(bound)])))
        assert lr == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-6)
    wald = np.exp(fit.conf_int()[0])
    assert lo == pytest.approx(wald[0], rel=0.1) and hi == pytest.approx(wald[1], rel=0.1)


def test_profile_interval_is_open_when_a_group_has_no_death():
    df = _data(6)
    df.loc[df["x"] == 1, "event"] = 0
    hr, lo, hi = profile_interval(df["time"], df["event"], df["x"])
    assert lo == 0.0 and math.isfinite(hi) and hr < hi


def test_sparse_comparison_reports_the_profile_interval():
    df = _data(7, n=40).rename(columns={"x": "xpo1"})
    high_deaths = df.index[(df["xpo1"] == 1) & (df["event"] == 1)]
    df.loc[high_deaths[2:], "event"] = 0  # two deaths left in XPO1-high
    c = cmp.compare(df, 0.5, "median")
    assert c.sparse_groups == (sv.HIGH,)
    assert c.interval_method == "profile likelihood"
    assert c.interval == (c.profile_lower, c.profile_upper)
    assert c.interval != (c.hr_lower, c.hr_upper)


def test_cox_fit_converges_to_statsmodels_digits():
    # lifelines' default stopping rule left the 5th digit moving; the tight one does not.
    for seed in range(8):
        df = _data(seed, n=50).rename(columns={"x": "xpo1"})
        groups = sv.assign_groups(df["xpo1"], 0.5)
        hr = cmp.cox_hr(df, groups)[0]
        fit = PHReg(df["time"], df[["xpo1"]].astype(float), status=df["event"],
                    ties="efron").fit(method="newton", gtol=1e-14, maxiter=200)
        assert hr == pytest.approx(math.exp(fit.params[0]), rel=1e-6)


def _lausen94_by_hand(b: float, n: int, m: list[int]) -> float:
    total = 2 * (1 - stats.norm.cdf(b))
    for m1, m2 in zip(m[:-1], m[1:], strict=True):
        t = math.sqrt(1 - m1 * (n - m2) / ((n - m1) * m2))
        total += math.exp(-b * b / 2) / math.pi * (t - (b * b / 4 - 1) * t**3 / 6)
    return total


def test_lausen94_matches_the_published_formula():
    m = list(range(10, 41))  # maxstat's default for N = 50: floor(5):floor(45), here 10..40
    for b in (2.0, 2.5, 3.0, 3.5):
        assert cp.p_lausen94(b, 50, np.array(m)) == pytest.approx(
            _lausen94_by_hand(b, 50, m), rel=1e-12)
    assert cp.p_lausen94(2.5, 50, np.array([25])) == pytest.approx(2 * stats.norm.sf(2.5))
    # a bound for the maximum: never below the p of a single test, and capped at 1
    assert cp.p_lausen94(2.5, 50, np.array(m)) > 2 * stats.norm.sf(2.5)
    assert cp.p_lausen94(0.5, 50, np.array(m)) == 1.0


def test_maxstat_reports_lausen94_from_its_candidate_groups():
    df = _data(3, n=80).rename(columns={"x": "xpo1"})
    df["xpo1"] = np.random.default_rng(1).normal(size=len(df)) + df["xpo1"]
    ms = cp.maxstat(df, n_permutations=200)
    assert ms.p_lausen94 == pytest.approx(
        _lausen94_by_hand(ms.statistic, ms.n, ms.profile["n_low"].tolist()), rel=1e-12)


def test_max_mc_se():
    assert cp.max_mc_se(2000) == pytest.approx(0.01118, abs=1e-5)
    assert cp.max_mc_se(1_000_000) == pytest.approx(0.0005)
