"""XPO1 in tumours vs non-tumour tissue of one cohort.

Input: one row per sample with ``patient``, ``sample_type_code`` (TCGA barcode sample type:
``01`` primary tumour, ``11`` solid tissue normal) and ``xpo1`` on a log2 scale. All samples
are compared with the Mann-Whitney U test; patients with both a tumour and a normal sample
with the paired Wilcoxon signed-rank test. The fold change is the difference of the group
medians on the log2 scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reviewbuild.exceptions import SchemaError

TUMOUR_CODES = ("01",)
NORMAL_CODES = ("11",)
MIN_PAIRS = 5


@dataclass(frozen=True)
class TumourNormal:
    """Tumour vs normal XPO1 of one cohort."""

    cohort: str
    scale: str
    n_tumour: int
    n_normal: int
    n_pairs: int
    median_tumour: float
    median_normal: float
    log2fc: float
    mannwhitney_p: float
    wilcoxon_p: float
    higher_in_tumour_pairs: int

    @property
    def higher_in_tumour(self) -> bool:
        return self.log2fc > 0


def code_of(codes: pd.Series) -> pd.Series:
    """Two-digit sample-type codes as strings (``1`` -> ``'01'``)."""
    return codes.astype(str).str.replace(r"\.0$", "", regex=True).str.zfill(2)


def label_samples(frame: pd.DataFrame) -> pd.Series:
    """``tumour`` / ``normal`` / ``other`` from ``sample_type_code``."""
    if "sample_type_code" not in frame.columns:
        raise SchemaError("tumour vs normal needs a 'sample_type_code' column")
    code = code_of(frame["sample_type_code"])
    return pd.Series(
        np.select(
            [code.isin(TUMOUR_CODES), code.isin(NORMAL_CODES)], ["tumour", "normal"], "other"
        ),
        index=frame.index,
    )


def paired(frame: pd.DataFrame, kind: pd.Series) -> pd.DataFrame:
    """Patients with both a tumour and a normal sample: columns ``tumour``, ``normal``."""
    sub = frame.assign(kind=kind)[kind.isin(["tumour", "normal"])]
    wide = sub.groupby(["patient", "kind"])["xpo1"].mean().unstack("kind")
    return wide.dropna(subset=[c for c in ("tumour", "normal") if c in wide.columns]).reindex(
        columns=["tumour", "normal"]
    ).dropna()


def tumour_vs_normal(frame: pd.DataFrame, cohort: str, scale: str) -> TumourNormal:
    """Compare XPO1 of tumours and normals of one cohort (``xpo1`` on a log2 scale)."""
    kind = label_samples(frame)
    tum = frame.loc[kind == "tumour", "xpo1"].astype(float)
    nor = frame.loc[kind == "normal", "xpo1"].astype(float)
    if len(tum) == 0 or len(nor) == 0:
        raise ValueError(f"{cohort}: needs tumour and normal samples ({len(tum)}, {len(nor)})")
    mw = stats.mannwhitneyu(tum, nor, alternative="two-sided")
    pairs = paired(frame, kind)
    wil_p = math.nan
    if len(pairs) >= MIN_PAIRS:
        wil_p = float(stats.wilcoxon(pairs["tumour"], pairs["normal"]).pvalue)
    return TumourNormal(
        cohort=cohort,
        scale=scale,
        n_tumour=int(len(tum)),
        n_normal=int(len(nor)),
        n_pairs=int(len(pairs)),
        median_tumour=float(tum.median()),
        median_normal=float(nor.median()),
        log2fc=float(tum.median() - nor.median()),
        mannwhitney_p=float(mw.pvalue),
        wilcoxon_p=wil_p,
        higher_in_tumour_pairs=int((pairs["tumour"] > pairs["normal"]).sum()),
    )
