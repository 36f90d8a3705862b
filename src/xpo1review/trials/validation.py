"""Reading a curated CSV and validating it: every defect as a ``file:line`` problem.

A curated file lives in ``data/`` of the project root; :func:`read_raw` keeps each row's
first line in the file so that a schema failure names the line to fix. Before the schema,
:func:`validate` checks the header (comma-separated, the schema's columns in order) and
refuses text a spreadsheet would run as a formula when a reader opens a downloaded table
(a cell starting with ``=``, ``+``, ``-`` or ``@`` that is not a number, or holding a tab
or carriage return).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandera.errors import SchemaErrors

from reviewbuild import textfile
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


def read_text(path: Path, display: str | None = None) -> str:
    """A curated file's text; a byte that is not UTF-8 is a CuratedDataError at its line."""
    display = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise CuratedDataError(f"{display}: file not found; the curated file is part of the "
                               "repository - restore it") from err
    return textfile.decode(data, display, CuratedDataError)


def read_raw(path: Path, display: str | None = None) -> pd.DataFrame:
    """Read a curated CSV as strings (empty cells -> NA); unparsable CSV -> CuratedDataError.

    The frame's ``attrs["lines"]`` maps each row index to its first line in the file.
    """
    display = display or str(path)
    text = read_text(path, display)
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise CuratedDataError(f"{display}:{line}: contains a NUL character (remove it)")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as err:
        raise CuratedDataError(f"{display}: not a valid CSV ({err}); fix the quoting or the "
                               "number of fields on that line") from err
    frame.attrs["lines"] = record_lines(text)
    return frame


def record_lines(text: str) -> list[int]:
    """First physical line of each data record (quoted fields may span lines)."""
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
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


def header_problems(frame: pd.DataFrame, name: str, display: str) -> list[Problem]:
    """The header must name the schema's columns, in order, separated by commas."""
    expected = list(SCHEMAS[name].columns)
    found = [str(c) for c in frame.columns]
    if found == expected:
        return []
    where = f"data/README-curated.md lists them; the header must be: {','.join(expected)}"
    if len(found) == 1 and (sep := next((c for c in ";\t|" if c in found[0]), None)):
        return [Problem(display, 1, f"fields are separated by {sep!r}, not commas: save the "
                                    "file as comma-separated CSV")]
    missing = [c for c in expected if c not in found]
    unknown = [c for c in found if c not in expected]
    if missing or unknown:
        what = "; ".join(part for part in (
            f"column(s) {', '.join(missing)} missing" if missing else "",
            f"unknown column(s) {', '.join(unknown)}" if unknown else "") if part)
        return [Problem(display, 1, f"{what} ({where})")]
    return [Problem(display, 1, f"the columns are in another order ({where})")]


def formula_problems(frame: pd.DataFrame, display: str) -> list[Problem]:
    """Cells a spreadsheet would run as a formula when a reader opens a downloaded table."""
    problems = []
    for column in frame.columns:
        for i, value in frame[column].dropna().items():
            if _formula_like(str(value)):
                problems.append(Problem(
                    display, line_of(frame, i),
                    f"column {column!r}: {str(value)[:40]!r} would run as a formula in a "
                    "spreadsheet (it starts with = + - @, or holds a tab or carriage "
                    "return): write it as plain text, e.g. in words"))
    return problems


def _formula_like(value: str) -> bool:
    if "\t" in value or "\r" in value:
        return True
    if not value.startswith(("=", "+", "-", "@")):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def validate(frame: pd.DataFrame, name: str, display: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate ``frame`` against the schema of ``name``; return (typed frame, problems).

    A wrong header is reported alone (the schema's messages would only repeat it)."""
    header = header_problems(frame, name, display)
    if header:
        return frame, header
    unsafe = formula_problems(frame, display)
    try:
        return SCHEMAS[name].validate(frame, lazy=True), unsafe
    except SchemaErrors as err:
        return frame, sorted(unsafe + _schema_problems(err, frame, display),
                             key=lambda p: (p.line or 0, p.message))
