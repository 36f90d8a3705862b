"""What one chapter's execution may use: time per cell, memory, printed output, disk.

Every bound has a setting (an environment variable) and a message naming it when hit:

- ``REVIEWBUILD_CELL_TIMEOUT``: seconds one cell may run (default 1800). Quarto (1.10) has no
  execute option for this: its Jupyter runner waits on a cell without limit, so this setting
  bounds the engine's executions only.
- ``REVIEWBUILD_KERNEL_MEMORY``: the kernel's address space (``8G`` by default; ``0`` for no
  limit), set with ``RLIMIT_AS`` on the kernel process (Linux); a cell that needs more gets
  ``MemoryError``.
- ``REVIEWBUILD_MAX_CELL_OUTPUT``: characters of stream output (print, logging) kept per cell
  (default 200,000); the rest is dropped with a visible note, as Jupyter front ends do.
- ``REVIEWBUILD_MAX_GOLDEN``: bytes of one golden notebook (default 20 MB); a larger one is
  refused, not written.

Cells are not sandboxed: like Quarto, the engine runs a chapter's code with the author's
rights, and it can read and write any file the user can.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from reviewbuild.exceptions import ReviewBuildError

#: Prefix of the private directories of the kernels' sockets (``/tmp/rb-kernel-<pid>-...``).
SOCKETS_PREFIX = "rb-kernel-"
#: A sockets directory without a live owner and older than this (seconds) is a leftover.
STALE_AFTER = 600.0
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?\s*$")
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def _setting(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _size(name: str, default: str) -> int:
    text = _setting(name, default)
    match = _SIZE.match(text)
    if not match:
        raise ReviewBuildError(f"{name}={text!r}: not a size; write e.g. 8G, 512M or 0 "
                               "(no limit)")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def _number(name: str, default: str) -> float:
    text = _setting(name, default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ReviewBuildError(f"{name}={text!r}: give a positive number of seconds")
    return value


def cell_timeout() -> int:
    """Seconds a cell may run (``REVIEWBUILD_CELL_TIMEOUT``, default 1800)."""
    return int(_number("REVIEWBUILD_CELL_TIMEOUT", "1800"))


def kernel_memory() -> int:
    """Bytes of address space a kernel may use (0: no limit)."""
    return _size("REVIEWBUILD_KERNEL_MEMORY", "8G")


def max_cell_output() -> int:
    """Characters of stream output kept per cell."""
    return _size("REVIEWBUILD_MAX_CELL_OUTPUT", "200000")


def max_golden() -> int:
    """Bytes a golden notebook may have."""
    return _size("REVIEWBUILD_MAX_GOLDEN", "20M")


def limit_memory(pid: int, limit: int) -> bool:
    """Set ``RLIMIT_AS`` of process ``pid`` (Linux); False where that cannot be done."""
    if limit <= 0 or not sys.platform.startswith("linux"):
        return False
    import resource

    resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    return True


def truncation_note(dropped_from: int) -> str:
    return (f"\n[reviewbuild: output truncated: this cell printed more than {dropped_from:,} "
            "characters; the rest is not kept (REVIEWBUILD_MAX_CELL_OUTPUT)]\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sockets_dir() -> str:
    """A new private directory for a kernel's sockets, named after this process."""
    return tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-")


def remove_stale_sockets(base: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete the sockets directories of runs that were killed: those whose process is gone
    (or that name none) and that are older than :data:`STALE_AFTER`; return them."""
    base = Path(base or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    for path in base.glob(f"{SOCKETS_PREFIX}*"):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if (not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid()
                or now - info.st_mtime < STALE_AFTER):
            continue
        owner = path.name[len(SOCKETS_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and _alive(int(owner)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
