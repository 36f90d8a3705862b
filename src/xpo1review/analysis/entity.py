"""Everything the data allow for one GI-cancer entity: tumour vs normal, survival, DE.

Chapters call :func:`esca`, :func:`stad`, :func:`lihc`, :func:`chol`, :func:`paad`,
:func:`coadread` (or :func:`run`); results are memoised per process. The parts are computed in
:mod:`.parts`, the tables across cohorts in :mod:`.cohort_tables`; the names chapters import
from here are listed in ``__all__``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from xpo1review.analysis.cohort_tables import (
    CALLED,
    NOT_CALLED,
    NOT_IN_EXPORT,
    cdr_patients,
    cohort_label,
    maxstat_summary,
    power_table,
    tumour_normal_table,
)
from xpo1review.analysis.cohorts import COHORTS, NAMES, REVIEW, ReviewFinding
from xpo1review.analysis.parts import (
    DAYS_PER_MONTH,
    DEPart,
    ExpressionPart,
    de_part,
    expression_part,
    survival_input,
    survival_part,
    survival_with_redacted,
)
from xpo1review.analysis.survival_analysis import SurvivalAnalysis
from xpo1review.data.loaders import Unavailable

__all__ = [
    "CALLED", "COHORTS", "DAYS_PER_MONTH", "NOT_CALLED", "NOT_IN_EXPORT", "EntityResult",
    "cdr_patients",
    "all_results", "chol", "coadread", "cohort_label", "esca", "lihc", "maxstat_summary",
    "paad", "power_table", "run", "stad", "survival_input", "survival_part",
    "survival_with_redacted", "tumour_normal_table",
]


@dataclass(frozen=True)
class EntityResult:
    """All available analyses of one entity; unavailable parts are ``Unavailable``."""

    cohort: str
    expression: ExpressionPart | Unavailable
    survival: SurvivalAnalysis | Unavailable
    de: DEPart | Unavailable
    review: ReviewFinding

    @property
    def name(self) -> str:
        return NAMES[self.cohort]

    def summary(self) -> pd.DataFrame:
        """One row per analysis: source, n and the headline statistic (or why it is missing)."""
        rows = []
        e, s, d = self.expression, self.survival, self.de
        rows.append(_row("tumour vs normal", e, lambda: (
            e.provenance.source_ids, f"{e.test.n_tumour} T / {e.test.n_normal} N",
            e.test.mannwhitney_p)))
        for cut in ("median", "optimal"):
            rows.append(_row(f"survival, {cut} cut", s, lambda c=cut: (
                s.sources and tuple(x for x, _ in s.sources),
                f"{s.n} patients, {s.events} deaths", getattr(s, c).logrank_p)))
        rows.append(_row("differential expression", d, lambda: (
            d.provenance.source_ids, f"{d.result.n_high} high / {d.result.n_low} low",
            float(d.result.n_significant()))))
        return pd.DataFrame(rows).assign(cohort=self.cohort)


def _row(analysis: str, part: object, values: Callable[[], tuple]) -> dict:
    if isinstance(part, Unavailable):
        return {"analysis": analysis, "sources": part.source_id, "n": "", "value": np.nan,
                "status": str(part)}
    src, n, value = values()
    return {"analysis": analysis, "sources": ", ".join(src), "n": n, "value": value,
            "status": "ok"}


@cache
def run(cohort: str) -> EntityResult:
    """All analyses available for ``cohort`` in this build."""
    if cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort!r}; one of {', '.join(COHORTS)}")
    return EntityResult(cohort, expression_part(cohort), survival_part(cohort),
                        de_part(cohort), REVIEW[cohort])


def esca() -> EntityResult:
    """Oesophageal carcinoma (TCGA-ESCA)."""
    return run("ESCA")


def stad() -> EntityResult:
    """Stomach adenocarcinoma (TCGA-STAD)."""
    return run("STAD")


def lihc() -> EntityResult:
    """Hepatocellular carcinoma (TCGA-LIHC)."""
    return run("LIHC")


def chol() -> EntityResult:
    """Cholangiocarcinoma (TCGA-CHOL)."""
    return run("CHOL")


def paad() -> EntityResult:
    """Pancreatic adenocarcinoma (TCGA-PAAD; offline: the curated PDAC set)."""
    return run("PAAD")


def coadread() -> EntityResult:
    """Colorectal adenocarcinoma (TCGA-COAD + READ; offline: COAD paired subset)."""
    return run("COADREAD")


def all_results() -> dict[str, EntityResult]:
    """:func:`run` for every cohort, in :data:`COHORTS` order."""
    return {c: run(c) for c in COHORTS}
