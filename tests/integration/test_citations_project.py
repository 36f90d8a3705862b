"""The citation gate on the real book: no missing, uncited, duplicate or malformed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbuild.citations import refcheck, reflock
from reviewbuild.citations.bib import parse_bib
from reviewbuild.citations.gate import check

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_gate_passes_on_the_project():
    problems = check(ROOT)
    assert problems == [], "\n".join(problems)


def test_lock_file_matches_the_bibliography():
    """references.lock.json is up to date: run `reviewbuild refs verify --online` (or
    `--accept` offline) after editing references.bib."""
    lock = reflock.read_lock(ROOT / reflock.LOCK_NAME)
    changes, _flagged = refcheck.compare_with_lock(parse_bib(ROOT / "references.bib").entries,
                                                   lock)
    assert changes == [], "\n".join(changes)
