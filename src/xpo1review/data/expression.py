"""Per-sample TCGA expression: full Firehose cohorts and the MetaGSCA paired subsets.

Which source serves a cohort and analysis is declared in ``data/analyses.yaml``
(:mod:`reviewbuild.data.declared`), never inferred from what is cached; what the commit
declares unused (``none``) gives :class:`~reviewbuild.data.reading.Unavailable`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from reviewbuild.data import declared
from reviewbuild.data import provenance as _prov
from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import (
    Dataset,
    Unavailable,
    derived,
    open_source,
    read_rdata,
    refuse,
    validate,
)
from reviewbuild.data.registry import Source, get_source, load_registry
from reviewbuild.exceptions import DataError
from xpo1review.data.tcga import PATIENT_RE, one_aliquot_per_sample, parse_barcodes

#: Per-sample columns of xpo1_expression / expression_matrix (genes follow in the matrix).
ANNOTATION_COLUMNS = ("cohort", "sample", "patient", "sample_type_code", "sample_type",
                      "tissue", "aliquot")

FIREHOSE_UNITS = "RSEM normalised expression (linear, not log-transformed)"
METAGSCA_UNITS = "log2 RNASeqV2 expression (transform not stated by MetaGSCA)"


def _expression_schema(linear: bool) -> pa.DataFrameSchema:
    value = pa.Check.ge(0) if linear else pa.Check.in_range(-30, 30)
    return pa.DataFrameSchema(
        {
            "cohort": pa.Column(str, pa.Check.isin(declared.declarations().cohorts)),
            "sample": pa.Column(str, unique=True),
            "patient": pa.Column(str, pa.Check.str_matches(PATIENT_RE)),
            "sample_type_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "sample_type": pa.Column(str),
            "xpo1": pa.Column(float, value, nullable=False),
        },
        checks=pa.Check(lambda df: len(df) > 0, error="no samples"),
    )


def candidates(cohort: str, analysis: str = "tumour-normal") -> list[str]:
    """Registered source ids whose role can serve ``cohort`` for ``analysis`` (full cohorts
    first); which one is used is declared in data/analyses.yaml (:func:`select_source`)."""
    declared.check_key(cohort, analysis)
    reg = load_registry()
    return [s.id for role in declared.declarations().analyses[analysis] for s in reg.values()
            if role == s.role and cohort in s.cohorts]


def select_source(cohort: str, analysis: str = "tumour-normal") -> Source | Unavailable:
    """The source data/analyses.yaml declares for (cohort, analysis), or :class:`Unavailable`
    when it declares none. Records the declaration for the freeze manifest."""
    use = declared.use(cohort, analysis)
    _prov.record_use(use.key, use.value)
    if use.source_id is not None:
        return get_source(use.source_id)
    ids = candidates(cohort, analysis)
    return Unavailable(cohort, ids[0] if ids else cohort, use.why, analysis)


def _annotate(cohort: str, barcodes: pd.Series, src: Source) -> tuple[pd.DataFrame, int]:
    """Parsed barcodes with one aliquot per sample; returns (annotation, n dropped)."""
    parsed = parse_barcodes(barcodes, src.id)
    keep = one_aliquot_per_sample(parsed)
    ann = parsed[keep].copy()
    ann.insert(0, "cohort", cohort)
    return ann, int((~keep).sum())


def _firehose_frame(src: Source, path: Path) -> pd.DataFrame:
    frame = read_rdata(src, path)
    if "bcr_patient_barcode" not in frame.columns:
        raise refuse(src, path, "has no bcr_patient_barcode column")
    return frame


def _firehose_gene(src: Source, path: Path, gene_col: str) -> pd.DataFrame:
    """Barcodes and one gene column, from the whole frame read with pyreadr (cached after).

    Whole-frame reads are cheap enough (``benchmarks/data.py``): CHOL (45 x 20,532) 0.3 s and
    +30 MB peak memory; a cohort ten times that size 0.4 s and +230 MB.
    """
    frame = _firehose_frame(src, path)
    if gene_col not in frame.columns:
        raise refuse(src, path, f"has no gene column {gene_col!r}")
    return pd.DataFrame({"barcode": frame["bcr_patient_barcode"].astype(str).to_numpy(),
                         "value": frame[gene_col].to_numpy(dtype=float)})


def _metagsca_gene(src: Source, path: Path, gene: str) -> pd.DataFrame:
    frame = read_rdata(src, path)
    if gene not in frame.index:
        raise refuse(src, path, f"has no row for gene {gene!r}")
    row = frame.loc[gene]
    return pd.DataFrame({"barcode": row.index.astype(str), "value": row.to_numpy(dtype=float)})


def _units(src: Source) -> str:
    return FIREHOSE_UNITS if src.role == "expression" else METAGSCA_UNITS


def _source_note(src: Source, cohort: str) -> str:
    """First clause of provenance.note: which kind of source this is."""
    if src.role == "expression":
        return "full Firehose cohort"
    note = "tumour-normal paired subset (MetaGSCA)"
    return note + ", colon (COAD) only" if cohort == "COADREAD" else note


def _gene_vector(cohort: str, src: Source, gene: str, gene_col: str) -> Dataset:
    _, path, sha = open_source(src.id)
    frame, n_dup = derived(src, sha, f"{cohort}-{gene_col.replace('|', '_')}",
                           lambda: _gene_frame(cohort, src, path, gene, gene_col))
    if gene.upper() == "XPO1":  # on every read, outside the cached frame: what validating
        # imports (pandera loads hypothesis) is then recorded whether or not the frame was cached
        frame = validate(frame, _expression_schema(src.role == "expression"), src, path)
    units, note = _units(src), _source_note(src, cohort)
    if n_dup:
        note += f"; {n_dup} extra aliquot(s) dropped (one aliquot per sample)"
    if not src.pinned:
        note += "; UNPINNED source: sha256 is that of the cached file"
    counts = frame["tissue"].value_counts().to_dict()
    note += "; " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    prov = Provenance((src.id,), (sha,), units, len(frame), frame["patient"].nunique(), note)
    return Dataset(frame, prov)


def _gene_frame(cohort: str, src: Source, path: Path, gene: str,
                gene_col: str) -> tuple[pd.DataFrame, int]:
    """One gene per annotated sample, and the extra aliquots dropped."""
    if src.role == "expression":
        raw = _firehose_gene(src, path, gene_col)
    else:
        raw = _metagsca_gene(src, path, gene)
    ann, n_dup = _annotate(cohort, raw["barcode"], src)
    frame = ann.assign(**{gene.lower(): raw["value"].to_numpy()[ann.index]})
    first = [*ANNOTATION_COLUMNS, gene.lower()]
    return frame[first + [c for c in frame.columns if c not in first]].reset_index(drop=True), n_dup


def _per_sample_source(cohort: str, analysis: str) -> Source | Unavailable:
    """The declared source with per-sample TCGA expression, or why the commit uses none."""
    choice = select_source(cohort, analysis)
    if isinstance(choice, Unavailable) or choice.role != "curated-cohort":
        return choice
    raise DataError(f"{cohort} {analysis} is declared (data/analyses.yaml) to use "
                    f"{choice.id}, a curated cohort without TCGA barcodes: read it with "
                    "pdac_curated(), not as per-sample TCGA expression")


def gene_expression(cohort: str, gene: str, *, entrez: int | None = None,
                    analysis: str = "tumour-normal") -> Dataset | Unavailable:
    """One gene per sample for a cohort from the selected source (column: gene, lowercase).

    Firehose columns are ``SYMBOL|ENTREZ``; pass ``entrez`` (XPO1: 7514).
    """
    choice = _per_sample_source(cohort, analysis)
    if isinstance(choice, Unavailable):
        return choice
    return _gene_vector(cohort, choice, gene, f"{gene}|{entrez}")


def xpo1_expression(cohort: str, analysis: str = "tumour-normal") -> Dataset | Unavailable:
    """XPO1 per sample: cohort, sample, patient, sample_type_code, sample_type, tissue,
    aliquot, xpo1 (+ vial, portion, analyte, plate, center). Units in the provenance."""
    return gene_expression(cohort, "XPO1", entrez=7514, analysis=analysis)


def _symbol_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Firehose genes ``SYMBOL|ENTREZ`` -> SYMBOL; drop ``?|`` genes; duplicate symbols keep
    the entry with the highest mean."""
    genes = [c for c in frame.columns if "|" in c and not c.startswith("?|")]
    sub = frame[genes]
    symbols = pd.Index([c.split("|", 1)[0] for c in genes])
    order = np.argsort(-sub.mean().to_numpy(), kind="stable")
    keep = np.sort(order[~symbols[order].duplicated()])
    out = sub.iloc[:, keep]
    out.columns = symbols[keep]
    return out


def expression_matrix(cohort: str, analysis: str = "tumour-normal") -> Dataset | Unavailable:
    """All genes per sample: ANNOTATION_COLUMNS, then one float column per gene symbol."""
    choice = _per_sample_source(cohort, analysis)
    if isinstance(choice, Unavailable):
        return choice
    src, path, sha = open_source(choice.id)
    if src.role == "expression":
        raw = derived(src, sha, "frame", lambda: _firehose_frame(src, path))
        barcodes = raw["bcr_patient_barcode"].astype(str)
        genes, units = _symbol_columns(raw), FIREHOSE_UNITS
    else:
        raw = derived(src, sha, "frame", lambda: read_rdata(src, path))
        barcodes = pd.Series(raw.columns.astype(str))
        genes, units = raw.T.reset_index(drop=True), METAGSCA_UNITS
    ann, n_dup = _annotate(cohort, barcodes.reset_index(drop=True), src)
    genes = genes.reset_index(drop=True).iloc[ann.index]
    if genes.shape[1] == 0 or genes.shape[0] == 0:
        raise refuse(src, path, "expression matrix is empty")
    frame = pd.concat([ann[list(ANNOTATION_COLUMNS)].reset_index(drop=True),
                       genes.reset_index(drop=True).astype(float)], axis=1)
    n_na = int(genes.isna().to_numpy().sum())
    note = (f"{_source_note(src, cohort)}; {genes.shape[1]} genes; {n_dup} extra aliquot(s) "
            f"dropped; {n_na} missing values")
    if not src.pinned:
        note += "; UNPINNED source: sha256 is that of the cached file"
    prov = Provenance((src.id,), (sha,), units, len(frame), frame["patient"].nunique(), note)
    return Dataset(frame, prov)
