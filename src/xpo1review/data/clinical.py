"""TCGA-CDR clinical survival (Liu et al. 2018): one row per patient, four endpoints."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from python_calamine import CalamineError

from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import Dataset, derived, open_source, refuse, validate
from reviewbuild.data.registry import Source
from reviewbuild.exceptions import DataError
from xpo1review.data.tcga import PATIENT_RE, TCGA_TO_COHORT

ENDPOINTS = ("OS", "DSS", "DFI", "PFI")
_EVENT = pa.Column("Int64", pa.Check.isin([0, 1]), nullable=True)
_TIME = pa.Column(float, pa.Check.ge(0), nullable=True)

SURVIVAL_SCHEMA = pa.DataFrameSchema(
    {
        "cohort": pa.Column(str),
        "tcga_type": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2,4}$")),
        "patient": pa.Column(str, pa.Check.str_matches(PATIENT_RE), unique=True),
        **{c: _EVENT for c in ENDPOINTS},
        **{f"{c}_time_days": _TIME for c in ENDPOINTS},
        "redacted": pa.Column(bool),
    },
    checks=pa.Check(lambda df: len(df) > 0, error="no rows"),
)


CDR_SHEET = "TCGA-CDR"


def _parse_cdr(src: Source, path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_excel(path, sheet_name=CDR_SHEET, engine="calamine",
                            na_values=["#N/A", "[Not Available]"])
    except (CalamineError, zipfile.BadZipFile, ValueError, KeyError, OSError) as err:
        raise refuse(src, path,
                    f"cannot read sheet {CDR_SHEET!r} ({type(err).__name__}: {err})") from None
    need = ["bcr_patient_barcode", "type", "Redaction", "age_at_initial_pathologic_diagnosis",
            "gender", "ajcc_pathologic_tumor_stage"]
    need += [c for e in ENDPOINTS for c in (e, f"{e}.time")]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise refuse(src, path, f"sheet {CDR_SHEET!r} lacks column(s) {', '.join(missing)}")
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
        raise refuse(src, path, f"an endpoint column is not numeric ({err})") from None
    frame["age_at_diagnosis"] = pd.to_numeric(raw["age_at_initial_pathologic_diagnosis"],
                                              errors="coerce")
    frame["gender"] = raw["gender"].astype("string")
    stage = raw["ajcc_pathologic_tumor_stage"].astype("string")
    frame["stage"] = stage.mask(stage.str.startswith("[", na=False))
    frame["redacted"] = raw["Redaction"].astype("string").eq("Redacted").fillna(False).astype(bool)
    return validate(frame, SURVIVAL_SCHEMA, src, path)


def survival(cohorts: Iterable[str] | None = None) -> Dataset:
    """TCGA-CDR clinical survival, one row per patient.

    ``cohorts``: book cohorts (COADREAD = COAD + READ) or TCGA study abbreviations;
    None gives all 33 studies. Times are days; events 1 = event, 0 = censored.
    """
    src, path, sha = open_source("tcga-cdr")
    frame = derived(src, sha, "survival", lambda: _parse_cdr(src, path))
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
