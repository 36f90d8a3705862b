"""The project's curated files: trials, compounds, mutations and XPO1 protein features.

Each file lives in ``data/`` and records values *as stated in the source review*, with the
bibliography keys they come from in ``refs`` (``;``-separated). :func:`load` reads a file and
validates it with pandera; a bad row raises :class:`CuratedDataError` naming ``file:line``.
:func:`check` is the pre-render gate's entry point.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from xpo1review.exceptions import CuratedDataError
from xpo1review.paths import project_root

#: The source review's own bibliography key (statements the review makes without a reference).
SOURCE_REVIEW_KEY = "sokolova2025prognostic"
#: Where a trial's patients come from: TCGA cohort codes of the GI entities, GIST, or several.
ENTITIES = ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COADREAD", "GIST")
GI_ENTITIES = (*ENTITIES, "multiple")
TRIAL_STATUSES = ("ongoing", "terminated", "completed", "not stated")
BINDINGS = ("irreversible", "reversible", "slowly reversible", "not stated")
STAGES = ("preclinical", "clinical trials", "approved", "discontinued")
FEATURE_KINDS = ("chain", "domain", "repeat", "region", "shape", "residue", "hotspot")
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


@dataclass(frozen=True)
class Problem:
    """One defect in a curated file: where it is and what is wrong."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def _path(name: str, root: Path | None) -> Path:
    if name not in SCHEMAS:
        raise CuratedDataError(f"unknown curated file {name!r}: choose one of {list(SCHEMAS)}")
    return (root or project_root()) / "data" / CURATED_FILES[name]


def _relative(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root or project_root()))
    except ValueError:
        return str(path)


def read_raw(path: Path, display: str | None = None) -> pd.DataFrame:
    """Read a curated CSV as strings (empty cells -> NA); unparsable CSV -> CuratedDataError.

    The frame's ``attrs["lines"]`` maps each row index to its first line in the file.
    """
    display = display or str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame.attrs["lines"] = _record_lines(path)
        return frame
    except FileNotFoundError as err:
        raise CuratedDataError(f"{display}: file not found; the curated file is part of the "
                               "repository - restore it") from err
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as err:
        raise CuratedDataError(f"{display}: not a valid CSV ({err}); fix the quoting or the "
                               "number of fields on that line") from err


def _record_lines(path: Path) -> list[int]:
    """First physical line of each data record (quoted fields may span lines)."""
    starts: list[int] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        previous_end = 0
        for n, record in enumerate(reader):
            if n and record:
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    return starts


def _line_of(frame: pd.DataFrame, index: object) -> int | None:
    lines = frame.attrs.get("lines") or []
    try:
        i = int(index)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return lines[i] if 0 <= i < len(lines) else i + 2


def _schema_problems(err: SchemaErrors, frame: pd.DataFrame, display: str) -> list[Problem]:
    messages: dict[tuple[int | None, str], list[str]] = {}
    for _, case in err.failure_cases.iterrows():
        value = case.get("failure_case")
        line = _line_of(frame, case.get("index"))
        if line is None and str(value).startswith("TypeError("):
            continue  # a downstream check tripping over a value that failed coercion
        column = case.get("column")
        col = f"column {column!r}" if isinstance(column, str) else "row"
        messages.setdefault((line, f"{col}: value {value!r}"), []).append(str(case.get("check")))
    problems = [Problem(display, line, f"{what} fails {', '.join(dict.fromkeys(checks))}")
                for (line, what), checks in messages.items()]
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


def validate(frame: pd.DataFrame, name: str, display: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate ``frame`` against the schema of ``name``; return (typed frame, problems)."""
    try:
        return SCHEMAS[name].validate(frame, lazy=True), []
    except SchemaErrors as err:
        return frame, _schema_problems(err, frame, display)


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Load and validate one curated file (``trials``, ``compounds``, ``mutations``,
    ``xpo1_features``). Raises :class:`CuratedDataError` naming ``file:line``."""
    path = _path(name, root)
    display = _relative(path, root)
    frame, problems = validate(read_raw(path, display), name, display)
    if problems:
        listing = "\n  ".join(str(p) for p in problems[:20])
        raise CuratedDataError(f"{display} breaks its schema (see data/README-curated.md):"
                               f"\n  {listing}")
    return frame


def trials(root: Path | None = None) -> pd.DataFrame:
    """The trials the review names, one row per NCT id."""
    return load("trials", root)


def compounds(root: Path | None = None) -> pd.DataFrame:
    """SINE compounds and other XPO1 inhibitors."""
    return load("compounds", root)


def mutations(root: Path | None = None) -> pd.DataFrame:
    """XPO1 alterations and their frequencies as the review states them."""
    return load("mutations", root)


def features(root: Path | None = None) -> pd.DataFrame:
    """XPO1 protein features (Fig. 1): positions only where a cited source gives them."""
    return load("xpo1_features", root)


def split_refs(value: str) -> list[str]:
    """``"a;b; c"`` -> ``["a", "b", "c"]``."""
    return [k.strip() for k in str(value).split(";") if k.strip()]


def trials_for(entity: str, root: Path | None = None) -> pd.DataFrame:
    """The trials the review ties to one entity (a code of :data:`ENTITIES`)."""
    if entity not in ENTITIES:
        raise CuratedDataError(f"unknown entity {entity!r}: choose one of {ENTITIES}")
    frame = trials(root)
    return frame[frame["entities"].map(lambda v: entity in v.split(";"))].reset_index(drop=True)


def known_keys(root: Path | None = None) -> set[str]:
    """Bibliography keys: data/references.csv, references.bib (if present), the review's own."""
    root = root or project_root()
    keys = {SOURCE_REVIEW_KEY}
    refs_csv = root / "data" / "references.csv"
    if refs_csv.is_file():
        keys |= set(pd.read_csv(refs_csv, dtype=str)["key"].dropna())
    bib = root / "references.bib"
    if bib.is_file():
        keys |= set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib.read_text(encoding="utf-8")))
    return keys


def chapter_nct_mentions(root: Path | None = None) -> list[tuple[str, int, str]]:
    """Every NCT id written in a chapter or index: (file, line, id)."""
    root = root or project_root()
    files = sorted((root / "chapters").glob("*.qmd")) + sorted(root.glob("*.qmd"))
    hits = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            hits += [(_relative(path, root), n, m) for m in NCT_PATTERN.findall(line)]
    return hits


def _ref_problems(frame: pd.DataFrame, display: str, keys: set[str]) -> list[Problem]:
    problems = []
    for column in ("refs", "position_refs"):
        for i, value in frame.get(column, pd.Series(dtype=str)).dropna().items():
            unknown = [k for k in split_refs(value) if k not in keys]
            if unknown:
                problems.append(Problem(display, _line_of(frame, i),
                                        f"{column}: unknown bibliography key(s) {unknown}: add "
                                        "them to references.bib or fix the key"))
    return problems


def check(root: Path) -> list[str]:
    """The pre-render gate: schema, citation keys and NCT ids in the chapters.

    Returns problems as ``file:line: message`` strings (empty when all is well).
    """
    keys = known_keys(root)
    problems: list[Problem] = []
    nct_ids: set[str] = set()
    for name in SCHEMAS:
        path = _path(name, root)
        display = _relative(path, root)
        try:
            frame, found = validate(read_raw(path, display), name, display)
        except CuratedDataError as err:
            problems.append(Problem(display, None, str(err).split(": ", 1)[-1]))
            continue
        problems += found
        if "refs" in frame:
            problems += _ref_problems(frame, display, keys)
        if name == "trials":
            nct_ids = set(frame["nct_id"].dropna())
    for file, line, nct in chapter_nct_mentions(root):
        if nct_ids and nct not in nct_ids:
            problems.append(Problem(file, line, f"{nct} is not in data/trials.csv: add a "
                                    "curated row for it (see data/README-curated.md)"))
    return [str(p) for p in problems]
