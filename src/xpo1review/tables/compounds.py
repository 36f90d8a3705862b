"""SINE compounds and other XPO1 inhibitors, from data/compounds.csv (the curated table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewbuild.tables.render import WebAndPrint, citation, cite_span, house_table, pdf_table
from xpo1review.trials import curated

SOURCE_NOTE = ("As stated in the review; 'class' marks binding the review states for SINE "
               "compounds as a group rather than for the compound.")


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
        "References": frame["refs"],
    })


def n_compounds(stage: str | None = None, root: Path | None = None) -> int:
    """How many compounds (optionally at one ``stage``) the file lists."""
    frame = curated.compounds(root)
    return int(len(frame) if stage is None else (frame["stage"] == stage).sum())


def compounds_pdf(root: Path | None = None):
    """The PDF form: the short columns as a table; stage, binding and approvals as notes."""
    shown = display_frame(root).fillna("")
    table = shown[["Compound", "Code", "Class", "Target", "References"]]
    table = table.assign(References=table["References"].map(citation))
    notes = [f"**{r['Compound']}** — stage: {r['Stage (as stated)']}; binding: {r['Binding']}"
             + (f"; approvals: {r['Approvals (as stated)']}" if r["Approvals (as stated)"] else "")
             for _, r in shown.iterrows()]
    return pdf_table(table, (18, 12, 22, 12, 36), notes, SOURCE_NOTE)


def compounds_table(root: Path | None = None):
    """The XPO1 inhibitors the review names: great-tables on the website, Markdown in the PDF."""
    shown = display_frame(root)
    shown["References"] = shown["References"].map(cite_span)
    return WebAndPrint(house_table(shown, "compounds", source_note=SOURCE_NOTE,
                                   html_columns=("References",)), compounds_pdf(root))
