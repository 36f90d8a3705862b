"""What each chapter's execution depended on, and whether it changed.

A chapter's code is not all its outputs depend on: a changed data file or package function
changes them too. ``tests/notebooks/manifest.json`` (committed, written
by ``reviewbuild notebooks build``/``accept``) records per chapter:

- ``golden``: sha256 of the golden notebook the execution wrote, so that a golden notebook
  changed afterwards (by hand, by a merge) is never rendered as if the chapter had made it;
- ``code``: sha256 of the code that executes (cells, inline expressions, eval/error options;
  prose and captions excluded, so a prose-only edit re-executes nothing);
- ``modules``: a hash of every module of the engine and the book's packages the kernel had
  imported (``package/module.py``): sha256 of its syntax tree without docstrings
  (:func:`module_hash`), so that comments, docstrings and formatting re-execute nothing;
- ``data``: sha256 of every data source read (``reviewbuild.data.provenance.reads()``);
- ``uses``: every declaration of ``data/analyses.yaml`` consulted (``COHORT/analysis`` ->
  source id, or ``none: <why>``), so that switching a cohort to another source re-executes
  exactly the chapters that read that cohort's declaration, even before anything is cached;
- ``files``: sha256 of other project files read (the golden notebooks behind the claims report)
  and of project modules outside the book's packages that it imported (a shared
  ``chapters/_common.py``);
- ``packages``: the version of every installed distribution the chapter's code imported (not
  the kernel's own machinery), so that a re-lock that upgrades pandas re-executes the chapters
  that use it.

:func:`changes` tells whether a chapter's golden notebook still holds what executing it now
would give; the pre-render gate renders only those that do (:mod:`reviewbuild.notebooks.publish`).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from reviewbuild import atomic
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.notebooks.convert import (
    GOLDEN_DIR,
    chapter_code_hash,
    golden_path,
    has_python,
    parse_chapter,
)

MANIFEST = "tests/notebooks/manifest.json"
#: Every writer of the manifest holds this lock (concurrent builds must not lose entries).
MANIFEST_LOCK = "tests/notebooks/.manifest.json.lock"
LOCK_TIMEOUT = 120.0


def python_chapters(root: Path) -> list[str]:
    """Chapters listed in ``_quarto.yml`` that have Python cells or inline expressions."""
    from reviewbuild.book import chapter_files

    return [c for c in chapter_files(root)
            if (root / c).is_file() and has_python(parse_chapter(root, c))]


def load_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ReviewBuildError(f"{MANIFEST}:{err.lineno}: not valid JSON ({err.msg}); "
                              f"{_MANIFEST_FIX}") from err
    except UnicodeDecodeError as err:
        raise ReviewBuildError(f"{MANIFEST}: not UTF-8 text ({err.reason} at byte "
                              f"{err.start}); {_MANIFEST_FIX}") from err
    problem = manifest_problem(manifest)
    if problem:
        raise ReviewBuildError(f"{MANIFEST}: {problem}; {_MANIFEST_FIX}")
    return manifest


_MANIFEST_FIX = (f"restore the committed copy (`git checkout -- {MANIFEST}`), or delete it and "
                 "run `reviewbuild notebooks build` (every chapter is executed again)")
#: The fields of a manifest entry: the code's sha256, then tables of recorded inputs.
_ENTRY_TABLES = ("modules", "data", "uses", "files", "packages")


def manifest_problem(manifest: object) -> str | None:
    """What is wrong with the shape of a parsed manifest (None: nothing)."""
    if not isinstance(manifest, dict):
        return (f"is a JSON {type(manifest).__name__}, not an object mapping each chapter to "
                "its recorded inputs")
    for chapter, entry in manifest.items():
        if not isinstance(entry, dict):
            return f"the entry of {chapter} is a {type(entry).__name__}, not an object"
        bad = [k for k in ("code", "golden") if not isinstance(entry.get(k, ""), str)]
        if bad:
            return f"in the entry of {chapter}, {' and '.join(bad)} must be a sha256 string"
        bad = [k for k in _ENTRY_TABLES if not isinstance(entry.get(k, {}), dict)]
        if bad:
            return f"in the entry of {chapter}, {', '.join(bad)} must be an object"
    return None


def save_entry(root: Path, chapter: str, entry: dict[str, Any] | None) -> None:
    """Record (or, with ``None``, forget) a chapter's inputs in the manifest: read, changed
    and written under the manifest's lock, so that concurrent builds lose no entry."""
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic.locked(root / MANIFEST_LOCK, LOCK_TIMEOUT, _manifest_busy):
        atomic.remove_leftovers(path)  # interrupted writes: nobody else writes it now
        manifest = load_manifest(root)
        if entry is None:
            manifest.pop(chapter, None)
        else:
            manifest[chapter] = entry
        atomic.write_text(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _manifest_busy(_lock: object) -> ReviewBuildError:
    return ReviewBuildError(
        f"{MANIFEST}: another `reviewbuild notebooks` run has held {MANIFEST_LOCK} for over "
        f"{LOCK_TIMEOUT:g} s; wait for it to finish (or stop it) and run again")


def _sha_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _canonical(node: object) -> object:
    """A syntax tree as plain data: node names and their non-empty fields (no positions), so
    that fields a newer Python adds empty (``type_params``) change nothing."""
    if isinstance(node, ast.AST):
        fields = [(name, _canonical(value)) for name in node._fields
                  if (value := getattr(node, name, None)) is not None and value != []]
        return [type(node).__name__, fields]
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    return repr(node)


def module_hash(path: Path) -> str:
    """sha256 of what a module does: its syntax tree (no comments, layout or line numbers)
    without docstrings; the file's bytes if it does not parse; ``missing``.

    A chapter that reads a docstring (``f.__doc__``) is not re-executed when it changes, and
    ``365.25 / 12`` rewritten as ``30.4375`` is a change (the tree differs)."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _module_hash(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _module_hash(path: Path, _mtime_ns: int, _size: int) -> str:
    """:func:`module_hash` of one version of a file (each chapter imports the same modules)."""
    data = path.read_bytes()
    try:
        tree = _without_docstrings(ast.parse(data, filename=str(path)))
    except (SyntaxError, ValueError):
        return hashlib.sha256(data).hexdigest()
    text = json.dumps(_canonical(tree), separators=(",", ":"))
    return "ast:" + hashlib.sha256(text.encode()).hexdigest()


def _module_changed(path: Path, recorded: str) -> bool:
    """Whether a module differs from its record (a record of the file's bytes, as manifests
    written before :func:`module_hash` hold, still counts when the bytes are the same)."""
    return recorded != module_hash(path) and recorded != _sha_file(path)


def module_file(key: str) -> Path:
    """The file of a recorded module, ``package/module.py``, wherever the package is installed."""
    spec = importlib.util.find_spec(key.partition("/")[0])
    if spec is None or not spec.origin:
        return Path(key)  # the package is gone: hashed as "missing"
    return Path(spec.origin).resolve().parent.parent / key


def entry_for(root: Path, chapter: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry of an execution that read ``inputs`` (from ``runtime.collect``),
    with the sha256 of the golden notebook it wrote (``golden``)."""
    return {
        "code": chapter_code_hash(root, chapter),
        "golden": _sha_file(golden_path(root, chapter)),
        "modules": {m: module_hash(module_file(m)) for m in inputs.get("modules", [])},
        "data": {sid: sha for sid, sha in inputs.get("data", [])},
        "uses": {key: value for key, value in inputs.get("uses", [])},
        "files": {p: sha for p, sha in inputs.get("files", [])},
        "packages": {name: version for name, version in inputs.get("packages", [])},
    }


@functools.lru_cache(maxsize=1024)
def installed_version(dist: str) -> str:
    """The installed version of a distribution, or ``not installed`` (looked up once per
    process: nothing is installed while a command runs)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def current_data_sha(root: Path, source_id: str) -> str | None:
    """The sha256 a source would have if read now: its pin, else its cached file's hash."""
    try:
        from reviewbuild.data import cachedir, pins, registry
    except ImportError:
        return None
    sources = registry.load_registry(root / "data" / "sources.yaml")
    src = sources.get(source_id)
    if src is None:
        return "unregistered"
    if src.sha256:
        return src.sha256
    path = cachedir.cached_path(src)
    if not path.is_file():
        return "not cached"
    return "fails its pin" if pins.pin_problem(src, path) else pins.sha256_file(path)


def current_use(root: Path, key: str) -> str:
    """What ``data/analyses.yaml`` declares now for ``COHORT/analysis`` (see ``uses``)."""
    from reviewbuild.data import declared

    cohort, _, analysis = key.partition("/")
    decl = declared.declarations(root)
    if cohort not in decl.cohorts or analysis not in decl.analyses:
        return "undeclared"
    return decl.uses[(cohort, analysis)].value


def change_list(root: Path, chapter: str, entry: dict[str, Any] | None,
                modules: bool = True) -> list[tuple[str, str]]:
    """(kind, message) for each input of ``chapter`` that changed since it was recorded.

    Kinds: ``record`` (nothing recorded), ``code``, ``edited`` (the golden notebook is not the
    one the execution wrote), ``module``, ``package`` (an imported
    distribution at another version), ``data``, ``use`` (a
    declaration in data/analyses.yaml), ``file`` (a project file such as data/trials.csv)
    and ``golden`` (a golden notebook a report chapter reads).
    """
    if not entry:
        return [("record", f"no record in {MANIFEST}")]
    out = []
    if entry.get("code") != chapter_code_hash(root, chapter):
        out.append(("code", "its code changed"))
    golden = golden_path(root, chapter)
    if golden.is_file() and entry.get("golden") != _sha_file(golden):
        out.append(("edited", f"{golden.relative_to(root).as_posix()} is not the notebook its "
                              "execution wrote (changed by hand or by a merge)"))
    if modules:
        out += [("module", f"package module {m} changed")
                for m, sha in entry.get("modules", {}).items()
                if _module_changed(module_file(m), sha)]
    out += [("package", f"package {name} {version} is now {installed_version(name)}")
            for name, version in entry.get("packages", {}).items()
            if installed_version(name) != version]
    out += [("data", f"data source {sid} changed") for sid, sha in entry.get("data", {}).items()
            if current_data_sha(root, sid) != sha]
    for key, value in entry.get("uses", {}).items():
        now = current_use(root, key)
        if now != value:
            out.append(("use", f"data/analyses.yaml: {key.replace('/', ' ')} now uses "
                               f"{now.split(':')[0]} (was {value.split(':')[0]})"))
    out += [("golden" if p.startswith(GOLDEN_DIR + "/") else "file", f"{p} changed")
            for p, sha in entry.get("files", {}).items() if _sha_file(root / p) != sha]
    return out


def changes(root: Path, chapter: str, entry: dict[str, Any] | None,
            modules: bool = True) -> list[str]:
    """Why ``chapter``'s recorded execution is out of date (empty: it is current).

    ``modules=False`` ignores package changes (nbval re-executes and compares those).
    """
    return [message for _, message in change_list(root, chapter, entry, modules)]


def stale_chapters(root: Path, modules: bool = True) -> list[str]:
    """Python chapters whose golden notebook is missing or whose inputs changed."""
    manifest = load_manifest(root)
    return [c for c in python_chapters(root)
            if not golden_path(root, c).is_file()
            or changes(root, c, manifest.get(c), modules=modules)]
