"""Everything the data allow for one GI-cancer entity: tumour vs normal, survival, DE.

Each part is computed from the source ``data/analyses.yaml`` declares for the cohort and
analysis (today the MetaGSCA tumour-normal paired subsets, the full CHOL cohort and, for
PAAD survival, the curated 130-tumour set). A part the commit declares unused is the data
layer's ``Unavailable``, never an empty or invented result. Survival times are reported in months
(TCGA-CDR days / 30.4375).

Chapters call :func:`esca`, :func:`stad`, :func:`lihc`, :func:`chol`, :func:`paad`,
:func:`coadread` (or :func:`run`); results are memoised per process.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from xpo1review.analysis.cutpoints import (
    DEFAULT_MIN_PROP,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
)
from xpo1review.analysis.differential import DEResult, log2p1, moderated_t
from xpo1review.analysis.expression import TumourNormal, label_samples, tumour_vs_normal
from xpo1review.analysis.survival import SurvivalAnalysis, analyse
from xpo1review.data import loaders
from xpo1review.data.loaders import Dataset, Unavailable
from xpo1review.data.provenance import Provenance

COHORTS = ("ESCA", "STAD", "COADREAD", "LIHC", "CHOL", "PAAD")
NAMES = {
    "ESCA": "oesophageal carcinoma",
    "STAD": "stomach adenocarcinoma",
    "COADREAD": "colorectal adenocarcinoma",
    "LIHC": "hepatocellular carcinoma",
    "CHOL": "cholangiocarcinoma",
    "PAAD": "pancreatic adenocarcinoma",
}
DAYS_PER_MONTH = 365.25 / 12
ALPHA = 0.05


@dataclass(frozen=True)
class ReviewFinding:
    """What the source review reported from TCGA for an entity (its Fig. 4)."""

    cohort: str
    high_better: bool
    significant: bool | None  # None: the review does not say
    text: str


REVIEW = {
    "ESCA": ReviewFinding("ESCA", True, True, "high XPO1: significantly higher survival"),
    "STAD": ReviewFinding("STAD", False, True, "high XPO1: significantly lower OS"),
    "LIHC": ReviewFinding("LIHC", True, None, "low XPO1: worse OS than high"),
    "CHOL": ReviewFinding("CHOL", True, False, "high XPO1: better OS, not significant"),
    "PAAD": ReviewFinding("PAAD", True, True, "high XPO1: significantly longer OS"),
    "COADREAD": ReviewFinding("COADREAD", True, True, "high XPO1: significantly better OS"),
}


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
    result: DEResult
    provenance: Provenance
    description: str

    @property
    def sources(self) -> tuple[tuple[str, str | None], ...]:
        return tuple(zip(self.provenance.source_ids, self.provenance.sha256s, strict=True))


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


def _row(analysis: str, part, values) -> dict:
    if isinstance(part, Unavailable):
        return {"analysis": analysis, "sources": part.source_id, "n": "", "value": np.nan,
                "status": str(part)}
    src, n, value = values()
    return {"analysis": analysis, "sources": ", ".join(src), "n": n, "value": value,
            "status": "ok"}


# --- scales ---------------------------------------------------------------------
def is_linear(prov: Provenance) -> bool:
    """True when the source's expression is not log-transformed (Firehose RSEM)."""
    return "linear" in prov.units or "not log" in prov.units


def log2_xpo1(values: pd.Series, linear: bool) -> pd.Series:
    return np.log2(values.astype(float) + 1.0) if linear else values.astype(float)


def scale_label(linear: bool) -> str:
    return "log2(RSEM + 1)" if linear else "log2 expression as distributed (MetaGSCA)"


def _describe(prov: Provenance) -> str:
    """Short words for the kind of source: full cohort or paired subset."""
    first = prov.source_ids[0]
    if first.startswith("firehose"):
        return "whole TCGA cohort (Firehose)"
    if first.startswith("metagsca"):
        return "tumour-normal paired subset" + (" (colon only)" if "COAD" in first else "")
    return prov.note.split(";")[0] if prov.note else ", ".join(prov.source_ids)


# --- parts ----------------------------------------------------------------------
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
    return ExpressionPart(frame, test, ds.provenance, _describe(ds.provenance))


def _joined_frame(expr: Dataset, cohort: str) -> tuple[pd.DataFrame, Provenance, tuple]:
    joined, report = loaders.join_expression_survival(expr, loaders.survival([cohort]))
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


@cache
def survival_part(
    cohort: str,
    min_prop: float = DEFAULT_MIN_PROP,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> SurvivalAnalysis | Unavailable:
    """OS of XPO1-high vs -low at the median and the optimal cut-point."""
    choice = loaders.select_source(cohort, "survival")
    kwargs = {"min_prop": min_prop, "n_permutations": n_permutations, "seed": seed}
    dropped: tuple = ()
    if isinstance(choice, Unavailable):
        return choice
    if choice.role != "curated-cohort":
        expr = loaders.xpo1_expression(cohort, analysis="survival")
        frame, prov, dropped = _joined_frame(expr, cohort)
        desc = f"{_describe(expr.provenance)}, OS from TCGA-CDR"
    else:
        ds = loaders.pdac_curated()
        f, prov = ds.frame, ds.provenance
        frame = pd.DataFrame({"patient": f["sample"], "time": f["time_months"].astype(float),
                              "event": f["status"].astype(int),
                              "xpo1": np.log2(f["XPO1"].astype(float) + 1.0)})
        desc = "curated 130-tumour PDAC set (Raphael et al. 2017) with its own OS"
    sources = tuple(zip(prov.source_ids, prov.sha256s, strict=True))
    result = analyse(frame, cohort, time_unit="months", description=desc, sources=sources,
                     **kwargs)
    return replace(result, dropped=dropped)


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
    return DEPart(result, ds.provenance, f"{_describe(ds.provenance)}, tumours only")


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
    return {c: run(c) for c in COHORTS}


#: The published study shown for a cohort: colorectal = TCGA-COAD, the cohort of the
#: per-sample data (TCGA-READ is a separate study in both resources).
SUMMARY_STUDY = {"COADREAD": "COAD"}
CALLED, NOT_CALLED, NOT_IN_EXPORT = "called DE", "not called DE", "not in the export"


def _summary_study(summary: pd.DataFrame, cohort: str, resource: str) -> pd.DataFrame:
    """The rows of one resource for one TCGA study of ``cohort`` (empty if absent)."""
    study = SUMMARY_STUDY.get(cohort, cohort)
    return summary[(summary["resource"] == resource) & (summary["tcga_type"] == study)]


def _gepia2_status(hit: pd.DataFrame) -> str:
    if hit.empty:
        return NOT_IN_EXPORT
    return CALLED if hit["log2fc"].notna().any() else NOT_CALLED


def tumour_normal_table() -> pd.DataFrame:
    """Per cohort: our per-sample test (where available) beside OncoDB and GEPIA2 log2 FC.

    Columns: cohort, per_sample (bool), source, n_tumour, n_normal, n_pairs, log2fc, p
    (paired Wilcoxon if >= 5 pairs, else Mann-Whitney); summary_study (the one TCGA study
    both published values come from: COAD for colorectal), oncodb_log2fc, oncodb_p,
    gepia2_log2fc and gepia2_status (called DE / not called DE / not in the export).
    """
    summary = loaders.tumour_normal_summary("XPO1").frame
    rows = []
    for c in COHORTS:
        part = expression_part(c)
        row: dict = {"cohort": c, "per_sample": not isinstance(part, Unavailable)}
        if row["per_sample"]:
            t = part.test
            row |= {"source": part.provenance.source_ids[0], "n_tumour": t.n_tumour,
                    "n_normal": t.n_normal, "n_pairs": t.n_pairs, "log2fc": t.log2fc,
                    "p": t.wilcoxon_p if t.n_pairs >= 5 else t.mannwhitney_p}
        onc = _summary_study(summary, c, "OncoDB")
        gep = _summary_study(summary, c, "GEPIA2")
        if len(onc) > 1 or len(gep) > 1:
            raise ValueError(f"{c}: more than one published row for study "
                             f"{SUMMARY_STUDY.get(c, c)}; expected one per resource")
        row["summary_study"] = SUMMARY_STUDY.get(c, c)
        row["oncodb_log2fc"] = float(onc["log2fc"].iloc[0]) if len(onc) else np.nan
        row["oncodb_p"] = float(onc["p_value"].iloc[0]) if len(onc) else np.nan
        row["gepia2_log2fc"] = float(gep["log2fc"].iloc[0]) if len(gep) else np.nan
        row["gepia2_status"] = _gepia2_status(gep)
        rows.append(row)
    return pd.DataFrame(rows).set_index("cohort")


def maxstat_summary() -> pd.DataFrame:
    """One row per cohort with survival data: the search-corrected p and its checks."""
    rows = []
    for c in COHORTS:
        s = survival_part(c)
        if isinstance(s, Unavailable):
            continue
        ms = s.maxstat
        colon_only = c == "COADREAD" and not any("READ" in sid for sid, _ in s.sources)
        rows.append({
            "Cohort": "COAD (colon only)" if colon_only else c, "Patients": s.n, "Deaths": s.events,
            "Candidate cuts": ms.n_candidates, "Smallest group": ms.min_group,
            "Corrected p (permutation)": round(ms.p_permutation, 4),
            "Monte Carlo standard error": float(f"{ms.mc_se:.1g}"),
            "Lausen–Schumacher p": round(ms.p_lausen92, 3),
            "Proportional hazards p, median": round(s.median.ph_p, 2),
            "Proportional hazards p, optimal": round(s.optimal.ph_p, 2),
        })
    return pd.DataFrame(rows)
