"""The review's Table 1 rebuilt from data/trials.csv: all trials, or one entity's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from great_tables import GT

from xpo1review.tables._common import cite_span, house_table
from xpo1review.trials import curated

ENTITY_NAMES = {
    "ESCA": "oesophageal cancer", "STAD": "gastric cancer", "LIHC": "hepatocellular carcinoma",
    "CHOL": "biliary tract cancer", "PAAD": "pancreatic cancer", "COADREAD": "colorectal cancer",
    "GIST": "GIST",
}
REGISTRY_URL = "https://clinicaltrials.gov/study/{}"
SOURCE_NOTE = ("Values as stated in the review (Sokolova et al. 2025), not as registered; "
               "data/trials.csv. Status and enrolment may have changed since: "
               "`xpo1review trials refresh` compares them with ClinicalTrials.gov.")


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
        "Refs": frame["refs"],
    })
    if entity is None:
        out.insert(3, "GI entities", frame["entities"].map(_entities))
    return out


def trials_table(entity: str | None = None, root: Path | None = None) -> GT:
    """great-tables Table 1 (``entity=None``) or one entity's trials."""
    shown = display_frame(entity, root)
    shown["Trial"] = [f"[{n}]({REGISTRY_URL.format(n)})" for n in shown["Trial"]]
    shown["Refs"] = shown["Refs"].map(cite_span)
    if shown.empty:
        note = f"The review names no clinical trial in {ENTITY_NAMES.get(entity, entity)}."
        shown = pd.DataFrame({"Trial": ["-"], "Note": [note]})
        return house_table(shown, f"trials-{(entity or 'all').lower()}")
    return house_table(shown, f"trials-{(entity or 'all').lower()}",
                       source_note=SOURCE_NOTE, html_columns=("Trial", "Refs"))


def trials_interactive(entity: str | None = None, root: Path | None = None) -> str:
    """An interactive (sortable, searchable) HTML version for the website, via itables."""
    from itables import to_html_datatable

    return to_html_datatable(display_frame(entity, root), classes="display compact",
                             table_id=f"itables-trials-{(entity or 'all').lower()}")
