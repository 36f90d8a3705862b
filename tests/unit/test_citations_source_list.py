"""The review's numbered reference list maps one-to-one onto data/references.csv and the bib.

The source list is parsed here independently of scripts/make_references_bib.py: each
numbered line is matched to the bib entry of its key by DOI, or (no DOI in the source) by
first author's family name and year.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import unicodedata
from pathlib import Path

import pytest

from reviewbuild.citations.bib import first_author_family, parse_bib, strip_braces, year_of

ROOT = Path(__file__).resolve().parents[2]
SEED_NAME = "000_8a170167bfddcf10.txt"
N_REFERENCES = 136


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", strip_braces(text))
    return re.sub(r"[^a-z]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


@pytest.fixture(scope="module")
def seed() -> Path:
    env = os.environ.get("REVIEWBUILD_SEED")
    path = Path(env) if env else ROOT.parent / "shared" / "seeds" / SEED_NAME
    if not path.is_file():
        pytest.skip(f"SOURCE REVIEW TEXT NOT FOUND at {path}: set REVIEWBUILD_SEED=FILE "
                    "(SKIPPED, NOT PASSED)")
    return path


@pytest.fixture(scope="module")
def source_lines(seed: Path) -> list[str]:
    lines = seed.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("References") + 1, lines.index("Funding")
    return [ln.strip() for ln in lines[start:end] if ln.strip()]


@pytest.fixture(scope="module")
def mapping() -> list[dict[str, str]]:
    with (ROOT / "data" / "references.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def bib():
    return parse_bib(ROOT / "references.bib").by_key()


def parse_source(line: str) -> dict:
    """DOI, year and first author's family name of one reference line."""
    year = re.search(r"\((\d{4})\)", line)
    doi = re.search(r"https://doi\.org/(\S+?)\.?$", line)
    first = line[: year.start()].split(",")[0].strip() if year else ""
    family, _, initials = first.rpartition(" ")
    return {
        "year": int(year.group(1)) if year else None,
        "doi": doi.group(1).lower() if doi else None,
        # a name is "Family INITIALS"; an unsigned item starts with its (longer) title
        "family": family if initials.isupper() and family and len(first.split()) <= 4 else None,
        "text": line,
    }


def test_list_has_136_numbered_references(source_lines, mapping):
    assert len(source_lines) == N_REFERENCES
    assert [int(r["number"]) for r in mapping] == list(range(1, N_REFERENCES + 1))


def test_keys_are_distinct_except_documented_repeats(source_lines, mapping):
    first_number: dict[str, int] = {}
    for row in mapping:
        number, key = int(row["number"]), row["key"]
        if key in first_number:
            earlier = first_number[key]
            assert str(earlier) in row["note"], f"ref {number} reuses {key} without a note"
            # the repeat really is the same article: same authors, year and title
            assert source_lines[number - 1][:120] == source_lines[earlier - 1][:120]
        first_number.setdefault(key, number)
    repeats = N_REFERENCES - len(first_number)
    assert repeats == 1  # ref. 116 = ref. 54 (saulino2018crm1)


def test_each_numbered_reference_matches_its_bib_entry(source_lines, mapping, bib):
    for row, line in zip(mapping, source_lines, strict=True):
        number, entry = int(row["number"]), bib.get(row["key"])
        assert entry is not None, f"ref {number}: key {row['key']} missing from references.bib"
        src = parse_source(line)
        if src["doi"]:
            assert entry.doi.lower() == src["doi"], f"ref {number}: DOI differs"
            assert row["doi"].lower() == src["doi"]
        elif src["family"]:
            assert fold(first_author_family(entry) or "") == fold(src["family"]), number
        else:  # unsigned in the source (ref. 18): match the title
            assert fold(entry.get("title")) in fold(line), number
        if src["year"]:
            assert year_of(entry) == src["year"], f"ref {number}: year differs"


def test_review_entries_come_first_in_numbered_order(mapping, bib):
    order = list(dict.fromkeys(r["key"] for r in mapping))
    assert list(bib)[: len(order)] == order


def test_sources_without_doi_have_none_invented(source_lines, mapping, bib):
    """Entries whose DOI is not in the source list carry one only if the CSV documents it."""
    for row, line in zip(mapping, source_lines, strict=True):
        entry = bib[row["key"]]
        if not parse_source(line)["doi"] and entry.doi and row["key"] != "saulino2018crm1":
            assert "DOI" in row["bib_changes"], f"ref {row['number']}: undocumented DOI"


def test_the_generator_reproduces_the_committed_bibliography(seed: Path) -> None:
    """scripts/make_references_bib.py regenerates references.bib byte for byte: every hand
    correction and every entry added since (data, software, sources of departures) is in it."""
    spec = importlib.util.spec_from_file_location(
        "make_references_bib", ROOT / "scripts" / "make_references_bib.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.bib_text(seed) == (ROOT / "references.bib").read_text(encoding="utf-8")

