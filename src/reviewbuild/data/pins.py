"""A source's pins (sha256 and/or git blob id) and checking a file against them.

A file is verified *before* it is moved into the cache (:func:`install`), so a partial,
corrupt or wrong file never replaces a good cached one. A source pinned only by its git
blob id gets the sha256 of its verified file recorded in ``<cache>/.verified/<id>.json``
(written atomically, after the blob check, keyed by url and blob id): only a file with
exactly that sha256 is trusted without recomputing the blob id, so the record never vouches
for an unverified file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from reviewbuild import atomic
from reviewbuild.data.cachedir import cached_path, in_cache
from reviewbuild.data.registry import Source, get_source, load_registry
from reviewbuild.exceptions import ChecksumMismatch
from reviewbuild.paths import inside

CHUNK = 1 << 20
_MEMO: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path, *, memo: bool = True) -> str:
    """Hex sha256 of a file; memoised per (path, size, mtime) unless ``memo=False``."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if memo and key in _MEMO:
        return _MEMO[key]
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    _MEMO[key] = digest.hexdigest()
    return _MEMO[key]


def git_blob_id(path: Path) -> str:
    """The file's git blob id, as ``git hash-object`` prints it: SHA-1 of
    ``b"blob <size>\\0"`` followed by the bytes (an object id, not a security hash)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def record_path(source: Source) -> Path:
    """Where the sha256 of a git-blob-verified file is recorded (beside the cache)."""
    return in_cache(f".verified/{source.id}.json")


def recorded_sha256(source: Source) -> str | None:
    """The sha256 recorded when this source's file passed its git blob check, if any (a
    record for another url or blob id, or an unreadable one, counts as none)."""
    try:
        rec = json.loads(record_path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or (rec.get("url"), rec.get("git_blob")) != (
            source.url, source.git_blob):
        return None
    sha = rec.get("sha256")
    return sha if isinstance(sha, str) and len(sha) == 64 else None


def record_sha256(src: Source, path: Path) -> None:
    """After ``path`` passed the git blob check: record its sha256 (once, atomically)."""
    if src.git_blob is None or src.sha256 is not None:
        return
    sha = sha256_file(path)
    if recorded_sha256(src) == sha:
        return
    rec = {"source": src.id, "url": src.url, "git_blob": src.git_blob, "sha256": sha,
           "size": path.stat().st_size}
    atomic.write_text(record_path(src), json.dumps(rec, indent=1) + "\n")
    print(f"reviewbuild: {src.id} matches its git blob id {src.git_blob}; its sha256 {sha} is "
          f"recorded in {record_path(src)} (to pin it in the repository as well, add "
          "`sha256:` to its entry in data/sources.yaml)", file=sys.stderr)


def pin_problem(src: Source, path: Path, *, trust_record: bool = True,
                memo: bool = True) -> tuple[str, str, str] | None:
    """(kind, expected, actual) of the first pin ``path`` fails, or None if it passes them
    all (an unpinned source has none). ``trust_record``: a file whose sha256 is the one
    recorded after an earlier blob check passes without recomputing the blob id."""
    if src.sha256 is not None:
        actual = sha256_file(path, memo=memo)
        if actual != src.sha256:
            return "sha256", src.sha256, actual
    if src.git_blob is not None:
        if (trust_record and src.sha256 is None
                and recorded_sha256(src) == sha256_file(path, memo=memo)):
            return None
        actual = git_blob_id(path)
        if actual != src.git_blob:
            return "git blob id", src.git_blob, actual
    return None


def mismatch(label: str, path: Path | str, expected: str, actual: str,
             source_id: str, kind: str = "sha256") -> ChecksumMismatch:
    """A ChecksumMismatch whose message says what to do."""
    err = ChecksumMismatch(
        f"{label}: {kind} mismatch for {path}\n"
        f"  expected {expected}\n  actual   {actual}\n"
        "  The file is truncated, corrupt or not the registered file; nothing cached was "
        "replaced.\n  What to do: delete the bad file and run "
        f"`reviewbuild data fetch {source_id}` (or fix the mirror); if the source really "
        f"changed upstream, review it and update its {kind} in data/sources.yaml."
    )
    err.path, err.expected, err.actual, err.source_id = path, expected, actual, source_id
    return err


def install(tmp: Path, target: Path, src: Source, origin: Path | str) -> None:
    """Move a verified temp file into place; delete it and raise if it fails the check."""
    problem = pin_problem(src, tmp, trust_record=False, memo=False)
    if problem is not None:
        tmp.unlink(missing_ok=True)
        raise mismatch(src.id, origin, problem[1], problem[2], src.id, kind=problem[0])
    tmp.chmod(0o666 & ~atomic.umask())  # temporary files are 0600; a cached file is 0644
    os.replace(tmp, target)
    record_sha256(src, target)


@dataclass(frozen=True)
class Check:
    """The state of one source's file: ok, mismatch, missing or unpinned."""

    source_id: str
    path: Path
    state: str
    expected: str | None
    actual: str | None
    size: int | None


def check(source: Source, root: Path | None = None) -> Check:
    """Re-hash one source's file under ``root`` (default: the cache)."""
    path = (inside(root, source.mirror_path, f"data/sources.yaml: {source.id}: mirror",
                   links=False) if root is not None else cached_path(source))
    if not path.is_file():
        return Check(source.id, path, "missing", source.sha256, None, None)
    actual = sha256_file(path, memo=False)
    size = path.stat().st_size
    if not source.pinned:
        return Check(source.id, path, "unpinned", None, actual, size)
    problem = pin_problem(source, path)
    if problem is not None:
        kind, expected, got = problem
        label = "" if kind == "sha256" else f"{kind} "
        return Check(source.id, path, "mismatch", label + expected, label + got, size)
    return Check(source.id, path, "ok", source.sha256 or f"git blob id {source.git_blob}",
                 actual, size)


def verify(ids: list[str] | None = None, root: Path | None = None) -> list[Check]:
    """Re-hash every (or the given) source under ``root`` (default: the cache)."""
    sources = [get_source(i) for i in ids] if ids else list(load_registry().values())
    return [check(s, root) for s in sources]
