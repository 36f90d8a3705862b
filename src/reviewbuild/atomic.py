"""Writing files so that a reader never sees a half-written one, and the lock writers hold."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

#: Makes the error raised when a lock stays held (it may name ``lock.lock_file``, ``lock.timeout``).
Busy = Callable[[FileLock], Exception]


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``: it replaces ``target`` if the block succeeds and is
    removed if it fails, so ``target`` is either the old file or the complete new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def leftovers(target: Path, older_than: float = 0.0) -> list[Path]:
    """Temporary files that interrupted writes of ``target`` left beside it (``.<name>.*.tmp``),
    those last modified more than ``older_than`` seconds ago."""
    found = []
    for path in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            if time.time() - path.stat().st_mtime >= older_than:
                found.append(path)
        except FileNotFoundError:
            continue
    return found


def remove_leftovers(target: Path, older_than: float = 0.0) -> list[Path]:
    """Delete :func:`leftovers`; call with ``older_than=0`` only while holding the lock that
    every writer of ``target`` holds (else a write in progress could lose its file)."""
    found = leftovers(target, older_than)
    for path in found:
        path.unlink(missing_ok=True)
    return found


@contextmanager
def locked(lock_file: Path, timeout: float, busy: Busy) -> Iterator[None]:
    """Hold the file lock ``lock_file`` for the block; if another process keeps it for over
    ``timeout`` seconds, raise ``busy(lock)`` instead (an error saying what to wait for)."""
    lock = FileLock(lock_file, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise busy(lock) from None
    try:
        yield
    finally:
        lock.release()
