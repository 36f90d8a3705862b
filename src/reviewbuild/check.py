"""``reviewbuild check``: the gate run before every render and by the tests.

Each check is a function ``(root) -> list[str]`` of problems, each ``file:line: message``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewbuild import abbreviations, book, crossrefs, pyproject, structure
from reviewbuild.citations import gate as citation_gate
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.notebooks import publish, verdicts
from reviewbuild.paths import project_root

Check = pyproject.Check


def declared_data(root: Path) -> list[str]:
    """Every source the book uses (data/analyses.yaml and the fixed sources): each copy in
    the cache or the mirror must pass its pins; with a mirror set, one copy must exist."""
    from reviewbuild.data import declared, mirror, pins, registry

    try:
        reg = registry.load_registry(root / "data" / "sources.yaml")
        ids = declared.used_sources(root)
    except ReviewBuildError as err:
        return [_relative(err, root)]
    mirror_root = mirror.mirror_dir()
    problems = []
    for sid in ids:
        places = {"cache": pins.check(reg[sid])}
        if mirror_root is not None:
            places["mirror"] = pins.check(reg[sid], mirror_root)
        for where, c in places.items():
            if c.state == "mismatch":
                problems.append(
                    f"{c.path}: data source {sid}, which the book uses, fails its pin in the "
                    f"{where} (expected {c.expected}, actual {c.actual}); delete the file and "
                    f"run `reviewbuild data fetch {sid}`"
                    + (" (or restore the mirror's copy)" if where == "mirror" else ""))
        if mirror_root is not None and all(c.state == "missing" for c in places.values()):
            problems.append(
                f"{places['mirror'].path}: data source {sid}, which the book uses, is neither "
                f"cached nor in the mirror {mirror_root}; add it to the mirror, or unset "
                f"REVIEWBUILD_MIRROR and run `reviewbuild data fetch {sid}` online")
    return problems


def _relative(err: Exception, root: Path) -> str:
    """An error's message with the book's root left out of the paths it names."""
    return str(err).replace(f"{root.resolve()}/", "").replace(f"{root}/", "")


def _claims(root: Path) -> list[str]:
    """No golden notebook records a drifted or invalid claim; every one can be read."""
    try:
        return verdicts.check(root)
    except ReviewBuildError as err:
        return [str(err)]


def _unchecked(root: Path) -> list[str]:
    try:
        return verdicts.unchecked(root)
    except ReviewBuildError as err:
        return [str(err)]


def _render(root: Path) -> tuple[list[str], int]:
    """Write the notebooks Quarto renders: (problems, files written); nothing is written
    where a golden notebook is not its chapter's current execution (:func:`publish.problems`)."""
    try:
        return [], len(publish.write_all(root))
    except ReviewBuildError as err:
        return [str(err)], 0


def _registry(root: Path) -> list[str]:
    """The data registry parses: every entry pinned or explicitly unpinned, paths inside."""
    from reviewbuild.data import registry
    from reviewbuild.exceptions import DataError

    try:
        registry.load_registry(root / "data" / "sources.yaml")
    except DataError as err:
        return [_relative(err, root)]
    return []


#: The engine's checks, in order; the book's own (:mod:`pyproject`) run before ``data``.
CHECKS: dict[str, Check] = {
    "registry": _registry,
    "structure": structure.check,
    "crossrefs": crossrefs.check,
    "citations": citation_gate.check,
    "abbreviations": abbreviations.check,
    "data": declared_data,
    "claims": _claims,
}


def all_checks(root: Path) -> dict[str, Check]:
    """The engine's checks with the book's own inserted before ``data``."""
    names = list(CHECKS)
    at = names.index("data") if "data" in names else len(names)
    book_checks = pyproject.checks(root)
    order = names[:at] + list(book_checks) + names[at:]
    return {name: book_checks.get(name) or CHECKS[name] for name in order}


def run_checks(root: Path, names: list[str],
               checks: dict[str, Check] | None = None) -> list[str]:
    """Run the named checks (of ``checks``, default :func:`all_checks`) and return every
    problem found, prefixed by the check's name (a problem that several checks find, such as
    an unreadable chapter, is listed once)."""
    checks = checks or all_checks(root)
    problems: list[str] = []
    seen: set[str] = set()
    for name in names:
        for problem in checks[name](root):
            if problem not in seen:
                seen.add(problem)
                problems.append(f"[{name}] {problem}")
    return problems


def handle(args: argparse.Namespace) -> int:
    root = project_root()
    if args.pre_render:
        book.install_csl(root)
    checks = all_checks(root)
    unknown = [n for n in args.names if n not in checks]
    if unknown:
        raise ReviewBuildError(f"unknown check(s) {', '.join(unknown)}; "
                              f"choose from {', '.join(checks)}")
    names = args.names or list(checks)
    problems = run_checks(root, names, checks)
    written = None
    if args.pre_render:  # Quarto renders the golden notebooks' outputs
        problems += [f"[render] {p}" for p in _unchecked(root)]
        if not problems:
            unrendered, written = _render(root)
            problems += [f"[render] {p}" for p in unrendered]
    for problem in problems:
        print(problem, file=sys.stderr)
    status = f"{len(problems)} problem(s)" if problems else "all clean"
    print(f"reviewbuild check ({', '.join(names)}): {status}", file=sys.stderr)
    if written is not None and not problems:
        print(f"reviewbuild: {written} rendered notebook(s) and published file(s) written "
              "from the golden notebooks (the rest unchanged)", file=sys.stderr)
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="the pre-render gate: citations, abbreviations, data, ...")
    p.add_argument("names", nargs="*", metavar="CHECK",
                   help=f"checks to run (default: all): {', '.join(CHECKS)} and the book's own")
    p.add_argument("--pre-render", action="store_true",
                   help="also install the CSL style, refuse chapters whose outputs no current "
                        "golden notebook holds, and write the notebooks Quarto renders (what "
                        "Quarto's pre-render step runs)")
    p.set_defaults(handler=handle)
