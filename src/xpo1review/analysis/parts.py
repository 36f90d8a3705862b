"""The three analyses of one cohort: tumour vs normal, survival and differential expression.

Each part is computed from the source ``data/analyses.yaml`` declares for the cohort and
analysis (today the MetaGSCA tumour-normal paired subsets, the full CHOL cohort and, for
PAAD survival, the curated TCGA-PAAD subset). A part the commit declares unused is the data
layer's ``Unavailable``, never an empty or invented result. Survival times are reported in months
(TCGA-CDR days / 30.4375). A cohort's survival data (:func:`survival_input`) serve both
the whole analysis and, where the cut-point search is not needed, the median split alone
(:func:`median_part`). Results are memoised per process.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from reviewbuild.data.provenance import Provenance
from xpo1review.analysis.comparison import SurvivalComparison
from xpo1review.analysis.cutpoints import (
    DEFAULT_MIN_PROP,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
)
from xpo1review.analysis.differential import DEResult, log2p1, moderated_t
from xpo1review.analysis.expression import TumourNormal, label_samples, tumour_vs_normal
from xpo1review.analysis.scales import describe_source, is_linear, log2_xpo1, scale_label
from xpo1review.analysis.survival_analysis import (
    SurvivalAnalysis,
    analysable,
    analyse,
    median_comparison,
)
from xpo1review.data import loaders
from xpo1review.data.loaders import Dataset, Unavailable

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class ExpressionPart:
    """Per-sample XPO1 (log2 scale) and the tumour-vs-normal test of one cohort."""

    frame: pd.DataFrame
    test: TumourNormal
    provenance: Provenance
    description: str

    @property
    def sources(self) -> tuple[tuple[str, str | None], ...]:
        return tuple(zip(self.provenance.source_ids, self.provenance.sha256s, strict=True))


@dataclass(frozen=True)
class DEPart:
    """The limma comparison of XPO1-high vs -low tumours of one cohort."""

    result: DEResult
    provenance: Provenance
    description: str

    @property
    def sources(self) -> tuple[tuple[str, str | None], ...]:
        return tuple(zip(self.provenance.source_ids, self.provenance.sha256s, strict=True))


@cache
def expression_part(cohort: str) -> ExpressionPart | Unavailable:
    """Tumour vs normal XPO1 for ``cohort`` from the best available per-sample source."""
    ds = loaders.xpo1_expression(cohort)
    if isinstance(ds, Unavailable):
        return ds
    linear = is_linear(ds.provenance)
    frame = ds.frame.assign(xpo1=log2_xpo1(ds.frame["xpo1"], linear))
    kind = label_samples(frame)  # primary tumours (01) and solid-tissue normals (11) only
    frame = frame.assign(tissue=kind)[kind != "other"].reset_index(drop=True)
    test = tumour_vs_normal(frame, cohort, scale_label(linear))
    return ExpressionPart(frame, test, ds.provenance, describe_source(ds.provenance))


def _joined_frame(expr: Dataset, cohort: str,
                  keep_redacted: bool = False) -> tuple[pd.DataFrame, Provenance, tuple]:
    joined, report = loaders.join_expression_survival(expr, loaders.survival([cohort]),
                                                      keep_redacted=keep_redacted)
    tumours = report.dropped[report.dropped["reason"] != "not a primary tumour sample"]
    dropped = tuple(zip(tumours["patient"].astype(str), tumours["reason"].astype(str),
                        strict=True))
    f = joined.frame
    frame = pd.DataFrame(
        {
            "patient": f["patient"],
            "time": f["OS_time_days"].astype(float) / DAYS_PER_MONTH,
            "event": f["OS"].astype(int),
            "xpo1": log2_xpo1(f["xpo1"], is_linear(expr.provenance)),
        }
    )
    return frame, joined.provenance, dropped


@dataclass(frozen=True)
class SurvivalInput:
    """The patients of one cohort's survival analysis: time (months), event and XPO1."""

    frame: pd.DataFrame
    sources: tuple[tuple[str, str | None], ...]
    description: str
    scale: str
    #: (patient, reason) of every tumour left out when joining expression to follow-up.
    dropped: tuple[tuple[str, str], ...] = ()


@cache
def survival_input(cohort: str, keep_redacted: bool = False) -> SurvivalInput | Unavailable:
    """The declared survival data of ``cohort``: TCGA-joined (with ``keep_redacted``, the
    patients TCGA-CDR marks as redacted put back), or the curated PDAC subset."""
    choice = loaders.select_source(cohort, "survival")
    if isinstance(choice, Unavailable):
        return choice
    if choice.role == "curated-cohort":
        ds = loaders.pdac_curated()
        f = ds.frame
        frame = pd.DataFrame({"patient": f["sample"], "time": f["time_months"].astype(float),
                              "event": f["status"].astype(int),
                              "xpo1": np.log2(f["XPO1"].astype(float) + 1.0)})
        return SurvivalInput(frame, _sources(ds.provenance),
                             "curated subset (pdacR via ShrinkageTrees), its own OS",
                             scale_label(True))
    expr = loaders.xpo1_expression(cohort, analysis="survival")
    frame, prov, dropped = _joined_frame(expr, cohort, keep_redacted=keep_redacted)
    described = f"{describe_source(expr.provenance)}, OS from TCGA-CDR" + (
        ", redacted patients included" if keep_redacted else "")
    return SurvivalInput(frame, _sources(prov), described,
                         scale_label(is_linear(expr.provenance)), dropped)


def _sources(prov: Provenance) -> tuple[tuple[str, str | None], ...]:
    return tuple(zip(prov.source_ids, prov.sha256s, strict=True))


@cache
def survival_part(
    cohort: str,
    min_prop: float = DEFAULT_MIN_PROP,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> SurvivalAnalysis | Unavailable:
    """OS of XPO1-high vs -low at the median and the optimal cut-point."""
    return _analysed(survival_input(cohort), cohort, min_prop, n_permutations, seed)


def _analysed(data: SurvivalInput | Unavailable, cohort: str, min_prop: float,
              n_permutations: int, seed: int) -> SurvivalAnalysis | Unavailable:
    if isinstance(data, Unavailable):
        return data
    result = analyse(data.frame, cohort, time_unit="months", description=data.description,
                     sources=data.sources, min_prop=min_prop,
                     n_permutations=n_permutations, seed=seed)
    return replace(result, dropped=data.dropped, scale=data.scale)


@cache
def median_part(cohort: str) -> SurvivalComparison | Unavailable:
    """The median split of :func:`survival_part` alone, without the cut-point search."""
    data = survival_input(cohort)
    if isinstance(data, Unavailable):
        return data
    return median_comparison(analysable(data.frame)[0], time_unit="months")


@cache
def de_part(cohort: str) -> DEPart | Unavailable:
    """limma moderated t-test, XPO1-high vs -low tumours (median split), all genes."""
    ds = loaders.expression_matrix(cohort, analysis="differential-expression")
    if isinstance(ds, Unavailable):
        return ds
    annot = list(loaders.ANNOTATION_COLUMNS)
    tum = ds.frame[ds.frame["sample_type_code"] == "01"]
    matrix = tum.drop(columns=annot).set_index(tum["sample"]).T.astype(float)
    matrix = matrix.dropna()
    linear = is_linear(ds.provenance)
    matrix = log2p1(matrix) if linear else matrix
    xpo1 = matrix.loc["XPO1"]
    high = xpo1 > xpo1.median()
    result = moderated_t(matrix, high, grouping="median split of XPO1 among tumours",
                         min_mean=1.0 if linear else None)
    return DEPart(result, ds.provenance, f"{describe_source(ds.provenance)}, tumours only")


@cache
def survival_with_redacted(
    cohort: str,
    min_prop: float = DEFAULT_MIN_PROP,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> SurvivalAnalysis | Unavailable:
    """Sensitivity analysis: :func:`survival_part` with the patients TCGA-CDR marks as
    redacted put back (TCGA-joined cohorts only; the curated PDAC set has no redactions)."""
    choice = loaders.select_source(cohort, "survival")
    if isinstance(choice, Unavailable) or choice.role == "curated-cohort":
        return survival_part(cohort, min_prop, n_permutations, seed)
    return _analysed(survival_input(cohort, keep_redacted=True), cohort, min_prop,
                     n_permutations, seed)
