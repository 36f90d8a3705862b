"""Loaders: registered files -> validated, tidy pandas frames with provenance.

Every loader fetches through :func:`xpo1review.data.fetch.fetch` (sha256-verified), records
the read in :mod:`xpo1review.data.provenance`, validates what it parsed (pandera) and
raises :class:`~xpo1review.exceptions.SchemaError` naming the source and file when the
content is not what the registry promises. Columns and units: data/README.md.

Which per-sample source serves a cohort and analysis is declared in ``data/analyses.yaml``
(:mod:`xpo1review.data.declared`), never inferred from what is cached. A declared source that
is missing, unreadable or fails its hash raises an error naming the source, the file and the
fix. Only what the commit declares unused (``none``) gives :class:`Unavailable`, which says
so and why.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyreadr

from xpo1review.atomic import atomic_path
from xpo1review.data import declared
from xpo1review.data import provenance as _prov
from xpo1review.data.fetch import cache_dir, cached_path, fetch, sha256_file
from xpo1review.data.provenance import Provenance
from xpo1review.data.registry import COHORTS, Source, get_source, load_registry
from xpo1review.exceptions import DataError, SchemaError

#: Bump when a loader's output changes, to invalidate derived (parsed) caches.
PARSER_VERSION = 1

#: Book cohort of a TCGA study (colon and rectum form one entity).
TCGA_TO_COHORT = {"COAD": "COADREAD", "READ": "COADREAD"}
GI_TCGA_TYPES = ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COAD", "READ")

#: TCGA sample type codes (GDC code tables).
SAMPLE_TYPES = {
    "01": "Primary Solid Tumor", "02": "Recurrent Solid Tumor",
    "03": "Primary Blood Derived Cancer - Peripheral Blood",
    "04": "Recurrent Blood Derived Cancer - Bone Marrow", "05": "Additional - New Primary",
    "06": "Metastatic", "07": "Additional Metastatic", "08": "Human Tumor Original Cells",
    "09": "Primary Blood Derived Cancer - Bone Marrow", "10": "Blood Derived Normal",
    "11": "Solid Tissue Normal", "12": "Buccal Cell Normal", "13": "EBV Immortalized Normal",
    "14": "Bone Marrow Normal", "20": "Control Analyte",
    "40": "Recurrent Blood Derived Cancer - Peripheral Blood", "50": "Cell Lines",
    "60": "Primary Xenograft Tissue", "61": "Cell Line Derived Xenograft Tissue",
}
BARCODE_RE = (
    r"^(?P<patient>TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})-(?P<code>\d{2})(?P<vial>[A-Z])?"
    r"(?:-(?P<portion>\d{2})(?P<analyte>[A-Z])(?:-(?P<plate>[A-Z0-9]{4})"
    r"(?:-(?P<center>\d{2}))?)?)?$"
)
#: Per-sample columns of xpo1_expression / expression_matrix (genes follow in the matrix).
ANNOTATION_COLUMNS = ("cohort", "sample", "patient", "sample_type_code", "sample_type",
                      "tissue", "aliquot")
ENDPOINTS = ("OS", "DSS", "DFI", "PFI")
ANALYSES = declared.ANALYSES

FIREHOSE_UNITS = "RSEM normalised expression (linear, not log-transformed)"
METAGSCA_UNITS = "log2 RNASeqV2 expression (transform not stated by MetaGSCA)"


# --- result types -------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """A validated tidy frame and where it came from."""

    frame: pd.DataFrame
    provenance: Provenance
    available: ClassVar[bool] = True


@dataclass(frozen=True)
class Unavailable:
    """Per-sample data the commit declares unused for a cohort and analysis (falsy).

    ``source_id`` is the registered source that could serve it (the first candidate);
    ``reason`` is the declaration's ``why``, in words for readers.
    """

    cohort: str
    source_id: str
    reason: str
    analysis: str = ""
    available: ClassVar[bool] = False

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        what = f"{self.cohort} {self.analysis}".strip()
        return f"{what}: no per-sample data used in this book ({self.reason})"


@dataclass(frozen=True)
class DropReport:
    """What a join kept and what it dropped, with the reason per dropped row."""

    n_in: int
    n_kept: int
    reasons: dict[str, int]
    dropped: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        text = f"kept {self.n_kept} of {self.n_in} samples"
        if self.reasons:
            text += "; dropped " + "; ".join(f"{r}: {n}" for r, n in self.reasons.items())
        return text


# --- reading files ------------------------------------------------------------
def _open(source_id: str) -> tuple[Source, Path, str]:
    """Fetch (verified), hash and record a source; returns (source, path, sha256).

    A source that cannot be had raises, naming the source, its cache file and the fix."""
    src = get_source(source_id)
    try:
        path = fetch(source_id)
    except DataError as err:
        err.args = (f"{src.id} (cache file {cached_path(src)}) cannot be read: {err}",)
        raise
    sha = sha256_file(path)
    _prov.record(source_id, sha)
    return src, path, sha


def _fail(src: Source, path: Path, what: str) -> SchemaError:
    return SchemaError(
        f"{src.id} ({path}): {what}. Refused rather than read as wrong data: check that "
        f"data/sources.yaml registers the right file for {src.id}, or delete the file and "
        f"run `xpo1review data fetch {src.id}`."
    )


def _validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, src: Source, path: Path):
    try:
        return schema.validate(frame)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as err:
        raise _fail(src, path, f"fails validation: {err}") from None


def _derived(src: Source, sha: str, key: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A parsed frame cached beside the file, keyed by the file's sha256 and PARSER_VERSION."""
    target = cache_dir() / ".derived" / f"{src.id}-{sha[:16]}-{key}-v{PARSER_VERSION}.pkl"
    if target.is_file():
        try:
            return pd.read_pickle(target)
        except Exception:  # unreadable (other pandas version, truncated): rebuild it
            target.unlink(missing_ok=True)
    frame = build()
    with atomic_path(target) as tmp:
        frame.to_pickle(tmp, compression=None)
    return frame


def read_rdata(src: Source, path: Path, obj: str | None = None) -> pd.DataFrame:
    """The data frame ``obj`` (default: the file's stem) from an .rda/.RData file."""
    obj = obj or Path(src.filename).stem
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no readable objects": reported below
            result = pyreadr.read_r(str(path), use_objects=[obj])
    except Exception as err:  # pyreadr/librdata raise several unrelated types
        raise _fail(src, path, f"cannot be read as R data ({type(err).__name__}: {err})") from None
    if obj not in result:
        try:
            present = list(pyreadr.list_objects(str(path)))
        except Exception:  # noqa: BLE001 - only for the message
            present = []
        names = ", ".join(o.get("object_name", "?") for o in present) or "none"
        raise _fail(src, path, f"has no R object {obj!r} (objects: {names})")
    return result[obj]


# --- barcodes -----------------------------------------------------------------
def parse_barcodes(barcodes: Iterable[str], source_id: str = "?") -> pd.DataFrame:
    """Split TCGA barcodes (dashes or dots) into parts; SchemaError on any that do not parse.

    Columns: aliquot (dashed barcode), patient, sample (``TCGA-XX-XXXX-NN``),
    sample_type_code, sample_type, tissue (tumour | normal | other), vial, portion,
    analyte, plate, center.
    """
    raw = pd.Series(list(barcodes), dtype="string")
    dashed = raw.str.replace(".", "-", regex=False).str.strip().str.upper()
    parts = dashed.str.extract(BARCODE_RE)
    bad = raw[parts["patient"].isna()]
    if len(bad):
        shown = ", ".join(repr(b) for b in bad.head(5))
        raise SchemaError(
            f"{source_id}: {len(bad)} TCGA barcode(s) do not parse ({shown}); expected "
            "TCGA-XX-XXXX-NNx[-NNx-XXXX-NN]"
        )
    code = parts["code"].astype(str)
    num = code.astype(int)
    out = pd.DataFrame({
        "aliquot": dashed.astype(str),
        "patient": parts["patient"].astype(str),
        "sample": (parts["patient"] + "-" + code).astype(str),
        "sample_type_code": code,
        "sample_type": code.map(SAMPLE_TYPES).fillna("Unknown (" + code + ")"),
        "tissue": np.select([num < 10, num < 20], ["tumour", "normal"], "other"),
    })
    for col in ("vial", "portion", "analyte", "plate", "center"):
        out[col] = parts[col].fillna("").astype(str)
    return out


_ANALYTE_RANK = {"R": 0, "H": 1, "T": 2}


def one_aliquot_per_sample(parsed: pd.DataFrame) -> pd.Series:
    """Boolean mask keeping one aliquot per (patient, sample type code).

    Rule: lowest vial letter (A first), then analyte R > H > T > other, then the latest
    plate (highest plate id), then the highest portion number.
    """
    order = parsed.assign(
        _vial=parsed["vial"].replace("", "Z"),
        _an=parsed["analyte"].map(_ANALYTE_RANK).fillna(9),
    ).sort_values(["_vial", "_an", "plate", "portion"], ascending=[True, True, False, False])
    keep = ~order.duplicated(["patient", "sample_type_code"], keep="first")
    return keep.reindex(parsed.index)


# --- schemas ------------------------------------------------------------------
_PATIENT = pa.Check.str_matches(r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}$")
_EVENT = pa.Column("Int64", pa.Check.isin([0, 1]), nullable=True)
_TIME = pa.Column(float, pa.Check.ge(0), nullable=True)

SURVIVAL_SCHEMA = pa.DataFrameSchema(
    {
        "cohort": pa.Column(str),
        "tcga_type": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2,4}$")),
        "patient": pa.Column(str, _PATIENT, unique=True),
        **{c: _EVENT for c in ENDPOINTS},
        **{f"{c}_time_days": _TIME for c in ENDPOINTS},
        "redacted": pa.Column(bool),
    },
    checks=pa.Check(lambda df: len(df) > 0, error="no rows"),
)


def _expression_schema(linear: bool) -> pa.DataFrameSchema:
    value = pa.Check.ge(0) if linear else pa.Check.in_range(-30, 30)
    return pa.DataFrameSchema(
        {
            "cohort": pa.Column(str, pa.Check.isin(COHORTS)),
            "sample": pa.Column(str, unique=True),
            "patient": pa.Column(str, _PATIENT),
            "sample_type_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "sample_type": pa.Column(str),
            "xpo1": pa.Column(float, value, nullable=False),
        },
        checks=pa.Check(lambda df: len(df) > 0, error="no samples"),
    )


PDAC_SCHEMA = pa.DataFrameSchema(
    {
        "sample": pa.Column(str, unique=True),
        "time_months": pa.Column(float, pa.Check.ge(0)),
        "status": pa.Column("Int64", pa.Check.isin([0, 1])),
        "XPO1": pa.Column(float, pa.Check.ge(0)),
    },
    checks=pa.Check(lambda df: len(df) == 130, error="expected 130 tumours"),
)


# --- TCGA-CDR survival ----------------------------------------------------------
CDR_SHEET = "TCGA-CDR"


def _parse_cdr(src: Source, path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_excel(path, sheet_name=CDR_SHEET, na_values=["#N/A", "[Not Available]"])
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as err:
        raise _fail(src, path,
                    f"cannot read sheet {CDR_SHEET!r} ({type(err).__name__}: {err})") from None
    need = ["bcr_patient_barcode", "type", "Redaction", "age_at_initial_pathologic_diagnosis",
            "gender", "ajcc_pathologic_tumor_stage"]
    need += [c for e in ENDPOINTS for c in (e, f"{e}.time")]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise _fail(src, path, f"sheet {CDR_SHEET!r} lacks column(s) {', '.join(missing)}")
    tcga_type = raw["type"].astype(str)
    frame = pd.DataFrame({
        "cohort": tcga_type.map(lambda t: TCGA_TO_COHORT.get(t, t)),
        "tcga_type": tcga_type,
        "patient": raw["bcr_patient_barcode"].astype(str),
    })
    try:
        for e in ENDPOINTS:
            frame[e] = pd.to_numeric(raw[e]).astype("Int64")
            frame[f"{e}_time_days"] = pd.to_numeric(raw[f"{e}.time"]).astype(float)
    except (TypeError, ValueError) as err:
        raise _fail(src, path, f"an endpoint column is not numeric ({err})") from None
    frame["age_at_diagnosis"] = pd.to_numeric(raw["age_at_initial_pathologic_diagnosis"],
                                              errors="coerce")
    frame["gender"] = raw["gender"].astype("string")
    stage = raw["ajcc_pathologic_tumor_stage"].astype("string")
    frame["stage"] = stage.mask(stage.str.startswith("[", na=False))
    frame["redacted"] = raw["Redaction"].astype("string").eq("Redacted").fillna(False).astype(bool)
    return _validate(frame, SURVIVAL_SCHEMA, src, path)


def survival(cohorts: Iterable[str] | None = None) -> Dataset:
    """TCGA-CDR clinical survival, one row per patient.

    ``cohorts``: book cohorts (COADREAD = COAD + READ) or TCGA study abbreviations;
    None gives all 33 studies. Times are days; events 1 = event, 0 = censored.
    """
    src, path, sha = _open("tcga-cdr")
    frame = _derived(src, sha, "survival", lambda: _parse_cdr(src, path))
    if cohorts is not None:
        wanted = set(cohorts)
        frame = frame[frame["cohort"].isin(wanted) | frame["tcga_type"].isin(wanted)]
        if frame.empty:
            raise DataError(f"tcga-cdr: no patients for cohorts {sorted(wanted)}")
    frame = frame.reset_index(drop=True)
    prov = Provenance((src.id,), (sha,), "event 0/1; time in days", len(frame),
                      frame["patient"].nunique(),
                      "TCGA-CDR (Liu et al. 2018); PFI and OS are the recommended endpoints.")
    return Dataset(frame, prov)


# --- expression -------------------------------------------------------------------
def _check_cohort(cohort: str) -> None:
    if cohort not in COHORTS:
        raise DataError(f"unknown cohort {cohort!r}; the book's cohorts are {', '.join(COHORTS)}")


def candidates(cohort: str, analysis: str = "tumour-normal") -> list[str]:
    """Registered source ids whose role can serve ``cohort`` for ``analysis`` (full cohorts
    first); which one is used is declared in data/analyses.yaml (:func:`select_source`)."""
    _check_cohort(cohort)
    if analysis not in ANALYSES:
        raise DataError(f"unknown analysis {analysis!r}; one of {', '.join(ANALYSES)}")
    reg = load_registry()
    return [s.id for role in declared.ROLES[analysis] for s in reg.values()
            if role == s.role and cohort in s.cohorts]


def select_source(cohort: str, analysis: str = "tumour-normal") -> Source | Unavailable:
    """The source data/analyses.yaml declares for (cohort, analysis), or :class:`Unavailable`
    when it declares none. Records the declaration for the freeze manifest."""
    _check_cohort(cohort)
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
        raise _fail(src, path, "has no bcr_patient_barcode column")
    return frame


def _firehose_gene(src: Source, path: Path, gene_col: str) -> pd.DataFrame:
    """Barcodes and one gene column, from the whole frame read with pyreadr (cached after).

    Whole-frame reads are cheap enough (``benchmarks/data.py``): CHOL (45 x 20,532) 0.3 s and
    +30 MB peak memory; a cohort ten times that size 0.4 s and +230 MB.
    """
    frame = _firehose_frame(src, path)
    if gene_col not in frame.columns:
        raise _fail(src, path, f"has no gene column {gene_col!r}")
    return pd.DataFrame({"barcode": frame["bcr_patient_barcode"].astype(str).to_numpy(),
                         "value": frame[gene_col].to_numpy(dtype=float)})


def _metagsca_gene(src: Source, path: Path, gene: str) -> pd.DataFrame:
    frame = read_rdata(src, path)
    if gene not in frame.index:
        raise _fail(src, path, f"has no row for gene {gene!r}")
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
    _, path, sha = _open(src.id)
    if src.role == "expression":
        raw = _derived(src, sha, gene_col.replace("|", "_"),
                       lambda: _firehose_gene(src, path, gene_col))
    else:
        raw = _derived(src, sha, gene, lambda: _metagsca_gene(src, path, gene))
    units, note = _units(src), _source_note(src, cohort)
    ann, n_dup = _annotate(cohort, raw["barcode"], src)
    frame = ann.assign(**{gene.lower(): raw["value"].to_numpy()[ann.index]})
    first = [*ANNOTATION_COLUMNS, gene.lower()]
    frame = frame[first + [c for c in frame.columns if c not in first]].reset_index(drop=True)
    if gene.upper() == "XPO1":
        frame = _validate(frame, _expression_schema(src.role == "expression"), src, path)
    if n_dup:
        note += f"; {n_dup} extra aliquot(s) dropped (one aliquot per sample)"
    if not src.pinned:
        note += "; UNPINNED source: sha256 is that of the cached file"
    counts = frame["tissue"].value_counts().to_dict()
    note += "; " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    prov = Provenance((src.id,), (sha,), units, len(frame), frame["patient"].nunique(), note)
    return Dataset(frame, prov)


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
    src, path, sha = _open(choice.id)
    if src.role == "expression":
        raw = _firehose_frame(src, path)
        barcodes = raw["bcr_patient_barcode"].astype(str)
        genes, units = _symbol_columns(raw), FIREHOSE_UNITS
    else:
        raw = read_rdata(src, path)
        barcodes = pd.Series(raw.columns.astype(str))
        genes, units = raw.T.reset_index(drop=True), METAGSCA_UNITS
    ann, n_dup = _annotate(cohort, barcodes.reset_index(drop=True), src)
    genes = genes.reset_index(drop=True).iloc[ann.index]
    if genes.shape[1] == 0 or genes.shape[0] == 0:
        raise _fail(src, path, "expression matrix is empty")
    frame = pd.concat([ann[list(ANNOTATION_COLUMNS)].reset_index(drop=True),
                       genes.reset_index(drop=True).astype(float)], axis=1)
    n_na = int(genes.isna().to_numpy().sum())
    note = (f"{_source_note(src, cohort)}; {genes.shape[1]} genes; {n_dup} extra aliquot(s) "
            f"dropped; {n_na} missing values")
    if not src.pinned:
        note += "; UNPINNED source: sha256 is that of the cached file"
    prov = Provenance((src.id,), (sha,), units, len(frame), frame["patient"].nunique(), note)
    return Dataset(frame, prov)


# --- curated PDAC ------------------------------------------------------------------
def _parse_pdac(src: Source, path: Path) -> pd.DataFrame:
    raw = read_rdata(src, path)
    for col in ("time", "status", "XPO1"):
        if col not in raw.columns:
            raise _fail(src, path, f"has no column {col!r}")
    frame = raw.rename(columns={"time": "time_months"}).reset_index(drop=True)
    frame["status"] = pd.to_numeric(frame["status"]).astype("Int64")
    frame.insert(0, "sample", [f"pdac-{i:03d}" for i in range(1, len(frame) + 1)])
    return _validate(frame, PDAC_SCHEMA, src, path)


def pdac_curated() -> Dataset:
    """The curated TCGA-PAAD PDAC set: 130 tumours, ``time_months``, ``status`` (1 = death),
    covariates and ~3,000 genes (RSEM normalised, linear; XPO1 is ``XPO1``). No barcodes."""
    src, path, sha = _open("pdac-curated")
    frame = _derived(src, sha, "pdac", lambda: _parse_pdac(src, path))
    prov = Provenance((src.id,), (sha,), "OS time in months; expression " + FIREHOSE_UNITS,
                      len(frame), len(frame),
                      "curated PDAC set (Raphael et al. 2017 via pdacR); no TCGA barcodes, "
                      "not joinable to TCGA-CDR")
    return Dataset(frame, prov)


# --- tumour vs normal summaries -------------------------------------------------------
ONCODB_COLUMNS = {
    "Cancer type": "tcga_type", "Gene symbol": "gene", "Cancer Sample Med": "tumour_median",
    "Normal Sample Med": "normal_median", "log2 fold change": "log2fc", "p-value": "p_value",
    "FDR adjusted p-value": "fdr",
}
SUMMARY_COLUMNS = ("resource", "source_id", "tcga_type", "cohort", "gene", "tumour_median",
                   "normal_median", "log2fc", "p_value", "fdr")


def _oncodb(gene: str) -> tuple[list[pd.DataFrame], list[tuple[str, str]]]:
    frames, used = [], []
    for src in load_registry().values():
        if not (src.id.startswith("oncodb-") and src.role == "summary"):
            continue
        _, path, sha = _open(src.id)
        try:
            raw = pd.read_csv(path, sep="\t")
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
            raise _fail(src, path, f"cannot be parsed as a tab-separated table ({err})") from None
        missing = [c for c in ONCODB_COLUMNS if c not in raw.columns]
        if missing:
            raise _fail(src, path, f"lacks column(s) {', '.join(missing)}")
        rows = raw.rename(columns=ONCODB_COLUMNS).loc[lambda d, g=gene: d["gene"] == g].head(1)
        frames.append(rows.assign(resource="OncoDB", source_id=src.id))
        used.append((src.id, sha))
    return frames, used


def _gepia2(gene: str) -> tuple[pd.DataFrame, tuple[str, str]]:
    src, path, sha = _open("gepia2")
    try:
        raw = pd.read_csv(path, compression="xz")
    except (ValueError, EOFError, OSError, pd.errors.ParserError) as err:
        raise _fail(src, path, f"cannot be read as xz-compressed CSV ({err})") from None
    if "Gene.Symbol" not in raw.columns or "COAD" not in raw.columns:
        raise _fail(src, path, "lacks the Gene.Symbol column or the cohort columns")
    types = [c for c in raw.columns if c.isupper() and c.isalpha() and 2 <= len(c) <= 4]
    rows = raw.loc[raw["Gene.Symbol"] == gene, types].head(1)  # symbol duplicates: first
    long = rows.melt(var_name="tcga_type", value_name="log2fc")
    long = long.assign(gene=gene, resource="GEPIA2", source_id=src.id)
    return long, (src.id, sha)


def tumour_normal_summary(gene: str = "XPO1", pan_cancer: bool = False) -> Dataset:
    """OncoDB + GEPIA2 tumour-vs-normal summaries for one gene, one row per resource x study.

    GEPIA2 gives only log2fc (NaN where GEPIA2 did not call the gene differential);
    OncoDB gives medians (units not stated), log2fc, t-test p and FDR.
    ``pan_cancer``: all GEPIA2 studies, else GI studies only.
    """
    frames, used = _oncodb(gene)
    gep, gep_used = _gepia2(gene)
    used.append(gep_used)
    frame = pd.concat([*frames, gep], ignore_index=True)
    if frame.empty:
        raise DataError(f"gene {gene!r} is in neither OncoDB nor GEPIA2 (check the symbol)")
    if not pan_cancer:
        frame = frame[frame["tcga_type"].isin(GI_TCGA_TYPES)]
    frame = frame.assign(cohort=frame["tcga_type"].map(lambda t: TCGA_TO_COHORT.get(t, t)))
    frame = frame.reindex(columns=list(SUMMARY_COLUMNS)).reset_index(drop=True)
    for col in ("tumour_median", "normal_median", "log2fc", "p_value", "fdr"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    ids, shas = zip(*used, strict=True)
    prov = Provenance(ids, shas, "log2 fold change tumour/normal; OncoDB medians unitless",
                      len(frame), None, "OncoDB (Tang 2022) and GEPIA2 (Tang 2019) summaries")
    return Dataset(frame, prov)


# --- joining ------------------------------------------------------------------------
def join_expression_survival(expr: Dataset, surv: Dataset,
                             endpoint: str = "OS") -> tuple[Dataset, DropReport]:
    """Primary tumours (code 01) joined to TCGA-CDR by patient; reports every dropped row.

    Drop reasons, in order: not a primary tumour sample; no TCGA-CDR record; redacted in
    TCGA-CDR; ``endpoint`` event or time missing.
    """
    if endpoint not in ENDPOINTS:
        raise DataError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
    left = expr.frame
    right = surv.frame.drop(columns=["cohort"])
    merged = left.merge(right, on="patient", how="left", validate="many_to_one",
                        indicator=True)
    reason = pd.Series(pd.NA, index=merged.index, dtype="string")
    rules = [
        (merged["sample_type_code"] != "01", "not a primary tumour sample"),
        (merged["_merge"] == "left_only", "no TCGA-CDR record for the patient"),
        (merged["redacted"].eq(True), "redacted in TCGA-CDR"),
        (merged[endpoint].isna() | merged[f"{endpoint}_time_days"].isna(),
         f"{endpoint} event or time missing"),
    ]
    for mask, text in rules:
        reason = reason.mask(reason.isna() & mask, text)
    kept = merged[reason.isna()].drop(columns="_merge").reset_index(drop=True)
    dropped = merged.loc[reason.notna(), ["sample", "patient"]].assign(reason=reason.dropna())
    counts = {text: int((reason == text).sum()) for _, text in rules if (reason == text).any()}
    report = DropReport(len(left), len(kept), counts, dropped.reset_index(drop=True))
    prov = expr.provenance.merge(
        surv.provenance, units=f"{expr.provenance.units}; {endpoint} time in days",
        n_samples=len(kept), n_patients=kept["patient"].nunique(), note=str(report))
    return Dataset(kept, prov), report
