"""The curated files' pre-render gate: schema, citation keys and NCT ids in the chapters."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from reviewbuild.citations.bib import split_keys
from reviewbuild.exceptions import CuratedDataError
from reviewbuild.paths import project_root
from reviewbuild.qmd.reader import read_chapters
from xpo1review.trials.schemas import NCT_PATTERN, SCHEMAS
from xpo1review.trials.validation import (
    Problem,
    curated_path,
    display_path,
    line_of,
    read_raw,
    read_text,
    validate,
)

#: The source review's own bibliography key (statements the review makes without a reference).
SOURCE_REVIEW_KEY = "sokolova2025prognostic"


def known_keys(root: Path | None = None) -> set[str]:
    """Bibliography keys: data/references.csv, references.bib (if present), the review's own.
    A file that is not UTF-8 is a CuratedDataError naming its line."""
    root = root or project_root()
    keys = {SOURCE_REVIEW_KEY}
    refs_csv = root / "data" / "references.csv"
    if refs_csv.is_file():
        rows = csv.DictReader(io.StringIO(read_text(refs_csv, display_path(refs_csv, root)),
                                          newline=""))
        keys |= {row["key"] for row in rows if row.get("key")}
    bib = root / "references.bib"
    if bib.is_file():
        text = read_text(bib, display_path(bib, root))
        keys |= set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))
    return keys


def chapter_nct_mentions(root: Path | None = None) -> list[tuple[str, int, str]]:
    """Every NCT id written in the prose or captions of a chapter or index: (file, line, id),
    read by the engine's chapter reader (:mod:`reviewbuild.qmd`)."""
    return _nct_mentions(root or project_root())[0]


def _nct_mentions(root: Path) -> tuple[list[tuple[str, int, str]], list[str]]:
    """The NCT mentions and the chapters that cannot be read (``file:line: message``)."""
    files = sorted((root / "chapters").glob("*.qmd")) + sorted(root.glob("*.qmd"))
    chapters, unreadable = read_chapters(root, [display_path(p, root) for p in files])
    hits = [(chapter.path, text.line + text.text.count("\n", 0, match.start()), match.group())
            for chapter in chapters for text in chapter.texts
            for match in NCT_PATTERN.finditer(text.text)]
    return hits, unreadable


def _ref_problems(frame: pd.DataFrame, display: str, keys: set[str]) -> list[Problem]:
    problems = []
    for column in ("refs", "position_refs"):
        for i, value in frame.get(column, pd.Series(dtype=str)).dropna().items():
            unknown = [k for k in split_keys(value) if k not in keys]
            if unknown:
                problems.append(Problem(display, line_of(frame, i),
                                        f"{column}: unknown bibliography key(s) {unknown}: add "
                                        "them to references.bib or fix the key"))
    return problems


def check(root: Path) -> list[str]:
    """The pre-render gate: schema, citation keys and NCT ids in the chapters.

    Returns problems as ``file:line: message`` strings (empty when all is well).
    """
    try:
        keys = known_keys(root)
    except CuratedDataError as err:
        return [str(err)]
    problems: list[Problem | str] = []
    nct_ids: set[str] = set()
    for name in SCHEMAS:
        path = curated_path(name, root)
        display = display_path(path, root)
        try:
            frame, found = validate(read_raw(path, display), name, display)
        except CuratedDataError as err:  # names the file (and line) itself
            problems.append(str(err))
            continue
        problems += found
        if "refs" in frame:
            problems += _ref_problems(frame, display, keys)
        if name == "trials" and "nct_id" in frame:
            nct_ids = set(frame["nct_id"].dropna())
    mentions, unreadable = _nct_mentions(root)
    for file, line, nct in mentions:
        if nct_ids and nct not in nct_ids:
            problems.append(Problem(file, line, f"{nct} is not in data/trials.csv: add a "
                                    "curated row for it (see data/README-curated.md)"))
    return [str(p) for p in problems] + unreadable
