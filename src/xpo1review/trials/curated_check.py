"""The curated files' pre-render gate: schema, citation keys and NCT ids in the chapters."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from reviewbuild.citations.bib import split_keys
from reviewbuild.exceptions import CuratedDataError
from reviewbuild.paths import project_root
from xpo1review.trials.schemas import NCT_PATTERN, SCHEMAS
from xpo1review.trials.validation import (
    Problem,
    curated_path,
    display_path,
    line_of,
    read_raw,
    validate,
)

#: The source review's own bibliography key (statements the review makes without a reference).
SOURCE_REVIEW_KEY = "sokolova2025prognostic"


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
            hits += [(display_path(path, root), n, m) for m in NCT_PATTERN.findall(line)]
    return hits


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
    keys = known_keys(root)
    problems: list[Problem] = []
    nct_ids: set[str] = set()
    for name in SCHEMAS:
        path = curated_path(name, root)
        display = display_path(path, root)
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
