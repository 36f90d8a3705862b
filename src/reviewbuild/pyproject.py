"""The book's ``pyproject.toml``: the Python distribution that installs it, and what the book
adds to the engine (its own commands and gate checks)::

    [tool.reviewbuild]
    commands = { trials = "mybook.trials.commands" }      # modules with register()
    checks = { curated = "mybook.trials.curated:check" }  # (root) -> list of problems
    preload = ["pandas", "matplotlib.pyplot"]             # imported by every chapter's kernel

A book without that table (such as the fixture book of the tests) gets the engine's alone.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import re
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from reviewbuild.exceptions import ReviewBuildError

Check = Callable[[Path], list[str]]
#: The engine's top-level package.
ENGINE = __name__.partition(".")[0]


def _read(root: Path) -> dict:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ReviewBuildError(f"{path}: not valid TOML ({err})") from err


#: Where the engine hands its :func:`import_owners` to the kernels it starts, which would
#: otherwise each repeat the scan (0.2-0.5 s per chapter).
OWNERS_ENV = "REVIEWBUILD_IMPORT_OWNERS"


@functools.cache
def import_owners() -> dict[str, list[str]]:
    """Top-level import names -> distributions: a scan of every installed one, or the scan
    :func:`handed_owners` passed to this process from the same environment."""
    handed = json.loads(os.environ.get(OWNERS_ENV) or "{}")
    if handed.get("prefix") == sys.prefix and isinstance(handed.get("owners"), dict):
        return handed["owners"]
    return metadata.packages_distributions()


def handed_owners() -> dict[str, str]:
    """The environment variable that hands this process's :func:`import_owners` to a child
    process; the child uses it only if it runs in the same environment (``sys.prefix``)."""
    return {OWNERS_ENV: json.dumps({"prefix": sys.prefix, "owners": import_owners()})}


def distribution(root: Path) -> str:
    """The distribution whose dependencies the book needs: ``[project] name``, or (a book
    without its own pyproject.toml) the one that installed the engine."""
    name = _read(root).get("project", {}).get("name")
    if isinstance(name, str) and name:
        return name
    return import_owners()[ENGINE][0]


def packages(root: Path) -> list[str]:
    """Top-level packages whose modules are a chapter's inputs: the engine's and those of the
    book's distribution."""
    dist = distribution(root)
    own = [pkg for pkg, dists in import_owners().items() if dist in dists]
    return sorted({ENGINE, *own})


@functools.cache
def requirement_closure(dist: str) -> frozenset[str]:
    """``dist`` and every distribution it needs, recursively (canonical names)."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = [Requirement(r) for r in metadata.requires(name) or []]
        except metadata.PackageNotFoundError:
            continue
        todo += [r.name for r in reqs if not r.marker or r.marker.evaluate({"extra": ""})]
    return frozenset(seen)


def _table(root: Path, key: str) -> dict[str, str]:
    path = root / "pyproject.toml"
    table = _read(root).get("tool", {}).get("reviewbuild", {}).get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ReviewBuildError(f"{path}: [tool.reviewbuild] {key} must map names to "
                              "module paths, e.g. { trials = \"mybook.trials.commands\" }")
    return table


def _import(root: Path, key: str, name: str, target: str) -> ModuleType:
    module = target.partition(":")[0]
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ReviewBuildError(
            f"{root / 'pyproject.toml'}: [tool.reviewbuild] {key}.{name} names {module!r}, "
            f"which cannot be imported ({err}); fix the name or install the package") from err


def command_modules(root: Path) -> dict[str, str]:
    """The book's commands: name -> module with ``register(subparsers)``."""
    return _table(root, "commands")


def checks(root: Path) -> dict[str, Check]:
    """The book's gate checks: name -> function ``(root) -> list of problems``."""
    out = {}
    for name, target in _table(root, "checks").items():
        attr = target.partition(":")[2] or "check"
        func = getattr(_import(root, "checks", name, target), attr, None)
        if not callable(func):
            raise ReviewBuildError(f"{root / 'pyproject.toml'}: [tool.reviewbuild] checks.{name}"
                                  f" names {target!r}, which is not a function")
        out[name] = func
    return out


_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def preload(root: Path) -> list[str]:
    """Libraries every chapter's kernel imports before the chapter's first cell
    (``[tool.reviewbuild] preload``), so that a fork server can import them once per build
    (:mod:`reviewbuild.notebooks.forkserver`). Each chapter is then recorded as using them."""
    names = _read(root).get("tool", {}).get("reviewbuild", {}).get("preload", [])
    return checked_preload(root, names, f"{root / 'pyproject.toml'}: [tool.reviewbuild] preload")


def checked_preload(root: Path, names: object, where: str) -> list[str]:
    """``names`` if it lists importable libraries by module name (not the book's own
    modules); else ReviewBuildError starting with ``where`` (which list it is)."""
    if not isinstance(names, list) or not all(isinstance(n, str) and _MODULE.fullmatch(n)
                                              for n in names):
        raise ReviewBuildError(f'{where} must list module names, e.g. ["pandas", '
                              '"matplotlib.pyplot"]')
    own = set(packages(root))
    if inside := [n for n in names if n.partition(".")[0] in own]:
        raise ReviewBuildError(
            f"{where} names the book's own modules ({', '.join(inside)}): their code is an "
            "input of the chapters that import it; list libraries only")
    if missing := [n for n in names if importlib.util.find_spec(n.partition(".")[0]) is None]:
        raise ReviewBuildError(f"{where} names {', '.join(missing)}, not installed in this "
                              "environment: install it (add it to the book's dependencies) "
                              "or remove it from the list")
    return names
