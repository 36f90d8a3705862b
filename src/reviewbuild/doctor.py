"""``reviewbuild doctor``: is this machine ready to build the book? One line per problem."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from reviewbuild.lock import locked_versions
from reviewbuild.paths import project_root
from reviewbuild.pyproject import distribution

QUARTO_MIN = (1, 9)
SYNC_FIX = "bash scripts/bootstrap.sh (installs uv.lock with `uv sync --frozen --extra test`)"


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""
    #: Not a problem, but work the next step does (e.g. data to fetch): always shown.
    todo: bool = False

    def __str__(self) -> str:
        mark = "-> " if self.todo else "ok " if self.ok else "ERR"
        return f"[{mark}] {self.what}" + (f"\n      fix: {self.fix}" if self.fix else "")


def check_python() -> Iterator[Finding]:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    yield Finding(ok, f"Python {version} ({sys.executable})",
                  "" if ok else "use Python >= 3.11 (bash scripts/bootstrap.sh makes .venv)")


def check_packages() -> Iterator[Finding]:
    reqs = [Requirement(r) for r in metadata.requires(distribution(project_root())) or []]
    missing = []
    for req in reqs:
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(f"{req.name} (not installed)")
            continue
        if installed not in req.specifier:
            missing.append(f"{req.name} {installed} (needs {req.specifier})")
    yield Finding(not missing, "Python packages: " + (", ".join(missing) or "all present"),
                  SYNC_FIX if missing else "")


def check_lock(lock: Path | None = None) -> Iterator[Finding]:
    """One finding per installed package whose version differs from ``uv.lock``."""
    lock = lock or project_root() / "uv.lock"
    if not lock.is_file():
        yield Finding(False, f"lock file {lock}: missing", "git checkout uv.lock")
        return
    checked, differ = 0, False
    for name, locked in sorted(locked_versions(lock).items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        checked += 1
        if Version(installed) != Version(locked):
            differ = True
            yield Finding(False, f"package {name} {installed} is installed, uv.lock pins "
                          f"{locked}", SYNC_FIX)
    if not differ:
        yield Finding(True, f"installed packages match uv.lock ({checked} checked)")


def quarto_version(quarto: str) -> tuple[int, ...] | None:
    out = subprocess.run([quarto, "--version"], capture_output=True, text=True, timeout=60)
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", out.stdout.strip())
    return tuple(int(x) for x in match.groups() if x is not None) if match else None


def check_quarto() -> Iterator[Finding]:
    quarto = shutil.which("quarto")
    if quarto is None:
        yield Finding(False, "Quarto: not installed (the website and PDF cannot be rendered)",
                      "install Quarto >= 1.9 from https://quarto.org/docs/get-started/ "
                      "or `conda env create -f environment.yml`")
        return
    version = quarto_version(quarto)
    ok = version is not None and version[:2] >= QUARTO_MIN
    shown = ".".join(map(str, version)) if version else "unknown"
    yield Finding(ok, f"Quarto {shown} at {quarto}",
                  "" if ok else "upgrade Quarto to >= 1.9 (book PDFs via Typst need it)")
    typst = subprocess.run([quarto, "typst", "--version"], capture_output=True, text=True,
                           timeout=60)
    yield Finding(typst.returncode == 0, "Typst through Quarto: "
                  + (typst.stdout.strip() or "not available"),
                  "" if typst.returncode == 0 else "reinstall Quarto >= 1.9 (it bundles Typst)")


def check_kernel() -> Iterator[Finding]:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        yield Finding(False, "Jupyter kernel python3: not found",
                      f"{sys.executable} -m ipykernel install --sys-prefix --name python3")
        return
    python = spec.argv[0]
    dist = distribution(project_root())
    code = f"import importlib.metadata as m; m.distribution({dist!r})"
    probe = subprocess.run([python, "-c", code], capture_output=True, timeout=120)
    ok = probe.returncode == 0
    yield Finding(ok, f"Jupyter kernel python3 runs {python}"
                  + ("" if ok else f", which does not have {dist} installed"),
                  "" if ok else f"{sys.executable} -m ipykernel install --sys-prefix "
                  "--name python3 (and set QUARTO_PYTHON to this Python)")


DATA_STATES = {
    "ok": (True, "cached and verified", ""),
    "unpinned": (True, "cached, but has no pinned sha256 to verify against", ""),
    "missing": (False, "not in the cache", "reviewbuild data fetch {id}"),
    "mismatch": (False, "cached file does not match its sha256",
                 "delete {path} and run: reviewbuild data fetch {id}"),
}


def check_data() -> Iterator[Finding]:
    """Each registered source's state; the used sources not cached yet are one line saying
    what ``reviewbuild data fetch`` will fetch (an error only where it cannot: a mirror
    without them)."""
    from reviewbuild.data import declared, mirror, pins, registry

    used = set(declared.used_sources())
    here = mirror.mirror_dir()
    to_fetch = []
    for source in registry.load_registry().values():
        result = pins.check(source)
        ok, summary, fix = DATA_STATES[result.state]
        if result.state == "missing" and source.id not in used:
            ok, summary = True, "not used by the book (data/analyses.yaml) and not cached"
            fix = ""
        elif result.state == "missing" and (
                here is None or pins.check(source, here).state != "missing"):
            to_fetch.append(source)
            continue
        elif result.state == "missing":
            summary = f"not in the cache, nor in the mirror {here} (REVIEWBUILD_MIRROR)"
            fix = ("add it to the mirror, or unset REVIEWBUILD_MIRROR and run "
                   f"`reviewbuild data fetch {source.id}` online")
        yield Finding(ok, f"data {source.id}: {summary}",
                      fix.format(id=source.id, path=result.path))
    if to_fetch:
        how = f"copies them from the mirror {here}" if here else "downloads them"
        yield Finding(True, f"data: {len(to_fetch)} source(s) the book uses are not cached "
                            f"yet; `reviewbuild data fetch` (the build's next step) {how}: "
                            + ", ".join(s.id for s in to_fetch), todo=True)


CHECKS: list[Callable[[], Iterator[Finding]]] = [
    check_python, check_packages, check_lock, check_quarto, check_kernel, check_data,
]


def run(args: argparse.Namespace) -> int:
    problems = 0
    for check in CHECKS:
        try:
            findings = list(check())
        except Exception as err:  # a doctor reports, it does not crash
            findings = [Finding(False, f"{check.__name__}: {type(err).__name__}: {err}")]
        for finding in findings:
            if not finding.ok or finding.todo or args.verbose:
                print(finding)
            problems += not finding.ok
    print(f"doctor: {problems} problem(s)" if problems else "doctor: everything needed is here")
    return 1 if problems and not args.no_fail else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check Python, packages, Quarto, kernel and data")
    p.add_argument("-v", "--verbose", action="store_true", help="also list what is fine")
    p.add_argument("--no-fail", action="store_true", help="exit 0 even with problems")
    p.set_defaults(handler=run)
