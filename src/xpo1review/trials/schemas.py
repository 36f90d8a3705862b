"""The vocabularies and pandera schemas of the curated files (trials, compounds, mutations,
XPO1 protein features); see data/README-curated.md."""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

#: Where a trial's patients come from: TCGA cohort codes of the GI entities, GIST, or several.
ENTITIES = ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COADREAD", "GIST")
GI_ENTITIES = (*ENTITIES, "multiple")
TRIAL_STATUSES = ("ongoing", "terminated", "completed", "not stated")
BINDINGS = ("irreversible", "reversible", "slowly reversible", "not stated")
STAGES = ("preclinical", "clinical trials", "approved", "discontinued")
FEATURE_KINDS = ("chain", "domain", "repeat", "region", "shape", "residue", "filter",
                 "hotspot")
NCT_PATTERN = re.compile(r"NCT\d{8}")

_KEY = r"[A-Za-z0-9_:\-]+"
_REFS = rf"^{_KEY}(;{_KEY})*$"
_LINES = r"^\d+(;\d+)*$"


def _text(nullable: bool = True, **kw) -> pa.Column:
    return pa.Column(str, nullable=nullable, **kw)


def _refs() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(_REFS), nullable=False)


def _lines() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(_LINES), nullable=False)


def _within_chain(frame: pd.DataFrame) -> pd.Series:
    """Each position lies inside the one 'chain' row's residue range."""
    chain = frame[frame["kind"] == "chain"]
    if len(chain) != 1 or chain[["start", "end"]].isna().any(axis=None):
        return frame["kind"] != "chain"  # flags the chain row(s): there must be one, positioned
    first, last = chain["start"].iloc[0], chain["end"].iloc[0]
    inside = (frame["start"] >= first) & (frame["end"] <= last)
    return (frame["start"].isna() | inside).fillna(False).astype(bool)


def _entities_ok(series: pd.Series) -> pd.Series:
    return series.map(lambda v: all(e in ENTITIES for e in str(v).split(";")))


def _entity_fields_agree(frame: pd.DataFrame) -> pd.Series:
    parts = frame["entities"].astype(str).str.split(";")
    many = parts.map(len) > 1
    single = parts.map(lambda p: p[0])
    return (many & (frame["gi_entity"] == "multiple")) | (~many & (frame["gi_entity"] == single))


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "trials": pa.DataFrameSchema(
        {
            "nct_id": pa.Column(str, pa.Check.str_matches(r"^NCT\d{8}$"), unique=True),
            "drugs": _text(nullable=False),
            "partners": _text(),
            "phase": _text(checks=pa.Check.isin(["I", "IB", "I/II", "II", "III"])),
            "population": _text(nullable=False),
            "gi_entity": pa.Column(str, pa.Check.isin(GI_ENTITIES)),
            "entities": pa.Column(str, pa.Check(_entities_ok, element_wise=False,
                                                error=f"entities must be ;-separated {ENTITIES}")),
            "enrolment": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "enrolment_as_stated": _text(),
            "outcome_as_stated": _text(),
            "status": pa.Column(str, pa.Check.isin(TRIAL_STATUSES)),
            "status_as_stated": _text(),
            "refs": _refs(),
            "source_section": _text(nullable=False),
            "source_lines": _lines(),
            "note": _text(),
        },
        checks=pa.Check(_entity_fields_agree, element_wise=False,
                        error="gi_entity must be 'multiple' for several entities, else equal "
                              "to entities"),
        strict=True, ordered=True, coerce=True,
    ),
    "compounds": pa.DataFrameSchema(
        {
            "name": pa.Column(str, unique=True),
            "code": _text(),
            "inhibitor_class": _text(nullable=False),
            "target_residue": _text(checks=pa.Check.str_matches(r"^[A-Z][a-z]{2}\d+$")),
            "binding": pa.Column(str, pa.Check.isin(BINDINGS)),
            "binding_basis": pa.Column(str, pa.Check.isin(["compound", "class"])),
            "binding_as_stated": _text(),
            "stage": pa.Column(str, pa.Check.isin(STAGES)),
            "stage_as_stated": _text(nullable=False),
            "approvals_as_stated": _text(),
            "refs": _refs(),
            "source_lines": _lines(),
            "note": _text(),
        },
        strict=True, ordered=True, coerce=True,
    ),
    "mutations": pa.DataFrameSchema(
        {
            "alteration": _text(nullable=False),
            "residue": _text(checks=pa.Check.str_matches(r"^[A-Z]\d+$")),
            "position": pa.Column("Int64", pa.Check.in_range(1, 1071), nullable=True),
            "change": _text(checks=pa.Check.str_matches(r"^[A-Z]$")),
            "entity": _text(nullable=False),
            "frequency_pct": pa.Column(float, pa.Check.in_range(0, 100), nullable=True),
            "cohort_patients": pa.Column("Int64", pa.Check.gt(0), nullable=True),
            "cohort_entities": pa.Column("Int64", pa.Check.gt(0), nullable=True),
            "statement_as_stated": _text(nullable=False),
            "refs": _refs(),
            "source_lines": _lines(),
        },
        strict=True, ordered=True, coerce=True,
    ),
    "xpo1_features": pa.DataFrameSchema(
        {
            "feature_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True),
            "feature": _text(nullable=False),
            "kind": pa.Column(str, pa.Check.isin(FEATURE_KINDS)),
            "start": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "end": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "position_refs": pa.Column(str, pa.Check.str_matches(_REFS), nullable=True),
            "order": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "statement_as_stated": _text(nullable=False),
            "refs": _refs(),
            "source_lines": _lines(),
            "note": _text(),
        },
        checks=[
            pa.Check(lambda d: d["start"].isna() == d["end"].isna(),
                     error="start and end must both be given or both be empty"),
            pa.Check(lambda d: d["start"].isna() | (d["start"] <= d["end"]),
                     error="start must not exceed end"),
            pa.Check(lambda d: d["start"].isna() == d["position_refs"].isna(),
                     error="a position needs the key(s) of the source stating it in "
                           "position_refs, and position_refs needs a position"),
            pa.Check(_within_chain, error="the position lies outside the chain (the 'chain' "
                                          "row's start-end): fix the position or the chain"),
        ],
        strict=True, ordered=True, coerce=True,
    ),
}

CURATED_FILES = {name: f"{name}.csv" for name in SCHEMAS}
