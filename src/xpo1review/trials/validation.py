"""Reading a curated CSV and validating it: every defect as a ``file:line`` problem.

A curated file lives in ``data/`` of the project root; :func:`read_raw` keeps each row's
first line in the file so that a schema failure names the line to fix.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandera.errors import SchemaErrors

from reviewbuild.exceptions import CuratedDataError
from reviewbuild.paths import project_root
from xpo1review.trials.schemas import CURATED_FILES, SCHEMAS


@dataclass(frozen=True)
class Problem:
    """One defect in a curated file: where it is and what is wrong."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def curated_path(name: str, root: Path | None) -> Path:
    """The file of curated table ``name`` under ``root`` (default: the project root)."""
    if name not in SCHEMAS:
        raise CuratedDataError(f"unknown curated file {name!r}: choose one of {list(SCHEMAS)}")
    return (root or project_root()) / "data" / CURATED_FILES[name]


def display_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` (default: the project root) where it lies inside it."""
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
        frame.attrs["lines"] = record_lines(path)
        return frame
    except FileNotFoundError as err:
        raise CuratedDataError(f"{display}: file not found; the curated file is part of the "
                               "repository - restore it") from err
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as err:
        raise CuratedDataError(f"{display}: not a valid CSV ({err}); fix the quoting or the "
                               "number of fields on that line") from err


def record_lines(path: Path) -> list[int]:
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


def line_of(frame: pd.DataFrame, index: object) -> int | None:
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
        line = line_of(frame, case.get("index"))
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
