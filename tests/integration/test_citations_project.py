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


# --- issue 20: the gate's own files, unreadable ------------------------------------------
def test_files_that_are_not_utf8_are_problems_naming_file_and_line(tmp_path: Path) -> None:
    from reviewbuild.citations import gate

    (tmp_path / "data").mkdir()
    (tmp_path / "references.bib").write_bytes(b"@article{a,\n  title = {Caf\xe9},\n}\n")
    assert gate.check(tmp_path) == ["references.bib:2: byte 0xe9 is not UTF-8 (the file must "
                                    "be saved as UTF-8)"]
    (tmp_path / "data" / "references.csv").write_bytes(b"number,key\n1,caf\xe9\n")
    assert gate.check_mapping(tmp_path, {"a"}) == [
        "data/references.csv:2: byte 0xe9 is not UTF-8 (the file must be saved as UTF-8)"]
    (tmp_path / "data" / "references.csv").write_text("number;key\n1;a\n")
    assert gate.check_mapping(tmp_path, {"a"}) == [
        "data/references.csv:1: the header must name the columns number,key,note separated by "
        "commas, not number;key"]
