"""The review's Table 1 rebuilt from data/trials.csv: all trials, or one entity's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewbuild.tables.render import (
    WebAndPrint,
    citation,
    cite_span,
    house_table,
    pdf_table,
    reference_labels,
)
from xpo1review.trials import curated

ENTITY_NAMES = {
    "ESCA": "oesophageal cancer", "STAD": "gastric cancer", "LIHC": "hepatocellular carcinoma",
    "CHOL": "biliary tract cancer", "PAAD": "pancreatic cancer", "COADREAD": "colorectal cancer",
    "GIST": "GIST",
}
REGISTRY_URL = "https://clinicaltrials.gov/study/{}"
SOURCE_NOTE = ("Values as stated in the review (Sokolova et al. 2025), not as registered at "
               "ClinicalTrials.gov; status and enrolment may have changed since.")
#: Relative column widths of the PDF table (Trial, Treatment, Phase, [GI entities,] Status,
#: References); population, enrolment and outcome follow the table as notes.
PDF_WIDTHS = {"all": (18, 20, 10, 18, 11, 23), "entity": (18, 28, 10, 14, 30)}


def trials_frame(entity: str | None = None, root: Path | None = None) -> pd.DataFrame:
    """Curated trials (all, or those the review ties to ``entity``), in file order."""
    return curated.trials_for(entity, root) if entity else curated.trials(root)


def n_trials(entity: str | None = None, root: Path | None = None) -> int:
    """How many trials the review names (for inline counts in the prose)."""
    return len(trials_frame(entity, root))


def _entities(value: str) -> str:
    return ", ".join(ENTITY_NAMES.get(e, e) for e in value.split(";"))


def _treatment(row: pd.Series) -> str:
    partners = row["partners"] if isinstance(row["partners"], str) else ""
    return f"{row['drugs']} + {partners}" if partners else str(row["drugs"])


def display_frame(entity: str | None = None, root: Path | None = None) -> pd.DataFrame:
    """The table's columns, ready to print (no HTML)."""
    frame = trials_frame(entity, root)
    out = pd.DataFrame({
        "Trial": frame["nct_id"],
        "Treatment": frame.apply(_treatment, axis=1),
        "Phase": frame["phase"],
        "Population": frame["population"],
        "Enrolment (as stated)": frame["enrolment_as_stated"],
        "Outcome (as stated)": frame["outcome_as_stated"],
        "Status (as stated)": frame["status"],
        "References": frame["refs"],
    })
    if entity is None:
        out.insert(3, "GI entities", frame["entities"].map(_entities))
    return out


def trial_note(row: pd.Series) -> str:
    """``**NCT…** — population: …; enrolment: …; outcome: …``, leaving out empty fields
    (the trial alone when all three are empty)."""
    fields = [(label, str(row[column]).strip()) for label, column in
              (("population", "Population"), ("enrolment", "Enrolment (as stated)"),
               ("outcome", "Outcome (as stated)"))]
    text = "; ".join(f"{label}: {value}" for label, value in fields if value)
    return f"**{row['Trial']}**" + (f" — {text}" if text else "")


def trials_pdf(entity: str | None = None, root: Path | None = None):
    """The PDF form: trial, treatment, phase, entities, status and citations as a table;
    population, enrolment and outcome as one note per trial below it."""
    shown = display_frame(entity, root).fillna("")
    short = ["Trial", "Treatment", "Phase", *(["GI entities"] if entity is None else []),
             "Status (as stated)", "References"]
    table = shown[short].copy()
    table["References"] = table["References"].map(citation)
    table = table.rename(columns={"Status (as stated)": "Status"})
    notes = [trial_note(r) for _, r in shown.iterrows()]
    widths = PDF_WIDTHS["all" if entity is None else "entity"]
    return pdf_table(table, widths, notes, SOURCE_NOTE)


def trials_table(entity: str | None = None, root: Path | None = None):
    """Table 1 (``entity=None``) or one entity's trials: great-tables HTML on the website,
    a Markdown table with notes in the PDF (:func:`trials_pdf`)."""
    shown = display_frame(entity, root)
    if shown.empty:
        note = f"The review names no clinical trial in {ENTITY_NAMES.get(entity, entity)}."
        shown = pd.DataFrame({"Trial": ["-"], "Note": [note]})
        return WebAndPrint(house_table(shown, f"trials-{(entity or 'all').lower()}"), note)
    printed = trials_pdf(entity, root)
    shown["Trial"] = [f"[{n}]({REGISTRY_URL.format(n)})" for n in shown["Trial"]]
    shown["References"] = shown["References"].map(cite_span)
    return WebAndPrint(house_table(shown, f"trials-{(entity or 'all').lower()}",
                                   source_note=SOURCE_NOTE, html_columns=("Trial", "References")),
                       printed)


def trials_interactive(entity: str | None = None, root: Path | None = None) -> str:
    """An interactive (sortable, searchable) HTML version for the website, via itables."""
    from itables import to_html_datatable

    shown = display_frame(entity, root)
    shown["References"] = shown["References"].map(reference_labels)
    return to_html_datatable(shown, classes="display compact",
                             table_id=f"itables-trials-{(entity or 'all').lower()}")
