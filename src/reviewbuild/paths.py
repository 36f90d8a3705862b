"""Where the project's files live."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from reviewbuild.exceptions import NoProjectRoot, UnsafePath


def project_root() -> Path:
    """The book's root: ``REVIEWBUILD_ROOT`` if set (an existing directory), else the
    nearest parent holding ``_quarto.yml``; NoProjectRoot (a FileNotFoundError) says how to
    fix it."""
    if env := os.environ.get("REVIEWBUILD_ROOT"):
        root = Path(env).resolve()
        if not root.is_dir():
            raise NoProjectRoot(
                f"REVIEWBUILD_ROOT={env} is not a directory: point it at the book's root (the "
                "folder holding _quarto.yml), or unset it to use the book around the current "
                "directory")
        return root
    for start in (Path.cwd(), Path(__file__).resolve()):
        for parent in [start, *start.parents]:
            if (parent / "_quarto.yml").is_file():
                return parent
    raise NoProjectRoot(
        "cannot find the book's root (_quarto.yml): run from inside the project "
        "or set REVIEWBUILD_ROOT"
    )


def escape_reason(relative: str) -> str | None:
    """Why ``relative`` (a POSIX path from a file we read) could leave its base, or None."""
    if not relative.strip():
        return "it is empty"
    if "\\" in relative or PureWindowsPath(relative).drive:
        return "use forward slashes and no drive letter"
    path = PurePosixPath(relative)
    if path.is_absolute():
        return "it is absolute"
    if ".." in path.parts:
        return "it contains '..'"
    return None


def inside(base: Path, relative: str, what: str, *, links: bool = True) -> Path:
    """``base / relative``, or UnsafePath naming ``what`` if it would leave ``base``
    (absolute, ``..``, or, with ``links``, through a symbolic link pointing out of ``base``;
    pass ``links=False`` for a place only read from, such as a mirror made of symlinks)."""
    why = escape_reason(relative)
    path = base / relative
    if why is None and links and not path.resolve().is_relative_to(base.resolve()):
        why = "a symbolic link on the way leads out of it"
    if why:
        raise UnsafePath(f"{what}: path {relative!r} must stay inside {base} ({why}); "
                         "give a path relative to that directory")
    return path
