"""Tumour vs normal comparison on a small table."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from xpo1review.analysis.expression import label_samples, paired, tumour_vs_normal


def table() -> pd.DataFrame:
    tum = [8.1, 8.5, 7.9, 9.0, 8.7, 8.8, 9.4]
    nor = [7.0, 7.2, 8.0, 7.1, 7.4]
    return pd.DataFrame(
        {
            "patient": [f"P{i}" for i in range(7)] + [f"P{i}" for i in range(5)],
            "sample_type_code": [1] * 7 + [11] * 5,  # integers, as a loader might give
            "xpo1": tum + nor,
        }
    )


def test_codes_and_pairs():
    df = table()
    kind = label_samples(df)
    assert kind.value_counts().to_dict() == {"tumour": 7, "normal": 5}
    assert len(paired(df, kind)) == 5


def test_statistics_match_scipy():
    df = table()
    res = tumour_vs_normal(df, "TEST", "log2")
    tum, nor = df["xpo1"][:7], df["xpo1"][7:]
    assert res.mannwhitney_p == pytest.approx(stats.mannwhitneyu(tum, nor).pvalue)
    assert res.wilcoxon_p == pytest.approx(stats.wilcoxon(tum[:5], nor).pvalue)
    assert res.log2fc == pytest.approx(tum.median() - nor.median())
    assert (res.n_tumour, res.n_normal, res.n_pairs) == (7, 5, 5)
    assert res.higher_in_tumour and res.higher_in_tumour_pairs == 4


def test_too_few_pairs_gives_no_paired_test():
    df = table()
    df.loc[df.index[7:], "patient"] = [f"N{i}" for i in range(5)]
    assert math.isnan(tumour_vs_normal(df, "TEST", "log2").wilcoxon_p)


def test_needs_both_kinds():
    df = table()
    with pytest.raises(ValueError, match="tumour and normal"):
        tumour_vs_normal(df[df["sample_type_code"] == 1], "TEST", "log2")
