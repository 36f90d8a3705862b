"""SINE compounds and other XPO1 inhibitors, from data/compounds.csv."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from great_tables import GT

from xpo1review.tables._common import cite_span, house_table
from xpo1review.trials import curated

SOURCE_NOTE = ("As stated in the review; 'class' marks binding the review states for SINE "
               "compounds as a group rather than for the compound. data/compounds.csv.")


def display_frame(root: Path | None = None) -> pd.DataFrame:
    """The compounds table's columns (no HTML)."""
    frame = curated.compounds(root)
    code = frame["code"].where(frame["code"] != frame["name"])
    return pd.DataFrame({
        "Compound": frame["name"],
        "Code": code,
        "Class": frame["inhibitor_class"],
        "Target": frame["target_residue"],
        "Binding": frame["binding"] + " (" + frame["binding_basis"] + ")",
        "Stage (as stated)": frame["stage_as_stated"],
        "Approvals (as stated)": frame["approvals_as_stated"],
        "Refs": frame["refs"],
    })


def n_compounds(stage: str | None = None, root: Path | None = None) -> int:
    """How many compounds (optionally at one ``stage``) the file lists."""
    frame = curated.compounds(root)
    return int(len(frame) if stage is None else (frame["stage"] == stage).sum())


def compounds_table(root: Path | None = None) -> GT:
    """great-tables table of the XPO1 inhibitors the review names."""
    shown = display_frame(root)
    shown["Refs"] = shown["Refs"].map(cite_span)
    return house_table(shown, "compounds", source_note=SOURCE_NOTE, html_columns=("Refs",))
