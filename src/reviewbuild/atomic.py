"""Writing files so that a reader never sees a half-written one, and the lock writers hold."""

from __future__ import annotations

import functools
import glob
import os
import stat
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
    try:
        os.fchmod(fd, file_mode(target))  # mkstemp makes 0600; others may read what we write
    finally:
        os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def file_mode(target: Path) -> int:
    """The mode a new ``target`` gets: an existing file's, else 0666 less the umask (0644 as
    usual)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~umask()


@functools.cache
def umask() -> int:
    """This process's umask (read once: setting it back at once is the only portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(target: Path, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` atomically unless it holds exactly that already (a file
    rewritten on every run would look changed to every tool that watches it); whether it
    wrote."""
    if target.is_file() and target.read_bytes() == data:
        return False
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return True


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
