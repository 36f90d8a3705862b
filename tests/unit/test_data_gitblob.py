"""Sources pinned by git blob id: verified before they enter the cache, sha256 recorded after.

A throw-away project (REVIEWBUILD_ROOT) registers small files in a throw-away mirror; the
expected blob ids come from git itself (`git hash-object`), not from the code under test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewbuild.data import cachedir, fetch, pins, registry
from reviewbuild.exceptions import ChecksumMismatch

GOOD = b"bcr_patient_barcode\tXPO1|7514\nTCGA-AA-0001-01A\t12.5\n" * 40
#: How the registry spells "no sha256" (null, or the explicit `unpinned` where required).
NO_SHA256 = getattr(registry, "UNPINNED", "null")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def git_hash_object(path: Path) -> str:
    return subprocess.run(["git", "hash-object", "--no-filters", str(path)], check=True,
                          capture_output=True, text=True).stdout.strip()


def blob_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    return git_hash_object(path)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Source `full` pinned only by the git blob id of GOOD, served by a mirror."""
    root, mirror, cache = tmp_path / "root", tmp_path / "mirror", tmp_path / "cache"
    (root / "data").mkdir(parents=True)
    (mirror / "x").mkdir(parents=True)
    (mirror / "x" / "full.rda").write_bytes(GOOD)
    blob = blob_of(GOOD, tmp_path)
    (root / "data" / "sources.yaml").write_text(
        f"sources:\n  - id: full\n    url: http://127.0.0.1:9/x/full.rda\n    sha256: {NO_SHA256}\n"
        f"    git_blob: {blob}\n    format: rda\n    licence: MIT\n    cite: [k]\n"
        "    description: d\n    mirror: x/full.rda\n    cohorts: [STAD]\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(mirror))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(cache))
    return {"root": root, "mirror": mirror, "cache": cache, "blob": blob}


@needs_git
@pytest.mark.parametrize("data", [b"", b"x", GOOD, bytes(range(256)) * 5000])
def test_blob_id_is_what_git_computes(tmp_path, data):
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert pins.git_blob_id(path) == git_hash_object(path)


@needs_git
def test_blob_pinned_source_counts_as_pinned_and_is_fetched(project):
    src = registry.get_source("full")
    assert src.pinned and src.sha256 is None and src.git_blob == project["blob"]
    path = fetch.fetch("full")
    assert path.read_bytes() == GOOD


@needs_git
def test_sha256_is_recorded_after_the_blob_check(project, capsys):
    fetch.fetch("full")
    src = registry.get_source("full")
    rec = json.loads(pins.record_path(src).read_text())
    assert rec == {"source": "full", "url": src.url, "git_blob": project["blob"],
                   "sha256": hashlib.sha256(GOOD).hexdigest(), "size": len(GOOD)}
    assert "recorded in" in capsys.readouterr().err
    assert pins.recorded_sha256(src) == hashlib.sha256(GOOD).hexdigest()
    assert [p.name for p in pins.record_path(src).parent.iterdir()] == ["full.json"]  # atomic


@needs_git
def test_tampered_download_is_refused_and_nothing_recorded(project):
    (project["mirror"] / "x" / "full.rda").write_bytes(GOOD[:-1] + b"!")
    with pytest.raises(ChecksumMismatch, match="git blob id mismatch") as info:
        fetch.fetch("full")
    assert info.value.expected == project["blob"] and "reviewbuild data fetch full" in str(
        info.value)
    src = registry.get_source("full")
    assert not cachedir.cached_path(src).exists()
    assert not pins.record_path(src).exists()


@needs_git
def test_the_record_never_vouches_for_another_file(project):
    path = fetch.fetch("full")
    src = registry.get_source("full")
    path.write_bytes(GOOD + b"appended later")  # the cached file changes behind our back
    assert pins.pin_problem(src, path)[0] == "git blob id"
    assert pins.check(src).state == "mismatch"
    (project["mirror"] / "x" / "full.rda").write_bytes(b"not it either")
    with pytest.raises(ChecksumMismatch, match="git blob id"):
        fetch.fetch("full")  # neither the cached file nor the mirror copy is trusted


@needs_git
def test_a_record_for_another_pin_is_ignored(project):
    fetch.fetch("full")
    src = registry.get_source("full")
    rec = json.loads(pins.record_path(src).read_text())
    other = json.dumps({**rec, "git_blob": "0" * 40, "sha256": hashlib.sha256(b"x").hexdigest()})
    pins.record_path(src).write_text(other)
    assert pins.recorded_sha256(src) is None
    pins.record_path(src).write_text("{not json")
    assert pins.recorded_sha256(src) is None
    assert pins.pin_problem(src, cachedir.cached_path(src)) is None  # re-verified by blob id
    assert fetch.fetch("full").read_bytes() == GOOD
    assert pins.recorded_sha256(src) == hashlib.sha256(GOOD).hexdigest()  # record repaired


@needs_git
def test_verify_reports_blob_pinned_sources(project):
    fetch.fetch("full")
    (result,) = pins.verify()
    assert (result.state, result.expected) == ("ok", f"git blob id {project['blob']}")


def test_a_verified_record_folder_linked_out_of_the_cache_is_refused(project, tmp_path):
    """Issue 20: a `.verified` symlink must not let the sha256 record be written elsewhere."""
    from reviewbuild.exceptions import UnsafePath

    outside = tmp_path / "outside"
    outside.mkdir()
    project["cache"].mkdir()
    (project["cache"] / ".verified").symlink_to(outside)
    with pytest.raises(UnsafePath, match=r"'.verified/full.json' must stay inside .*symbolic"):
        fetch.fetch("full")
    assert list(outside.iterdir()) == []
