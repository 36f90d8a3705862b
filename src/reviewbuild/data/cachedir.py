"""The cache of fetched files: where it is, and writing into it safely.

``REVIEWBUILD_CACHE`` sets the cache directory (default: ``pooch.os_cache("reviewbuild")``).
A file is written under a per-file lock (``.<name>.lock`` beside it); whatever an
interrupted fetch left (``.<name>.*.part``, ``.<name>.staging-*``) is removed by the next
one. A cache that cannot be written (full, read-only) raises CacheUnwritable naming the path.
"""

from __future__ import annotations

import errno
import glob
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from reviewbuild import atomic
from reviewbuild.data.registry import Source
from reviewbuild.exceptions import CacheUnwritable, SourceUnavailable
from reviewbuild.paths import inside

#: Staging folders of the earlier naming (``.staging-*``) older than this are removed.
STALE_AFTER = 3600.0
_DISK_ADVICE = {
    errno.ENOSPC: "the disk is full: free space on it",
    errno.EDQUOT: "your disk quota is used up: free space",
    errno.EROFS: "the file system is read-only: make it writable",
    errno.EACCES: "there is no permission to write there: fix the permissions",
    errno.EPERM: "there is no permission to write there: fix the permissions",
}


def cache_dir() -> Path:
    """Where fetched files live (``REVIEWBUILD_CACHE`` or the OS cache); CacheUnwritable if
    that path is something other than a directory."""
    env = os.environ.get("REVIEWBUILD_CACHE")
    if env:
        path = Path(env)
    else:
        import pooch

        path = Path(pooch.os_cache("reviewbuild"))
    if path.exists() and not path.is_dir() or any(p.is_file() for p in path.parents):
        what = f"REVIEWBUILD_CACHE={env}" if env else f"the cache directory {path}"
        raise CacheUnwritable(
            f"{what} is a file (or lies under one), not a directory: point REVIEWBUILD_CACHE "
            "at a directory (it is created if missing), or move the file away")
    return path


def in_cache(relative: str) -> Path:
    """A path inside the cache for the cache's own files (``.verified/...``,
    ``.derived/...``); UnsafePath if a symbolic link on the way leads out of the cache."""
    return inside(cache_dir(), relative, "the cache's own files")


def cached_path(source: Source) -> Path:
    """Where a source lives in the cache; UnsafePath if that would be outside the cache."""
    return inside(cache_dir(), source.mirror_path, f"data/sources.yaml: {source.id}: mirror")


def debris(target: Path) -> list[Path]:
    """What interrupted fetches of ``target`` left beside it: its ``.part`` files and staging
    folders, and staging folders of the earlier naming older than STALE_AFTER."""
    parent, name = target.parent, glob.escape(target.name)
    found = [*parent.glob(f".{name}.*.part"), *parent.glob(f".{name}.staging-*")]
    for path in parent.glob(".staging-*"):
        with suppress(OSError):
            if time.time() - path.stat().st_mtime > STALE_AFTER:
                found.append(path)
    return found


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with suppress(OSError):
                path.unlink(missing_ok=True)
    if paths:
        print(f"reviewbuild: removed {len(paths)} leftover(s) of an interrupted fetch in "
              f"{paths[0].parent}", file=sys.stderr)


def _lock_file(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def clean_quietly(target: Path) -> None:
    """Remove ``target``'s debris if there is any and no other process is fetching it."""
    if not debris(target):
        return
    with suppress(OSError, Timeout), FileLock(_lock_file(target), timeout=0):
        _remove(debris(target))


def _busy(target: Path) -> atomic.Busy:
    def error(lock: FileLock) -> Exception:
        return SourceUnavailable(
            f"{target}: another process has been fetching it for over {lock.timeout:g} s "
            f"(lock {lock.lock_file}); wait for it to finish or stop it")

    return error


@contextmanager
def writing(target: Path, lock_timeout: float) -> Iterator[None]:
    """Create ``target``'s folder, hold its lock (waiting up to ``lock_timeout`` seconds),
    remove debris of earlier interrupted fetches, and turn disk errors (full, read-only, no
    permission) into CacheUnwritable."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic.locked(_lock_file(target), lock_timeout, _busy(target)):
            _remove(debris(target))
            yield
    except OSError as err:
        if err.errno not in _DISK_ADVICE:
            raise
        where = err.filename or target.parent
        raise CacheUnwritable(
            f"cannot write {where} ({err.strerror}, errno {err.errno}): "
            f"{_DISK_ADVICE[err.errno]}, or set REVIEWBUILD_CACHE to a writable directory "
            "with room; then run `reviewbuild data fetch` again. Nothing cached was replaced."
        ) from err
