"""Values computed once and kept in the cache, under a key that covers the code computing them.

:func:`remembered` returns ``build()``, kept in the cache's ``.derived`` folder under a name
(what the value is: a source's parsed table), the inputs it was computed from (a file's
sha256, a digest of arrays) and :func:`code_hash`: the source files of the package that
defines ``build`` and of the engine's data package, and every installed distribution's
version. A parser or analysis edited since, a file updated or a library upgraded is never
answered from the cache; an unreadable entry is computed again, and a cache that cannot be
written only means computing each time. Writing a value removes what the same name held under
other inputs or code, so the cache does not grow with edits and updates (a value named by its
inputs alone, as a permutation search is, stays until the cache is cleared).

A computation kept here must not be the first to import a library (a limma fit importing
inmoose, a validation making pandera import hypothesis): the chapter's record of the libraries
it used (which an upgrade re-executes) would then depend on whether the value was cached.
``tests/unit/test_remembered.py`` runs every one of the book's from an empty cache to check."""

from __future__ import annotations

import glob
import hashlib
import pickle
import re
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from reviewbuild.atomic import atomic_path
from reviewbuild.data.cachedir import in_cache
from reviewbuild.exceptions import ReviewBuildError

T = TypeVar("T")


def remembered(name: str, build: Callable[[], T], inputs: str = "") -> T:
    """``build()``, computed once per ``name``, ``inputs`` and :func:`code_hash` of ``build``."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", name) + "-"  # a file name, whatever a gene is called
    version = hashlib.sha256(f"{name}\0{inputs}\0{code_hash(build)}".encode()).hexdigest()
    target = in_cache(f".derived/{stem}{version[:16]}.pkl")
    if target.is_file():
        try:
            with target.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # unreadable (truncated, or not a pickle): compute it again
            target.unlink(missing_ok=True)
    value = build()
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        _remove_other_versions(target, stem)
    except OSError:  # a cache that cannot be written (full, read-only): computed each time
        pass
    return value


def code_hash(build: Callable[..., object]) -> str:
    """sha256 of the code a remembered value depends on: the source files of the package that
    defines ``build`` and of the engine's data package, and the installed distributions with
    their versions (the environment's ``*.dist-info`` folders)."""
    digest = hashlib.sha256()
    for path in sorted({*_package_files(build), *_package_files(code_hash)}):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    for lib in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        digest.update("\0".join(sorted(glob.glob("*.dist-info", root_dir=lib))).encode())
    return digest.hexdigest()


def _package_files(function: Callable[..., object]) -> list[Path]:
    """The source files of the package defining ``function`` (its module's file outside one)."""
    module = sys.modules.get(function.__module__)
    file = getattr(module, "__file__", None)
    if not file:
        raise ReviewBuildError(
            f"{function.__qualname__} is defined in {function.__module__}, which has no source "
            "file, so its code cannot key a remembered value: define it in a module of a package")
    spec = module.__spec__
    return sorted(Path(file).parent.rglob("*.py")) if spec and spec.parent else [Path(file)]


def _remove_other_versions(target: Path, stem: str) -> None:
    """Remove the values ``stem`` had under other inputs or code."""
    version = re.compile(re.escape(stem) + r"[0-9a-f]{16}\.pkl")
    for old in target.parent.glob(f"{glob.escape(stem)}*.pkl"):
        if old != target and version.fullmatch(old.name):
            old.unlink(missing_ok=True)
