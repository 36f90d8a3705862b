"""XPO1 alterations as the review reports them, from data/mutations.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewbuild.tables.render import WebAndPrint, citation, cite_span, house_table, pdf_table
from xpo1review.trials import curated

SOURCE_NOTE = "As stated in the review."


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
        "References": frame["refs"],
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


def mutations_pdf(root: Path | None = None):
    """The PDF form: the short columns as a table, each finding as a numbered note."""
    shown = display_frame(root).fillna("")
    table = shown[["Alteration", "Entity", "Frequency", "Cohort", "References"]].copy()
    table["References"] = table["References"].map(citation)
    table.insert(0, "Note", [str(i) for i in range(1, len(table) + 1)])
    notes = [f"**{i}.** {text}" for i, text in enumerate(shown["Finding (as stated)"], 1) if text]
    return pdf_table(table, (8, 15, 18, 15, 18, 26), notes, SOURCE_NOTE)


def mutations_table(root: Path | None = None):
    """XPO1 alterations: great-tables on the website, Markdown with notes in the PDF."""
    shown = display_frame(root)
    shown["References"] = shown["References"].map(cite_span)
    return WebAndPrint(house_table(shown, "mutations", source_note=SOURCE_NOTE,
                                   html_columns=("References",)), mutations_pdf(root))
