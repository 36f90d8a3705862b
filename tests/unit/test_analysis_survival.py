"""Survival statistics cross-checked against their formulas and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from reviewbuild.exceptions import SchemaError
from xpo1review.analysis import comparison as cmp
from xpo1review.analysis import survival as sv
from xpo1review.analysis import survival_analysis as sa

# A small table: time, event, group (0 = low, 1 = high); includes tied times and censoring.
SMALL = pd.DataFrame(
    {
        "time": [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32],
        "event": [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0],
        "high": [1] * 9 + [0] * 9,
    }
)


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(xpo1=df["high"].astype(float))


def logrank_by_formula(df: pd.DataFrame) -> float:
    """Mantel-Haenszel log-rank chi-square, from the textbook formula."""
    o_minus_e, var = 0.0, 0.0
    for t in np.unique(df.loc[df["event"] == 1, "time"]):
        at_risk = df[df["time"] >= t]
        n, n1 = len(at_risk), int((at_risk["high"] == 1).sum())
        d = int(((df["time"] == t) & (df["event"] == 1)).sum())
        d1 = int(((df["time"] == t) & (df["event"] == 1) & (df["high"] == 1)).sum())
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e**2 / var


def simulated(n: int = 200, effect: float = 0.7, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-effect * (x > 0)), n) * 365
    c = rng.uniform(0, 3 * 365, n)
    return pd.DataFrame(
        {"time": np.ceil(np.minimum(t, c)), "event": (t <= c).astype(int), "xpo1": x}
    )


def test_logrank_matches_textbook_formula():
    frame = _frame(SMALL)
    groups = sv.assign_groups(frame["xpo1"], 0.5)
    chi2, p = cmp.logrank(frame, groups)
    expected = logrank_by_formula(SMALL)
    assert chi2 == pytest.approx(expected, rel=1e-10)
    assert p == pytest.approx(stats.chi2.sf(expected, 1), rel=1e-10)


def test_kaplan_meier_matches_statsmodels():
    df = simulated()
    kmf = sv.kaplan_meier(df)
    sm = SurvfuncRight(df["time"], df["event"])
    ours = kmf.survival_function_at_times(sm.surv_times).to_numpy()
    np.testing.assert_allclose(ours, sm.surv_prob, rtol=1e-12)
    assert kmf.median_survival_time_ == pytest.approx(sm.quantile(0.5))


def test_cox_hr_matches_statsmodels_phreg():
    df = simulated(seed=3)
    groups = sv.assign_groups(df["xpo1"], 0.0)
    hr, lo, hi, p, _ = cmp.cox_hr(df, groups)
    high = (groups == sv.HIGH).astype(float).to_numpy()[:, None]
    res = PHReg(df["time"], high, status=df["event"], ties="efron").fit()
    assert hr == pytest.approx(float(np.exp(res.params[0])), rel=1e-4)
    ci = np.exp(res.conf_int()[0])
    assert (lo, hi) == pytest.approx(tuple(ci), rel=1e-3)
    assert p == pytest.approx(float(res.pvalues[0]), rel=1e-3)
    assert hr > 1  # simulated: XPO1-high has the higher hazard


def test_compare_counts_and_direction():
    df = simulated(seed=4)
    c = cmp.compare(df, 0.0, "median")
    assert c.n == len(df) and c.events == int(df["event"].sum())
    assert c.high.n == int((df["xpo1"] > 0).sum())
    assert c.high_worse and c.logrank_p < 0.05
    assert set(c.as_frame()["group"]) == {sv.LOW, sv.HIGH}


def test_no_effect_is_not_significant_on_average():
    frames = [simulated(effect=0.0, seed=s) for s in range(40)]  # cmp.compare's log-rank p:
    ps = [cmp.logrank(f, sv.assign_groups(f["xpo1"], 0.0))[1] for f in frames]
    assert 0.0 <= np.mean(np.array(ps) < 0.05) <= 0.2


def test_ties_at_threshold_go_low():
    g = sv.assign_groups(pd.Series([1.0, 2.0, 3.0]), 2.0)
    assert g.tolist() == [sv.LOW, sv.LOW, sv.HIGH]


def test_threshold_outside_range_is_an_error():
    with pytest.raises(ValueError, match="one group"):
        cmp.compare(simulated(), 99.0, "median")


def test_bad_input_is_named():
    with pytest.raises(SchemaError, match="xpo1"):
        sv.validate(pd.DataFrame({"time": [1.0], "event": [1]}))
    with pytest.raises(SchemaError, match="negative"):
        sv.validate(pd.DataFrame({"time": [-1.0], "event": [1], "xpo1": [1.0]}))


def test_analyse_and_km_table():
    df = simulated(seed=5)
    a = sa.analyse(df, "SIM", n_permutations=200)
    assert a.median.cutpoint == "median" and a.optimal.cutpoint == "optimal"
    assert a.optimal.logrank_p <= a.median.logrank_p + 1e-12 or a.maxstat.n_candidates > 0
    tab = sv.km_table(df, a.median.threshold, "median")
    first = tab.groupby("group")["at_risk"].first()
    assert first.sum() == len(df)
    summary = a.summary()
    assert summary["p_corrected_permutation"].notna().sum() == 2
    assert (summary["p_corrected_mc_se"].dropna() == a.maxstat.mc_se).all()


def test_proportional_hazards_test_matches_lifelines_and_flags_crossing():
    """The PH p is lifelines' rank-time Schoenfeld test; crossing hazards are rejected."""
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    df = simulated(seed=6)
    groups = sv.assign_groups(df["xpo1"], 0.0)
    *_, ph_p = cmp.cox_hr(df, groups)
    data = pd.DataFrame({"time": df["time"], "event": df["event"],
                         "high": (groups == sv.HIGH).astype(int)})
    cph = CoxPHFitter().fit(data, duration_col="time", event_col="event",
                            fit_options=cmp.COX_FIT_OPTIONS)
    expected = proportional_hazard_test(cph, data, time_transform="rank").summary["p"].iloc[0]
    assert ph_p == pytest.approx(float(expected), rel=1e-9)
    rng = np.random.default_rng(7)
    n = 400
    high = np.repeat([0, 1], n // 2)
    # high: early deaths then none; low: steady hazard -> the curves cross
    t = np.where(high == 1, rng.uniform(0, 1, n) ** 3 * 10, rng.exponential(5, n))
    cross = pd.DataFrame({"time": t + 0.01, "event": 1, "xpo1": high.astype(float)})
    c = cmp.compare(cross, 0.5, "median")
    assert c.ph_p < 0.05 and not c.ph_holds


def test_zero_follow_up_is_dropped_and_counted():
    df = simulated(seed=8)
    df.loc[df.index[:3], ["time", "event"]] = [0.0, 0]
    a = sa.analyse(df, "SIM", n_permutations=99)
    assert a.n_zero_followup == 3 and a.n == len(df) - 3


def test_sparse_groups_are_flagged():
    df = simulated(seed=9)
    df.loc[df["xpo1"] > 1.5, "event"] = 0
    df.loc[df[df["xpo1"] > 1.5].index[:2], "event"] = 1
    c = cmp.compare(df, 1.5, "optimal")
    assert c.high.events == 2 and c.sparse_groups == (sv.HIGH,)


def test_crossings_found_where_the_curves_swap():
    # low: one death at 1, one at 5; high: deaths at 2 and 3 -> high drops below low at 2
    # (after low's first death the two are equal, then high falls further)
    f = pd.DataFrame({"time": [1.0, 5.0, 6.0, 2.0, 3.0, 7.0],
                      "event": [1, 1, 0, 1, 1, 0], "xpo1": [0, 0, 0, 1, 1, 1.0]})
    cr = sv.crossings(f, 0.5)
    # S_high - S_low: t=1: +1/3; t=2: 0; t=3: -1/3 (swap at 3); t=5: 0; t>=5: 1/3 - 1/3 = 0
    assert list(cr["time"]) == [3.0]
    assert (cr["at_risk_low"].item(), cr["at_risk_high"].item()) == (2, 2)
    assert sv.crossings(f.assign(xpo1=[1, 1, 1, 0, 0, 0.0]), 0.5)["time"].tolist() == [3.0]
