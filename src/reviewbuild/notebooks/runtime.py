"""Kernel-side helpers for the notebooks built from chapters (not used by chapters themselves).

``enter_chapter`` is the first cell of every generated notebook: it moves to the chapter's
directory (as Quarto runs a chapter there, also when nbval starts the kernel in
``tests/notebooks``), records which project files the chapter opens (curated tables such as
``data/trials.csv``), and makes every matplotlib figure print a fingerprint of the data it
shows, which nbval compares instead of PNG bytes. ``collect`` reports what the execution read
and every claim it made. What an execution did is kept in :mod:`reviewbuild.session`, which
``enter_chapter`` starts afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from reviewbuild import canonical, session
from reviewbuild.paths import project_root
from reviewbuild.pyproject import (
    ENGINE,
    distribution,
    import_owners,
    packages,
    requirement_closure,
)

_installed = False
_root: Path | None = None
_paused = False
#: Top-level folders of the book whose files are not inputs of a chapter's results.
#: (Golden notebooks under tests/ that a report reads are recorded by :func:`record_read`.)
_NOT_INPUTS = {"src", ".venv", ".git", "_freeze", ".quarto", "_book", ".cache",
               "tests"}
#: Files recorded per entry instead (the manifest's ``uses``), so that changing one cohort's
#: declaration re-executes only the chapters that read it.
_FINE_GRAINED = {"data/analyses.yaml"}


def enter_chapter(chapter: str, warnings: bool = True, preload: Iterable[str] = ()) -> None:
    """Change to the directory of ``chapter`` (path relative to the book's root).

    ``warnings=False`` hides Python warnings, as Quarto's ``execute: warning: false``.
    ``preload``: the book's preloaded libraries (:func:`import_preloaded`), imported here unless a
    fork server already did.
    """
    global _root
    _root = project_root()
    session.reset(engine=True, expected=Path(chapter).stem)
    os.chdir(_root / Path(chapter).parent)
    _watch_project_files()
    for path, mode in _preload_opened:  # what a fork server's imports read
        _hook("open", (path, mode))
    import_preloaded(preload)  # in a kernel started afresh: recorded as it reads
    if not warnings:
        import warnings as _warnings

        _warnings.filterwarnings("ignore")
    _install_figure_fingerprints()


@contextmanager
def not_inputs() -> Iterator[None]:
    """Files opened inside this block are bookkeeping, not inputs of the chapter's results."""
    global _paused
    before, _paused = _paused, True
    try:
        yield
    finally:
        _paused = before


def _watch_project_files() -> None:
    """Record every project file the chapter reads (e.g. data/trials.csv), and every file
    outside the book and network address it reaches, via an audit hook (installed once per
    process; what it expects outside the book is worked out for each chapter)."""
    global _expected
    _expected = _expected_outside(_root) if _root is not None else ()
    _install_hook()


def _install_hook() -> None:
    if not getattr(_install_hook, "done", False):
        sys.addaudithook(_hook)
        _install_hook.done = True  # type: ignore[attr-defined]


_expected: tuple[str, ...] = ()
#: Files opened while :func:`import_preloaded` imported libraries, weighed when the chapter starts.
_preload_opened: list[tuple[str, Any]] = []
_preloading = False


def _hook(event: str, args: tuple) -> None:
    if _preloading:
        if event == "open" and isinstance(args[0], str | Path):
            _preload_opened.append((os.path.abspath(args[0]), args[1] if len(args) > 1 else None))
        return
    if event != "open" and event not in _NETWORK_EVENTS or _paused or _root is None:
        return
    if event != "open":
        return _note_network(event, args)
    if not isinstance(args[0], str | Path):
        return
    mode = args[1] if len(args) > 1 else None
    if isinstance(mode, str) and any(m in mode for m in "wax+"):
        return
    path, book = os.path.abspath(args[0]), os.path.join(_root, "")
    if not path.startswith(book):
        if path.startswith(_expected) or f"{os.sep}." in path or path == str(_root):
            return
        path = os.path.realpath(path)  # a link into the book, or a file outside it
        if not path.startswith(book):
            session.current().outside.add(path)
            return
    rel = Path(path[len(book):])
    if _is_input(rel):
        session.current().opened.add(rel.as_posix())


def import_preloaded(modules: Iterable[str]) -> None:
    """Import the book's ``preload`` libraries, as a fork server does before any kernel
    exists (:mod:`reviewbuild.notebooks.forkserver`) and as the setup cell does in a kernel
    started afresh, so that a chapter executes and is recorded the same either way: what they
    read is the chapter's (outside a chapter it is kept for :func:`enter_chapter` to weigh),
    and their import-time warnings and prints are dropped."""
    global _preloading
    missing = [name for name in modules if name not in sys.modules]
    if not missing:
        return
    _install_hook()
    import importlib
    import io
    import warnings
    from contextlib import redirect_stderr, redirect_stdout

    _preloading = _root is None
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()), \
                redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            for name in missing:
                importlib.import_module(name)
    finally:
        _preloading = False


#: Audit events of a connection or a web request (Python's own sockets and urllib).
_NETWORK_EVENTS = ("socket.connect", "urllib.Request")


def _note_network(event: str, args: tuple) -> None:
    """Record a network address or URL the chapter reached, unless the engine's fetcher did
    (a local socket, whose address is a path, is not the network)."""
    state = session.current()
    if state.fetching:
        return
    if event == "urllib.Request":
        state.network.add(str(args[0]))
    elif isinstance(args[1], tuple) and len(args[1]) >= 2:
        state.network.add(f"{args[1][0]}:{args[1][1]}")


#: Folders of the system whose files libraries read (fonts, time zones, certificates, /proc).
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev", "/etc", "/usr", "/lib", "/lib32", "/lib64", "/bin",
                  "/sbin", "/opt", "/var", "/run", "/nix", "/snap", "/System", "/Library",
                  "/Applications", "/private", "~/Library")
#: Settings that name folders of caches and configuration the kernel's libraries read.
SETTINGS_FOLDERS = ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                    "XDG_RUNTIME_DIR", "IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                    "JUPYTER_RUNTIME_DIR")


def _expected_outside(root: Path) -> tuple[str, ...]:
    """Folders outside the book whose files a chapter's libraries read, so that reading them
    says nothing about the chapter's results: the Python installation and import path, the
    system's and the settings' folders, temporary files. (Hidden folders, such as
    ``~/.cache/matplotlib``, are expected by name; the data cache and mirror at collection.)"""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
               tempfile.gettempdir(), *(os.path.expanduser(f) for f in SYSTEM_FOLDERS),
               *(os.environ[k] for k in SETTINGS_FOLDERS if os.environ.get(k))}
    book = root.resolve()
    folders |= {entry for entry in sys.path
                if entry and not book.is_relative_to(Path(entry).resolve())}
    return _prefixes(folders)


def _prefixes(folders: Iterable[str | Path]) -> tuple[str, ...]:
    """Each folder as the start of the paths inside it, as given and with links resolved."""
    return tuple({os.path.join(form(f), "") for f in folders
                  for form in (os.path.abspath, os.path.realpath)})


def outside_reads() -> list[str]:
    """Files outside the book that the chapter read and nothing expects it to (see
    :func:`_expected_outside`; the data cache and mirror are read through verified sources)."""
    from reviewbuild.data.cachedir import cache_dir
    from reviewbuild.data.mirror import mirror_dir

    verified = _prefixes(f for f in (cache_dir(), mirror_dir()) if f)
    return sorted(p for p in session.current().outside if not p.startswith(verified))


def _is_input(rel: Path) -> bool:
    """Whether a project file a chapter opened is an input of its results: not the chapters'
    own sources and what is made from them (the engine tracks a chapter's code itself), nor
    the folders of :data:`_NOT_INPUTS`; a data file beside the chapters is one."""
    if not rel.parts or rel.parts[0] in _NOT_INPUTS or rel.suffix == ".pyc":
        return False
    if rel.parts[0] == "chapters" and (rel.suffix in (".qmd", ".ipynb")
                                       or len(rel.parts) > 1 and rel.parts[1].endswith("_files")):
        return False
    return rel.as_posix() not in _FINE_GRAINED


def _install_figure_fingerprints() -> None:
    global _installed
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or _installed:
        return
    # First in line, so it sees the figures before the inline backend shows and closes them.
    shell.events.callbacks["post_execute"].insert(0, _show_fingerprints)
    _add_fingerprint_format(shell)
    _installed = True


FINGERPRINT_MIME = "text/x-reviewbuild-figure"


def _add_fingerprint_format(shell: Any) -> None:
    """Displayed figures get one more MIME type, their fingerprint: matplotlib figures, and any
    object with a ``_repr_fingerprint_`` method (a figure with its data, such as the book's
    DataFigure, returns :func:`data_figure_fingerprint` of itself)."""
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    class FingerprintFormatter(BaseFormatter):
        format_type = Unicode(FINGERPRINT_MIME)
        print_method = ObjectName("_repr_fingerprint_")

    fmt = FingerprintFormatter(parent=shell.display_formatter)
    fmt.for_type_by_name("matplotlib.figure", "Figure", figure_fingerprint)
    shell.display_formatter.formatters[FINGERPRINT_MIME] = fmt


def data_figure_fingerprint(obj: Any) -> str:
    """The fingerprint of ``obj.figure`` (matplotlib) plus a sha256 of the table ``obj.data``
    drawn in it."""
    digest = canonical.digest(canonical.table(obj.data))
    return (f"{figure_fingerprint(obj.figure)}\n  data table: {len(obj.data)} rows x "
            f"{obj.data.shape[1]} columns; sha256 {digest}")


def _show_fingerprints() -> None:
    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt
    from IPython.display import display

    for num in plt.get_fignums():
        text = figure_fingerprint(plt.figure(num))
        display({"text/plain": text}, raw=True)


def _axes_data(ax: Any) -> tuple[str, str]:
    """The plotted data of one axes as canonical text (:mod:`reviewbuild.canonical`)."""
    coords = canonical.coordinates
    parts = [f"L{coords(line.get_xydata())}" for line in ax.get_lines()]
    for coll in ax.collections:
        parts.append(f"C{coords(coll.get_offsets(), sort_rows=True)}")  # scatter: order-free
        parts += [f"P{coords(p.vertices)}" for p in coll.get_paths()]
    for patch in ax.patches:
        bbox = patch.get_bbox() if hasattr(patch, "get_bbox") else None
        parts.append(f"R{coords([[bbox.x0, bbox.y0, bbox.x1, bbox.y1]])}" if bbox else "R")
    parts += [f"T{t.get_text()}" for t in ax.texts]
    parts += [f"I{coords(im.get_array())}" for im in ax.images]
    shape = (f"{len(ax.get_lines())} lines, {len(ax.collections)} collections, "
             f"{len(ax.patches)} patches, {len(ax.texts)} texts")
    return "|".join(parts), shape


def figure_fingerprint(fig: Any) -> str:
    """Titles, labels and a sha256 of the plotted data, canonical (:mod:`reviewbuild.canonical`)."""
    lines = []
    digest = hashlib.sha256()
    for i, ax in enumerate(fig.get_axes(), 1):
        data, shape = _axes_data(ax)
        digest.update(data.encode())
        lines.append(f"  axes {i}: title={ax.get_title()!r} x={ax.get_xlabel()!r} "
                     f"y={ax.get_ylabel()!r}; {shape}")
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    head = (f"[figure {title!r}: {len(fig.get_axes())} axes; "
            f"data sha256 {digest.hexdigest()[:16]}]")
    return "\n".join([head, *lines])


def record_read(rel: str, sha256: str) -> None:
    """Record that this execution read the project file ``rel`` (e.g. a golden notebook)."""
    session.current().files[rel] = sha256


def files_read() -> list[tuple[str, str]]:
    """(path, sha256) of the files :func:`record_read` recorded, in the order first read."""
    return list(session.current().files.items())


def collect() -> None:
    """Print (JSON) what this execution read: data sources, golden notebooks, package files."""
    reads: list[Any] = []
    uses: list[Any] = []
    try:
        from reviewbuild.data import provenance

        reads = [list(r) for r in provenance.reads()]
        uses = [list(u) for u in provenance.uses()]
    except ImportError:
        pass
    root = _root or project_root()
    files = dict(files_read())
    with not_inputs():  # reading pyproject.toml to know the book's packages
        local = local_modules(root)
    for rel in sorted(session.current().opened | set(local)):
        path = root / rel
        if path.is_file() and rel not in files:
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    print(json.dumps({"data": reads, "uses": uses,
                      "files": sorted([p, sha] for p, sha in files.items()),
                      "modules": imported_modules(root),
                      "packages": imported_distributions(root),
                      "outside": outside_reads(),
                      "network": sorted(session.current().network)}))


#: What the engine imports only to download a file that is not cached yet: whether a chapter
#: ran with a cold cache must not change its record, and a download cannot change a result
#: (every file is checked against its pin).
FETCH_MACHINERY = ("pooch", "requests", "tqdm")


def imported_distributions(root: Path) -> list[tuple[str, str]]:
    """(distribution, version) of every installed distribution the chapter's code imported,
    except the kernel's own machinery (ipykernel and all it needs), the fetcher's
    (:data:`FETCH_MACHINERY` and all it needs) and the book's distribution (whose modules are
    recorded file by file)."""
    skip = _machinery() | {canonicalize_name(distribution(root))}
    return sorted((key, _version(dist)) for key, dist in _imported().items() if key not in skip)


def _machinery() -> frozenset[str]:
    return frozenset().union(*map(requirement_closure, ("ipykernel", *FETCH_MACHINERY)))


def _imported() -> dict[str, str]:
    """Canonical name -> name of the installed distributions of the imported top-level
    modules."""
    owners = import_owners()
    return {canonicalize_name(dist): dist for name in list(sys.modules) if "." not in name
            for dist in owners.get(name, [])}


#: An installed distribution's version, read once per process (its metadata file).
_version = functools.cache(metadata.version)


def prepare_collect() -> None:
    """Read now the installation's metadata that :func:`collect` needs (what the kernel's
    machinery requires, the versions of what is imported): a fork server does it once for
    every kernel it forks. The answers are the same as when read in the kernel."""
    _machinery()
    for dist in _imported().values():
        _version(dist)


def local_modules(root: Path) -> list[str]:
    """Project files (relative paths) of imported modules that belong to none of the book's
    packages nor to the environment, such as a ``chapters/_common.py`` the chapters share:
    inputs whose change must re-execute the chapter, recorded like the files it reads."""
    root = root.resolve()
    tops, env = set(packages(root)), Path(sys.prefix).resolve()
    installed = _prefixes({sys.prefix, sys.base_prefix, sys.exec_prefix})
    out = set()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name.partition(".")[0] in tops or file.startswith(installed):
            continue  # (the installation's files, thousands, are not resolved one by one)
        path = Path(file).resolve()
        if path.is_relative_to(root) and not path.is_relative_to(env):
            out.add(path.relative_to(root).as_posix())
    return sorted(out)


def imported_modules(root: Path) -> list[str]:
    """Files (``package/module.py``) of the engine's and the book's packages imported so far;
    the engine's notebook tooling is not a chapter's input, but the claims report's text is."""
    tops = set(packages(root))
    out = set()
    for name, module in list(sys.modules.items()):
        top = name.partition(".")[0]
        file = getattr(module, "__file__", None)
        if top not in tops or not file or (name.startswith(f"{ENGINE}.notebooks")
                                           and name != f"{ENGINE}.notebooks.report"):
            continue
        base = Path(sys.modules[top].__file__).resolve().parent.parent
        out.add(Path(file).resolve().relative_to(base).as_posix())
    return sorted(out)
