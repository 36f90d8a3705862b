"""XPO1 alterations as the review reports them, from data/mutations.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from great_tables import GT

from xpo1review.tables._common import cite_span, house_table
from xpo1review.trials import curated

SOURCE_NOTE = "As stated in the review; data/mutations.csv."


def _pct(value: float) -> str:
    return "" if pd.isna(value) else f"{value:g}%"


def _cohort(row: pd.Series) -> str:
    if pd.isna(row["cohort_patients"]):
        return ""
    return f"{int(row['cohort_patients']):,} patients, {int(row['cohort_entities'])} entities"


def display_frame(root: Path | None = None) -> pd.DataFrame:
    """The alterations table's columns (no HTML)."""
    frame = curated.mutations(root)
    return pd.DataFrame({
        "Alteration": frame["alteration"],
        "Entity": frame["entity"],
        "Frequency": frame["frequency_pct"].map(_pct),
        "Cohort": frame.apply(_cohort, axis=1),
        "Finding (as stated)": frame["statement_as_stated"],
        "Refs": frame["refs"],
    })


def e571k_frequencies(root: Path | None = None) -> pd.DataFrame:
    """E571K frequency per entity (entity, frequency_pct), as the review states them."""
    frame = curated.mutations(root)
    rows = frame[(frame["alteration"] == "E571K") & frame["frequency_pct"].notna()]
    return rows[["entity", "frequency_pct"]].reset_index(drop=True)


def pan_cancer_cohort(root: Path | None = None) -> tuple[int, int]:
    """(patients, entities) of the sequencing cohort behind the hotspots (one value each)."""
    frame = curated.mutations(root)
    cohort = frame[["cohort_patients", "cohort_entities"]].dropna().drop_duplicates()
    if len(cohort) != 1:
        raise ValueError(f"expected one pan-cancer cohort in data/mutations.csv, got {len(cohort)}")
    patients, entities = cohort.iloc[0]
    return int(patients), int(entities)


def mutations_table(root: Path | None = None) -> GT:
    """great-tables table of XPO1 alterations."""
    shown = display_frame(root)
    shown["Refs"] = shown["Refs"].map(cite_span)
    return house_table(shown, "mutations", source_note=SOURCE_NOTE, html_columns=("Refs",))
