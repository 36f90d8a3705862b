"""The maximally selected log-rank statistic: scores, standardisation, null behaviour."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from lifelines import NelsonAalenFitter

from xpo1review.analysis import comparison as cmp
from xpo1review.analysis import cutpoints as cp
from xpo1review.analysis.survival import assign_groups


def simulated(n: int, effect: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-effect * (x > 0.5)), n)
    c = rng.uniform(0, 2.5, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "xpo1": x})


def test_scores_are_martingale_residuals():
    df = simulated(60, 0.0, 1).assign(time=lambda d: np.round(d["time"], 1))  # with ties
    scores = cp.logrank_scores(df["time"], df["event"])
    naf = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(df["time"], df["event"])
    cumhaz = naf.cumulative_hazard_at_times(df["time"]).to_numpy()
    np.testing.assert_allclose(scores, df["event"] - cumhaz, atol=1e-12)
    assert scores.sum() == pytest.approx(0.0, abs=1e-9)


def test_standardisation_matches_exact_permutation_moments():
    df = simulated(8, 0.0, 2)
    scores = cp.logrank_scores(df["time"], df["event"])
    m = 3
    sums = np.array([scores[list(idx)].sum() for idx in combinations(range(8), m)])
    order = np.argsort(df["xpo1"].to_numpy())
    observed = scores[order[:m]].sum()
    z_exact = (observed - sums.mean()) / sums.std()
    prof = cp.standardised_statistics(df["time"], df["event"], df["xpo1"], min_prop=0.1)
    z = prof.loc[prof["n_low"] == m, "statistic"].item()
    assert z == pytest.approx(z_exact, rel=1e-10)


def test_candidates_respect_minimum_group_size():
    x = np.arange(50.0)
    cuts, n_low = cp.candidate_cutpoints(x, 0.2)
    assert n_low.min() >= 10 and (50 - n_low).min() >= 10
    assert len(cuts) == 31


def test_sign_agrees_with_hazard_ratio():
    df = simulated(300, 1.0, 3)
    ms = cp.maxstat(df, n_permutations=200)
    z = ms.profile.loc[ms.profile["threshold"] == ms.threshold, "statistic"].item()
    hr = cmp.compare(df, ms.threshold, "optimal").hr
    assert (z > 0) == (hr < 1)  # positive Z = excess deaths in the low group


def test_finds_a_real_cutpoint():
    df = simulated(300, 1.2, 4)
    ms = cp.maxstat(df, n_permutations=500, seed=1)
    assert ms.p_permutation < 0.01 and ms.p_lausen92 < 0.01
    assert 0.0 < ms.threshold < 1.0


def test_corrected_p_holds_its_level_under_the_null():
    """Naive p at the optimal cut is anti-conservative; the corrected ones are not."""
    naive, perm, lausen = [], [], []
    for seed in range(150):
        df = simulated(80, 0.0, 100 + seed)
        ms = cp.maxstat(df, min_prop=0.2, n_permutations=199, seed=seed)
        # the log-rank p that cmp.compare reports (without its Cox model and medians)
        naive.append(cmp.logrank(df, assign_groups(df["xpo1"], ms.threshold))[1])
        perm.append(ms.p_permutation)
        lausen.append(ms.p_lausen92)
    rate = {k: np.mean(np.array(v) < 0.05) for k, v in
            {"naive": naive, "perm": perm, "lausen": lausen}.items()}
    assert rate["naive"] > 0.12, rate
    assert rate["perm"] <= 0.09, rate
    assert rate["lausen"] <= 0.09, rate


def test_permutation_p_is_reproducible_and_seeded(tmp_path, monkeypatch):
    df = simulated(60, 0.3, 5)
    p = {}
    for seed, cache in ((7, "a"), (7, "b"), (8, "c")):  # each from an empty cache
        monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / cache))
        p[cache] = cp.maxstat(df, n_permutations=300, seed=seed).p_permutation
    assert p["a"] == p["b"] != p["c"]
    assert 1 / 301 <= p["a"] <= 1


def test_each_permutation_search_runs_once_per_input(tmp_path, monkeypatch):
    """The cohort chapters and the methods appendix share a search; other inputs do not."""
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))
    runs = []
    search = cp._permutation_max
    monkeypatch.setattr(cp, "_permutation_max", lambda *a: runs.append(a) or search(*a))
    df = simulated(60, 0.3, 5)
    first = cp.maxstat(df, n_permutations=300, seed=7)
    again = cp.maxstat(df, n_permutations=300, seed=7)
    assert again.p_permutation == first.p_permutation and len(runs) == 1
    cp.maxstat(df, n_permutations=300, seed=8)
    cp.maxstat(df, n_permutations=301, seed=7)
    cp.maxstat(df.assign(event=1), n_permutations=300, seed=7)
    assert len(runs) == 4


def test_lausen_bounds_and_monotone():
    ps = [cp.p_lausen92(b, 0.2) for b in (1.0, 2.0, 3.0, 4.0)]
    assert all(0 <= p <= 1 for p in ps)
    assert ps == sorted(ps, reverse=True)


def test_bad_min_prop():
    with pytest.raises(ValueError, match="min_prop"):
        cp.maxstat(simulated(20, 0, 1), min_prop=0.6)


@pytest.mark.parametrize(("n", "least"), [(31, 7), (38, 8), (40, 8), (49, 10), (130, 26)])
def test_minimum_group_is_rounded_up_on_both_sides(n, least):
    """Both groups hold at least ceil(20% of n); R maxstat's floor(n * minprop) may not."""
    assert cp.min_group_size(n, 0.2) == least
    _, n_low = cp.candidate_cutpoints(np.arange(float(n)), 0.2)
    assert n_low.min() == least and (n - n_low).min() == least


def test_monte_carlo_error_shrinks_and_covers_a_long_run():
    """The MC standard error is sqrt(p(1-p)/N); a long run lies within 4 errors."""
    df = simulated(60, 0.3, 5)
    short = cp.maxstat(df, n_permutations=2000, seed=11)
    long = cp.maxstat(df, n_permutations=200_000, seed=12)
    assert short.mc_se == pytest.approx(
        np.sqrt(short.p_permutation * (1 - short.p_permutation) / 2000))
    assert long.mc_se < short.mc_se / 5
    assert abs(short.p_permutation - long.p_permutation) < 4 * short.mc_se + 4 * long.mc_se


def test_default_permutations_keep_printed_digits_stable():
    """With the default N the MC error is at most 0.0005 for any p."""
    assert 0.5 / np.sqrt(cp.DEFAULT_PERMUTATIONS) <= 0.0005
