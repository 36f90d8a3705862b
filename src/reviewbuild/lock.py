"""``uv.lock``, read without uv: the pinned versions, and ``environment.yml`` made from them.

``python -m reviewbuild.lock`` rewrites ``environment.yml`` (``scripts/upgrade.sh`` runs it);
``tests/unit/test_lock.py`` fails when the two disagree.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from reviewbuild import yamlsafe
from reviewbuild.atomic import write_text
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.paths import project_root
from reviewbuild.pyproject import distribution

#: The Python and platforms ``environment.yml`` is written for (conda users).
CONDA_PYTHON = "3.11"
PLATFORMS = {"linux": "Linux", "darwin": "Darwin"}
HEADER = """\
# Generated from uv.lock by `python -m reviewbuild.lock` (scripts/upgrade.sh runs it): do not edit.
# The versions of uv.lock for conda users; Quarto as in .github/workflows/book.yml.
#   conda env create -f environment.yml && conda activate xpo1review
"""


def read_lock(lock: Path) -> dict[str, Any]:
    """The parsed ``uv.lock``; a clear error when it is missing or not TOML."""
    try:
        return tomllib.loads(lock.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ReviewBuildError(f"{lock}: cannot read the lock file ({err}); restore it with "
                              "`git checkout uv.lock` or re-create it with `uv lock`") from err


def _is_project(package: Mapping[str, Any]) -> bool:
    source = package.get("source", {})
    return "editable" in source or "virtual" in source


def locked_versions(lock: Path, environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """Package -> version that ``uv.lock`` pins for ``environment`` (default: this Python).

    A package locked at several versions (one per Python or platform fork) is resolved by its
    ``resolution-markers``; the project itself (an editable or virtual source) is left out.
    """
    env = dict(environment) if environment is not None else None
    pins: dict[str, str] = {}
    for package in read_lock(lock).get("package", []):
        markers = package.get("resolution-markers")
        if _is_project(package) or (markers and not any(Marker(m).evaluate(env)
                                                        for m in markers)):
            continue
        pins[canonicalize_name(package["name"])] = package["version"]
    return pins


def locked_closure(lock: Path, extras: tuple[str, ...] = (),
                   environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """Package -> version of what ``uv sync --frozen`` installs with ``extras`` in
    ``environment``: the project's dependencies in ``uv.lock``, followed transitively."""
    env = {"extra": "", **environment} if environment is not None else None
    packages = read_lock(lock).get("package", [])
    by_name: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        by_name.setdefault(package["name"], []).append(package)
    todo = [(p, extras) for p in packages if _is_project(p)]
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    pins: dict[str, str] = {}
    while todo:
        package, wanted = todo.pop()
        key = (package["name"], package["version"], wanted)
        if key in seen:
            continue
        seen.add(key)
        if not _is_project(package):
            pins[canonicalize_name(package["name"])] = package["version"]
        deps = list(package.get("dependencies", []))
        for extra in wanted:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        for dep in deps:
            if "marker" in dep and not Marker(dep["marker"]).evaluate(env):
                continue
            found = [c for c in by_name[dep["name"]]
                     if dep.get("version", c["version"]) == c["version"]]
            todo.append((found[0], tuple(dep.get("extra", ()))))
    return pins


def environment(platform: str, python: str = CONDA_PYTHON) -> dict[str, str]:
    """Marker variables of CPython ``python`` on ``platform`` (a key of ``PLATFORMS``)."""
    return {"python_version": python, "python_full_version": f"{python}.0",
            "sys_platform": platform, "platform_system": PLATFORMS[platform],
            "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def workflow_quarto(root: Path) -> str:
    """The Quarto version the GitHub workflow installs (``env.QUARTO_VERSION``)."""
    path = root / ".github" / "workflows" / "book.yml"
    try:
        return str(yamlsafe.read(path)[0]["env"]["QUARTO_VERSION"])
    except (KeyError, TypeError, ReviewBuildError) as err:
        raise ReviewBuildError(f"{path}: no env.QUARTO_VERSION ({err})") from err


def pip_pins(lock: Path) -> list[str]:
    """``name==version`` per package ``uv sync --frozen --extra test`` installs, with a
    ``sys_platform`` marker where only one platform needs it."""
    per_platform = {p: locked_closure(lock, ("test",), environment(p)) for p in PLATFORMS}
    lines = []
    for name in sorted(set().union(*per_platform.values())):
        versions = {p: pins[name] for p, pins in per_platform.items() if name in pins}
        for version in sorted(set(versions.values())):
            on = [p for p, v in versions.items() if v == version]
            marker = "" if len(on) == len(PLATFORMS) else f" ; sys_platform == '{on[0]}'"
            lines.append(f"{name}=={version}{marker}")
    return lines


def conda_environment(root: Path) -> str:
    """The text of ``environment.yml``: Python, Quarto, and every locked package via pip."""
    body = {"name": distribution(root), "channels": ["conda-forge"],
            "dependencies": [f"python={CONDA_PYTHON}", f"quarto={workflow_quarto(root)}",
                             "pip", {"pip": [*pip_pins(root / "uv.lock"), "-e ."]}]}
    return HEADER + yaml.safe_dump(body, sort_keys=False, width=200)


def _all_versions(lock: Path) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for package in read_lock(lock).get("package", []):
        if not _is_project(package):
            versions.setdefault(canonicalize_name(package["name"]), set()).add(package["version"])
    return versions


def version_changes(old: Path, new: Path) -> list[str]:
    """One line per package added, removed or at another version in ``new`` than ``old``."""
    before, after = _all_versions(old), _all_versions(new)
    lines = []
    for name in sorted(before.keys() | after.keys()):
        was, now = ", ".join(sorted(before.get(name, ()))), ", ".join(sorted(after.get(name, ())))
        if was != now:
            lines.append(f"{name}: {was or '(not locked)'} -> {now or '(removed)'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reviewbuild.lock",
                                     description="write environment.yml from uv.lock")
    parser.add_argument("--changes", metavar="OLD_LOCK", type=Path,
                        help="instead: list the versions uv.lock changed since OLD_LOCK "
                             "(exit 3 when none did)")
    args = parser.parse_args(argv)
    root = project_root()
    if args.changes:
        changes = version_changes(args.changes, root / "uv.lock")
        print("\n".join(changes) if changes else "no package changed version")
        return 0 if changes else 3
    write_text(root / "environment.yml", conda_environment(root))
    print(f"{root / 'environment.yml'}: written from uv.lock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
