"""Genes differing between XPO1-high and XPO1-low tumours: limma's moderated t-test (inmoose).

The matrix is genes x samples on a log2 scale (``log2(x + 1)`` of normalised values when the
source is not log-transformed). Genes that are constant or barely expressed are dropped
before the fit; p-values are Benjamini-Hochberg adjusted over the genes tested.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reviewbuild.exceptions import SchemaError

MIN_MEAN_LOG2 = 1.0
COLUMNS = {
    "log2FoldChange": "log2fc",
    "AveExpr": "ave_expr",
    "stat": "t",
    "pvalue": "p",
    "adj_pvalue": "p_adj",
    "B": "B",
}


@dataclass(frozen=True)
class DEResult:
    """Moderated t-test table (one row per gene, sorted by p) and the design behind it."""

    table: pd.DataFrame
    n_high: int
    n_low: int
    n_genes_input: int
    grouping: str

    @property
    def n_genes(self) -> int:
        return len(self.table)

    def n_significant(self, fdr: float = 0.05) -> int:
        return int((self.table["p_adj"] < fdr).sum())

    def top(self, k: int = 10) -> pd.DataFrame:
        return self.table.head(k)

    def gene(self, symbol: str) -> pd.Series:
        return self.table.loc[symbol]


def log2p1(matrix: pd.DataFrame) -> pd.DataFrame:
    """``log2(x + 1)`` of a non-negative normalised expression matrix."""
    if (matrix.to_numpy() < 0).any():
        raise SchemaError("log2(x+1) needs non-negative values; is the matrix already logged?")
    return np.log2(matrix + 1.0)


def filter_genes(matrix: pd.DataFrame, min_mean: float = MIN_MEAN_LOG2) -> pd.DataFrame:
    """Drop genes with zero variance or a mean below ``min_mean`` (log2 units)."""
    values = matrix.to_numpy(dtype=float)
    keep = (np.nanvar(values, axis=1) > 0) & (np.nanmean(values, axis=1) >= min_mean)
    return matrix.loc[keep]


def moderated_t(
    matrix: pd.DataFrame,
    high: pd.Series,
    grouping: str = "median split of XPO1",
    min_mean: float | None = MIN_MEAN_LOG2,
) -> DEResult:
    """limma ``lmFit`` + ``eBayes`` + ``topTable`` for XPO1-high vs -low (log2FC = high - low).

    ``matrix``: genes x samples, log2 scale. ``high``: boolean per sample (index = columns).
    ``min_mean=None`` keeps every non-constant gene (for scales that can be negative).
    """
    high = high.reindex(matrix.columns)
    if high.isna().any():
        raise SchemaError("moderated_t: some matrix columns have no XPO1 group")
    if high.sum() < 2 or (~high.astype(bool)).sum() < 2:
        raise ValueError("moderated_t needs at least two samples per group")
    # Imported here, not at module level: inmoose takes seconds to import and only the
    # chapters that fit a model need it.
    import patsy
    from inmoose.limma import eBayes, lmFit, topTable

    data = filter_genes(matrix, min_mean if min_mean is not None else -np.inf)
    meta = pd.DataFrame({"group": np.where(high.astype(bool), "high", "low")}, index=data.columns)
    design = patsy.dmatrix("~ C(group, Treatment('low'))", meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = eBayes(lmFit(data, design))
        res = topTable(fit, coef=fit.coefficients.columns[1], number=np.inf, sort_by="P")
    table = pd.DataFrame({new: np.asarray(res[old]) for old, new in COLUMNS.items()})
    table.index = pd.Index(res.index, name="gene")
    return DEResult(
        table=table.sort_values("p", kind="stable"),
        n_high=int(high.sum()),
        n_low=int((~high.astype(bool)).sum()),
        n_genes_input=len(matrix),
        grouping=grouping,
    )
