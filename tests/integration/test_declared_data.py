"""The commit declares the data: real files, a corrupted cache, the git blob pin of a real
cohort, and the freeze manifest re-executing exactly the chapters a declaration feeds."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewbuild import check
from reviewbuild.data import cachedir, fetch, pins, registry
from reviewbuild.exceptions import ChecksumMismatch, DataError
from reviewbuild.notebooks import cache
from xpo1review.analysis import parts
from xpo1review.data import loaders

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
#: How the registry spells "no sha256" (null, or the explicit `unpinned` where required).
NO_SHA256 = getattr(registry, "UNPINNED", "null")
REAL = registry.load_registry(ROOT / "data" / "sources.yaml")
STAD = REAL["metagsca-STAD"]


@pytest.fixture
def corrupt_stad(mirror, tmp_path, monkeypatch) -> Path:
    """A private cache whose metagsca-STAD copy has one byte changed."""
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    bad = cachedir.cached_path(STAD)
    bad.parent.mkdir(parents=True)
    data = bytearray((mirror / STAD.mirror_path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    return bad


def test_gate_fails_naming_a_corrupted_declared_source(corrupt_stad, monkeypatch):
    for mirror in (True, False):  # with the mirror, and offline without one
        if not mirror:
            monkeypatch.delenv("REVIEWBUILD_MIRROR")
        problems = check.run_checks(ROOT, ["data"])
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"[data] {corrupt_stad}: data source metagsca-STAD")
        assert STAD.sha256 in problems[0] and "reviewbuild data fetch metagsca-STAD" in problems[0]


def test_gate_fails_when_the_mirror_lacks_a_declared_source(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(tmp_path / "empty-mirror"))
    problems = check.run_checks(ROOT, ["data"])
    assert any("metagsca-STAD, which the book uses, is neither cached nor in the mirror" in p
               for p in problems)
    assert not any("firehose-STAD" in p for p in problems)  # registered, not used


def test_gate_passes_on_the_mirror_and_is_fast(mirror):
    import time

    start = time.perf_counter()
    assert check.run_checks(ROOT, ["data"]) == []
    assert time.perf_counter() - start < 5  # hashes ~30 MB; about 0.1 s here


def test_analysis_of_a_corrupted_source_offline_is_an_error_not_unavailable(
        corrupt_stad, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    monkeypatch.setenv("REVIEWBUILD_TIMEOUT", "2")  # no network here: the download fails
    with pytest.raises(DataError) as info:
        loaders.xpo1_expression("STAD")
    msg = str(info.value)
    assert isinstance(info.value, ChecksumMismatch)
    assert msg.startswith(f"metagsca-STAD (cache file {corrupt_stad})")
    assert "sha256 mismatch" in msg and "reviewbuild data fetch metagsca-STAD" in msg
    assert "Fetching it again failed" in msg
    assert corrupt_stad.is_file()  # nothing deleted behind the user's back
    with pytest.raises(ChecksumMismatch, match="metagsca-STAD"):  # the analysis, uncached
        parts.expression_part.__wrapped__("STAD")


def test_with_the_mirror_a_corrupted_cache_copy_is_replaced(corrupt_stad):
    ds = loaders.xpo1_expression("STAD")
    assert ds.provenance.sha256s == (STAD.sha256,)
    assert hashlib.sha256(corrupt_stad.read_bytes()).hexdigest() == STAD.sha256


# --- the git blob pin on a real file -----------------------------------------------------
@pytest.fixture
def chol_by_blob(mirror, tmp_path, monkeypatch):
    """A project registering the real CHOL file pinned only by its git blob id (from git)."""
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    blob = subprocess.run(["git", "hash-object", "--no-filters",
                           str(mirror / REAL["firehose-CHOL"].mirror_path)],
                          check=True, capture_output=True, text=True).stdout.strip()
    src = REAL["firehose-CHOL"]
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "sources.yaml").write_text(
        f"sources:\n  - id: {src.id}\n    url: {src.url}\n    sha256: {NO_SHA256}\n"
        f"    git_blob: {blob}\n    format: rda\n    licence: x\n    cite: [k]\n"
        f"    description: d\n    mirror: {src.mirror_path}\n    cohorts: [CHOL]\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    return blob


def test_real_cohort_verified_by_git_blob_records_its_pinned_sha256(chol_by_blob):
    src = registry.get_source("firehose-CHOL")
    assert src.git_blob == chol_by_blob == REAL["firehose-CHOL"].git_blob
    fetch.fetch(src.id)
    # the sha256 recorded after the blob check is the independently pinned one
    assert pins.recorded_sha256(src) == REAL["firehose-CHOL"].sha256
    assert pins.check(src).state == "ok"


def test_real_cohort_tampered_is_refused_before_the_cache(chol_by_blob, mirror, tmp_path,
                                                          monkeypatch):
    copy = tmp_path / "mirror" / REAL["firehose-CHOL"].mirror_path
    copy.parent.mkdir(parents=True)
    data = bytearray((mirror / REAL["firehose-CHOL"].mirror_path).read_bytes())
    data[-100] ^= 0x01  # one bit, deep in the compressed stream
    copy.write_bytes(bytes(data))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(tmp_path / "mirror"))
    src = registry.get_source("firehose-CHOL")
    with pytest.raises(ChecksumMismatch,
                       match=f"(?s)git blob id mismatch.*expected {chol_by_blob}"):
        fetch.fetch(src.id)
    assert not cachedir.cached_path(src).exists() and pins.recorded_sha256(src) is None


# --- the freeze manifest ---------------------------------------------------------------
def _book_copy(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    root.mkdir()
    for name in ("_quarto.yml", "index.qmd", "references.qmd"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "chapters", root / "chapters")
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copytree(ROOT / "tests" / "notebooks", root / "tests" / "notebooks")
    return root


def test_switching_stad_reexecutes_exactly_the_chapters_that_read_it(mirror, tmp_path):
    root = _book_copy(tmp_path)
    manifest = cache.load_manifest(root)
    readers = {c for c, e in manifest.items() if any(k.startswith("STAD/")
                                                     for k in e.get("uses", {}))}
    # the STAD chapter, the overview figures and the methods' summary of every cohort
    assert readers == {"chapters/05-malignancies.qmd", "chapters/08-esophageal.qmd",
                       "chapters/09-gastric.qmd", "chapters/methods.qmd"}
    before = {c: set(cache.change_list(root, c, manifest.get(c), modules=False))
              for c in cache.python_chapters(root)}
    decl = root / "data" / "analyses.yaml"
    text = decl.read_text(encoding="utf-8")
    decl.write_text(text.replace("STAD: {use: metagsca-STAD}", "STAD: {use: firehose-STAD}"))
    after = {c: set(cache.change_list(root, c, manifest.get(c), modules=False))
             for c in before}
    new = {c: after[c] - before[c] for c in before if after[c] - before[c]}
    assert set(new) == readers
    assert all(kind == "use" for changes in new.values() for kind, _ in changes)
    assert ("use", "data/analyses.yaml: STAD tumour-normal now uses firehose-STAD (was "
                   "metagsca-STAD)") in new["chapters/09-gastric.qmd"]


def test_a_cached_full_cohort_changes_nothing_the_commit_did_not_declare(mirror, tmp_path,
                                                                         monkeypatch):
    """Issue 11's reproducer: a file placed in the cache used to switch STAD silently."""
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    placed = cachedir.cached_path(REAL["firehose-STAD"])
    placed.parent.mkdir(parents=True)
    shutil.copy(mirror / REAL["firehose-CHOL"].mirror_path, placed)
    assert loaders.select_source("STAD", "tumour-normal").id == "metagsca-STAD"
    assert loaders.xpo1_expression("STAD").provenance.source_ids == ("metagsca-STAD",)
    assert check.run_checks(ROOT, ["data"]) == []  # an unused source is not the gate's concern
    with pytest.raises(ChecksumMismatch, match="git blob id"):
        fetch.fetch("firehose-STAD")  # and it is not the pinned file, should anyone ask
