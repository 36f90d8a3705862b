"""OncoLnc (Anaya 2016): published whole-cohort Cox models and the patients behind them.

OncoLnc fitted, for every gene and TCGA study, ``coxph(Surv(days, died) ~ gene + covariates)``
with the gene's RSEM expression inverse-normal transformed, on the whole cohort; its repository
publishes each gene's coefficient and Wald p (``coeffs_pvalues.txt``) but not the per-patient
expression. The patients of a model are reconstructed here from the same clinical files and
sample map with the rules of its per-study script (``mrna/cox/<STUDY>/cox_regression.py``):

1. follow-up file: consecutive rows of a patient are one record, a later row with a day count
   replacing the earlier; a row gives death (``death_days_to``) or last contact
   (``last_contact_days_to``), whichever the study's script tests first
   (:attr:`ModelSpec.death_first`);
2. patient file: patients whose grade (if the model has grade), sex and whole-year age parse;
   their own death or last-contact day count;
3. merge: the patient-file record wins only when its day count is larger; patients in only one
   file keep that file's record (the first one, for a patient listed twice);
4. follow-up > 0 days, covariates recorded, and at least one primary-tumour (sample type 01)
   ``rsem.genes.normalized_results`` file in the sample map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import Dataset, open_source, refuse
from reviewbuild.data.registry import Source
from reviewbuild.data.remembered import remembered
from reviewbuild.exceptions import DataError
from xpo1review.data.tcga import TCGA_TO_COHORT

#: Entrez Gene id of XPO1.
XPO1_ENTREZ = 7514
_DAYS = re.compile(r"^[0-9]+$")
_SEX = {"MALE": 0, "FEMALE": 1}


@dataclass(frozen=True)
class ModelSpec:
    """How OncoLnc's script for one TCGA study reads its clinical files, and its model."""

    study: str
    age_column: str
    grades: tuple[str, ...]  # grade levels the model needs; () = grade not in the model
    death_first: bool  # a follow-up row with both day counts counts as death
    covariates: str  # the adjustment, in words for readers

    @property
    def cohort(self) -> str:
        return TCGA_TO_COHORT.get(self.study, self.study)


_G3, _G4 = ("G1", "G2", "G3"), ("G1", "G2", "G3", "G4")
_AGE_INITIAL, _AGE = "age_at_initial_pathologic_diagnosis", "age_at_diagnosis"
#: The six GI studies OncoLnc covers (it has no CHOL model), as its scripts define them.
MODELS = {
    "STAD": ModelSpec("STAD", _AGE_INITIAL, _G3, True, "sex, grade (G1–G3) and age"),
    "ESCA": ModelSpec("ESCA", _AGE, _G3, False, "grade (G1–G3) and age"),
    "LIHC": ModelSpec("LIHC", _AGE, _G4, False, "grade (G1–G4), sex and age"),
    "COAD": ModelSpec("COAD", _AGE_INITIAL, (), True, "sex and age"),
    "READ": ModelSpec("READ", _AGE_INITIAL, (), True, "sex and age"),
    "PAAD": ModelSpec("PAAD", _AGE_INITIAL, _G4, False, "grade (G1–G4), sex and age"),
}


def _spec(study: str) -> ModelSpec:
    try:
        return MODELS[study]
    except KeyError:
        raise DataError(f"OncoLnc has no model for {study!r} in this book; one of "
                        f"{', '.join(MODELS)}") from None


# --- the published coefficients ----------------------------------------------------------
def _cox_row(src: Source, path: Path, entrez: int) -> dict:
    try:
        raw = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise refuse(src, path, f"cannot be parsed as a tab-separated table ({err})") from None
    if raw.shape[1] != 3:
        raise refuse(src, path, f"has {raw.shape[1]} columns, expected 3 (Entrez id, "
                                "coefficient, p)")
    rows = raw[raw[0].str.strip() == str(entrez)]
    if len(rows) != 1:
        raise refuse(src, path, f"has {len(rows)} rows for Entrez id {entrez}, expected 1")
    _, coef, p = (s.strip() for s in rows.iloc[0])
    try:
        coef_f, p_f = float(coef), float(p)
    except ValueError:
        raise refuse(src, path, f"Entrez {entrez}: coefficient {coef!r} or p {p!r} is not a "
                                "number") from None
    if not 0 < p_f <= 1:
        raise refuse(src, path, f"Entrez {entrez}: p {p!r} is not in (0, 1]")
    return {"coef": coef_f, "p": p_f, "coef_text": coef, "p_text": p}


def cox_coefficients(entrez: int = XPO1_ENTREZ) -> Dataset:
    """One gene's published OncoLnc Cox result per study (STAD, ESCA, LIHC, COAD, READ, PAAD).

    Columns: study, cohort, entrez, coef (log hazard ratio per SD of the inverse-normal-
    transformed expression), p (Wald), coef_text and p_text (as printed, with their digits),
    covariates, source_id.
    """
    rows, used = [], []
    for spec in MODELS.values():
        src, path, sha = open_source(f"oncolnc-{spec.study}-cox")
        rows.append({"study": spec.study, "cohort": spec.cohort, "entrez": entrez,
                     **_cox_row(src, path, entrez), "covariates": spec.covariates,
                     "source_id": src.id})
        used.append((src.id, sha))
    frame = pd.DataFrame(rows)
    ids, shas = zip(*used, strict=True)
    prov = Provenance(ids, shas, "Cox coefficient per SD of inverse-normal-transformed RSEM; "
                      "Wald p", len(frame), None, "OncoLnc (Anaya 2016) whole-cohort models")
    return Dataset(frame, prov)


# --- the patients of a model ---------------------------------------------------------------
def _biotab(src: Source, path: Path, need: list[str]) -> pd.DataFrame:
    """A TCGA Biotab clinical table: one header line, two lines of CDE ids, then data."""
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, skiprows=[1, 2])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise refuse(src, path, f"cannot be parsed as a Biotab table ({err})") from None
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise refuse(src, path, f"lacks column(s) {', '.join(missing)}")
    return raw.apply(lambda col: col.str.strip())


def _days(row: pd.Series, death_first: bool) -> tuple[int, int] | None:
    """(days, died) from a row's death or last-contact day count, or None if neither parses."""
    death, alive = row["death_days_to"], row["last_contact_days_to"]
    order = [(death, 1), (alive, 0)] if death_first else [(alive, 0), (death, 1)]
    for value, died in order:
        if _DAYS.match(value):
            return int(value), died
    return None


def follow_up_records(frame: pd.DataFrame, death_first: bool) -> list[tuple[str, int, int]]:
    """(patient, days, died) per run of consecutive rows of a patient; the last parsable row
    of a run wins. A patient listed in two separate runs gets two records."""
    records: list[tuple[str, int, int]] = []
    for _, row in frame.iterrows():
        got = _days(row, death_first)
        if got is None:
            continue
        if records and records[-1][0] == row["bcr_patient_barcode"]:
            records[-1] = (row["bcr_patient_barcode"], *got)
        else:
            records.append((row["bcr_patient_barcode"], *got))
    return records


def covariates(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """Patients whose grade (if modelled), sex and whole-year age parse, with their own
    death or last-contact record (``days``/``died`` missing when neither parses)."""
    rows = []
    for _, row in frame.iterrows():
        grade = row["tumor_grade"] if spec.grades else None
        if (spec.grades and grade not in spec.grades) or row["gender"] not in _SEX:
            continue
        if not _DAYS.match(row[spec.age_column]):
            continue
        got = _days(row, spec.death_first)
        rows.append({"patient": row["bcr_patient_barcode"], "grade": grade,
                     "female": _SEX[row["gender"]], "age": int(row[spec.age_column]),
                     "days": got[0] if got else None, "died": got[1] if got else None})
    return pd.DataFrame(rows, columns=["patient", "grade", "female", "age", "days", "died"])


def merge_follow_up(follow_up: list[tuple[str, int, int]],
                    patients: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """patient -> (days, died): the patient file's record only where it is longer."""
    first: dict[str, tuple[int, int]] = {}
    for patient, days, died in follow_up:
        first.setdefault(patient, (days, died))
    merged = dict(first)
    for row in patients.dropna(subset=["days"]).itertuples():
        own = (int(row.days), int(row.died))
        if row.patient not in first or own[0] > first[row.patient][0]:
            merged[row.patient] = own
    return merged


def primary_tumour_patients(frame: pd.DataFrame) -> pd.Series:
    """Patients with at least one sample-type-01 normalised RSEM gene file, and how many."""
    files = frame[frame["filename"].str.contains("genes.normalized_results", regex=False)]
    code = files["barcode(s)"].str.split("-").str[3].str[:2]
    patients = files.loc[code == "01", "barcode(s)"].str.split("-").str[:3].str.join("-")
    return patients.value_counts().rename("n_files")


#: The files a model's patients are reconstructed from (the columns read from each:
#: :func:`_patient_columns`; the patient file's age and grade columns depend on the study).
_PATIENT_FILES = ("follow-up", "patient", "samples")


def _patient_columns(part: str, spec: ModelSpec) -> list[str]:
    if part == "follow-up":
        return ["bcr_patient_barcode", "death_days_to", "last_contact_days_to"]
    return ["bcr_patient_barcode", "gender", spec.age_column, "death_days_to",
            "last_contact_days_to", *(["tumor_grade"] if spec.grades else [])]


def _patients(spec: ModelSpec, opened: dict[str, tuple[Source, Path, str]]) -> pd.DataFrame:
    """The model's patients from its opened files (parsed once per file content and code)."""
    read = {part: _sample_map(src, path) if part == "samples"
            else _biotab(src, path, _patient_columns(part, spec))
            for part, (src, path, _) in opened.items()}
    cov = covariates(read["patient"], spec)
    merged = merge_follow_up(follow_up_records(read["follow-up"], spec.death_first), cov)
    files = primary_tumour_patients(read["samples"])
    frame = cov.drop(columns=["days", "died"]).assign(
        days=cov["patient"].map(lambda p: merged.get(p, (None, None))[0]),
        died=cov["patient"].map(lambda p: merged.get(p, (None, None))[1]),
        n_files=cov["patient"].map(files),
    )
    frame = frame[frame["days"].notna() & (frame["days"] > 0) & frame["n_files"].notna()]
    return frame.astype({"days": int, "died": int, "n_files": int}).reset_index(drop=True)


def model_patients(study: str) -> Dataset:
    """The patients of OncoLnc's model for ``study``, reconstructed with its inclusion rules.

    Columns: patient, days, died (1 = dead), grade (None when not modelled), female, age,
    n_files (primary-tumour expression files averaged by OncoLnc).
    """
    spec = _spec(study)
    opened = {part: open_source(f"oncolnc-{study}-{part}") for part in _PATIENT_FILES}
    entries = [(src, sha) for src, _, sha in opened.values()]
    frame = remembered(f"oncolnc-{study}-patients", lambda: _patients(spec, opened),
                       inputs=repr((spec, entries)))
    prov = Provenance(tuple(src.id for src, _ in entries), tuple(sha for _, sha in entries),
                      "days; died 0/1", len(frame), frame["patient"].nunique(),
                      f"patients of OncoLnc's TCGA-{study} model, reconstructed")
    return Dataset(frame, prov)


def _sample_map(src: Source, path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise refuse(src, path, f"cannot be parsed as a tab-separated table ({err})") from None
    if list(raw.columns[:2]) != ["filename", "barcode(s)"]:
        raise refuse(src, path, "does not start with the columns filename, barcode(s)")
    return raw.apply(lambda col: col.str.strip())
