"""Canonical records: floating-point noise never changes them, a reader-visible change does."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from reviewbuild import canonical
from reviewbuild.claims import _plain
from reviewbuild.notebooks.runtime import data_figure_fingerprint, figure_fingerprint

RNG = np.random.default_rng(20261201)


def _de_like_table(n: int = 400) -> pd.DataFrame:
    """A table shaped like a limma result, with true zeros (identical group means)."""
    log2fc = RNG.normal(0, 0.8, n)
    log2fc[::37] = 0.0
    t = log2fc * 4.1
    p = np.clip(RNG.uniform(0, 1, n) ** 3, 1e-30, 1)
    frame = pd.DataFrame({"gene": [f"G{i}" for i in range(n)], "log2fc": log2fc, "t": t,
                          "p": p, "significant": p < 0.01})
    return frame.sort_values("p").reset_index(drop=True)


def _noisy(frame: pd.DataFrame, relative: float = 1e-12) -> pd.DataFrame:
    """The same table as another BLAS kernel computes it: relative noise, signed noise at 0."""
    out = frame.copy()
    for name in ("log2fc", "t", "p"):
        values = out[name].to_numpy()
        noise = values * RNG.normal(0, relative, len(values))
        zeros = values == 0
        noise[zeros] = RNG.normal(0, 1e-16, zeros.sum())  # -1.7e-16 vs 9.9e-18, as observed
        out[name] = values + noise
    return out


def test_noise_of_1e_12_and_signed_zeros_leave_the_table_digest_unchanged():
    table = _de_like_table()
    digest = canonical.digest(canonical.table(table))
    for _ in range(5):
        assert canonical.digest(canonical.table(_noisy(table))) == digest


def test_row_order_among_ties_does_not_change_the_digest():
    table = _de_like_table()
    shuffled = table.sample(frac=1, random_state=3).reset_index(drop=True)
    assert canonical.digest(canonical.table(shuffled)) == canonical.digest(canonical.table(table))


@pytest.mark.parametrize("change", ["digit", "crosses", "row lost", "row added", "n"])
def test_a_change_a_reader_could_see_changes_the_digest(change):
    table = _de_like_table()
    changed = table.copy()
    if change == "digit":  # the 3rd significant digit, coarser than anything printed
        changed.loc[5, "log2fc"] *= 1.001
    elif change == "crosses":
        changed.loc[0, "significant"] = not changed.loc[0, "significant"]
    elif change == "row lost":
        changed = changed.drop(index=7)
    elif change == "row added":
        changed = pd.concat([changed, changed.iloc[[3]].assign(gene="NEW")])
    else:
        changed = changed.iloc[:-1]
    assert canonical.digest(canonical.table(changed)) != canonical.digest(canonical.table(table))


def test_numbers_snap_noise_to_zero_and_write_negative_zero_as_zero():
    assert canonical.number(-1.733e-16, scale=2.5) == 0.0
    assert canonical.text(canonical.number(-0.0)) == "0"
    assert canonical.number(-1e-13) == 0.0  # a lone number: below 1e-12 is zero
    assert canonical.number(1.2345678e-5) == 1.23457e-05  # small but real values are kept
    assert canonical.column([1e-30, 1.0]) == ["0", "1"]
    assert canonical.column([1e-30, 1e-29]) == ["1e-30", "1e-29"]
    assert canonical.text(canonical.number(float("nan"))) == "nan"


def test_claim_values_are_canonical():
    assert _plain({"p": 0.4167321234, "d": -2e-17, "z": -0.0}) == {"p": 0.416732, "d": 0.0,
                                                                  "z": 0.0}
    assert _plain(0.4167321234 * (1 + 1e-12)) == _plain(0.4167321234)


def _scatter(x, y) -> str:
    fig, ax = plt.subplots()
    ax.scatter(x, y)
    ax.plot([0, 1, 2], [1.0, 0.5, 0.25])
    try:
        return figure_fingerprint(fig)
    finally:
        plt.close(fig)


def test_figure_fingerprint_ignores_noise_and_scatter_order_but_not_data():
    x = RNG.normal(0, 1, 200)
    x[::17] = 0.0
    y = RNG.uniform(0, 5, 200)
    base = _scatter(x, y)
    order = RNG.permutation(200)
    assert _scatter(x[order] + np.where(x[order] == 0, 3e-17, 0), y[order] * (1 + 1e-12)) == base
    moved = x.copy()
    moved[4] += 0.01
    assert _scatter(moved, y) != base


def test_data_figure_fingerprint_is_canonical():
    class Fig:  # what DataFigure offers the fingerprint: a figure and its data
        def __init__(self, data):
            self.figure, ax = plt.subplots()
            self.data = data

    table = _de_like_table()
    first, second = Fig(table), Fig(_noisy(table))
    try:
        assert data_figure_fingerprint(first) == data_figure_fingerprint(second)
    finally:
        plt.close("all")


def test_values_on_a_rounding_boundary_round_the_same_way_on_every_kernel():
    # Means of data given to 4 decimals: exactly halfway at the 6th digit, as in STAD's panel.
    for exact in (-1.743125, -1.074375, -1.276875, 2.5000005):
        below, above = exact * (1 - 3e-16), exact * (1 + 3e-16)
        assert canonical.number(below, scale=3.0) == canonical.number(above, scale=3.0)
