"""limma moderated t-test (inmoose) cross-checked against plain formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reviewbuild.exceptions import SchemaError
from xpo1review.analysis import differential as de


def matrix(n_genes: int = 2000, n: int = 24, planted: int = 10, seed: int = 1):
    rng = np.random.default_rng(seed)
    sd = np.sqrt(rng.chisquare(4, n_genes) / 4)
    values = 6 + rng.normal(size=(n_genes, n)) * sd[:, None]
    high = np.r_[np.zeros(n // 2, bool), np.ones(n - n // 2, bool)]
    values[:planted, high] += 2.5
    cols = [f"s{i}" for i in range(n)]
    m = pd.DataFrame(values, index=[f"g{i}" for i in range(n_genes)], columns=cols)
    return m, pd.Series(high, index=cols)


def test_fold_change_and_bh_match_formulas():
    m, high = matrix()
    res = de.moderated_t(m, high)
    t = res.table
    diff = m.loc[t.index, high.to_numpy()].mean(axis=1) - m.loc[t.index, ~high.to_numpy()].mean(
        axis=1
    )
    np.testing.assert_allclose(t["log2fc"], diff, atol=1e-10)
    np.testing.assert_allclose(t["p_adj"], multipletests(t["p"], method="fdr_bh")[1], atol=1e-12)
    assert t["p"].is_monotonic_increasing


def test_moderated_t_agrees_with_ordinary_t_in_ranking():
    m, high = matrix(seed=2)
    res = de.moderated_t(m, high)
    ordinary = stats.ttest_ind(m.loc[:, high.to_numpy()], m.loc[:, ~high.to_numpy()], axis=1)
    t_ord = pd.Series(ordinary.statistic, index=m.index).loc[res.table.index]
    rho = stats.spearmanr(res.table["t"], t_ord).statistic
    assert rho > 0.95
    assert np.sign(res.table["t"]).equals(np.sign(t_ord))


def test_recovers_planted_genes():
    m, high = matrix(seed=3)
    res = de.moderated_t(m, high)
    planted = {f"g{i}" for i in range(10)}
    assert len(set(res.top(20).index) & planted) >= 8
    assert res.n_significant() >= 8
    assert res.n_high == 12 and res.n_low == 12


def test_filter_and_log_transform():
    m = pd.DataFrame({"a": [0.0, 5.0, 100.0], "b": [0.0, 7.0, 300.0]}, index=["z", "lo", "hi"])
    logged = de.log2p1(m)
    assert logged.loc["hi", "a"] == pytest.approx(np.log2(101))
    kept = de.filter_genes(logged, min_mean=2.5)
    assert kept.index.tolist() == ["lo", "hi"]
    with pytest.raises(SchemaError, match="non-negative"):
        de.log2p1(m - 10)


def test_group_must_cover_samples():
    m, high = matrix(n_genes=50)
    with pytest.raises(SchemaError, match="no XPO1 group"):
        de.moderated_t(m, high.iloc[:-1])
