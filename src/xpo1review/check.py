"""``xpo1review check``: the gate run before every render and by the tests.

Each check is a function ``(root) -> list[str]`` of problems, each ``file:line: message``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from xpo1review import abbreviations, book, structure
from xpo1review.citations import gate as citation_gate
from xpo1review.exceptions import XPO1ReviewError
from xpo1review.notebooks import cache as notebook_cache
from xpo1review.paths import project_root
from xpo1review.trials import curated

Check = Callable[[Path], list[str]]


def _freeze(root: Path) -> list[str]:
    return notebook_cache.check(root, ci=bool(os.environ.get("CI")))


def _registry(root: Path) -> list[str]:
    """The data registry parses: every entry pinned or explicitly unpinned, paths inside."""
    from xpo1review.data import registry
    from xpo1review.exceptions import DataError

    try:
        registry.load_registry(root / "data" / "sources.yaml")
    except DataError as err:
        return [str(err).replace(f"{root}/", "", 1)]
    return []


CHECKS: dict[str, Check] = {
    "registry": _registry,
    "structure": structure.check,
    "citations": citation_gate.check,
    "abbreviations": abbreviations.check,
    "curated": curated.check,
    "freeze": _freeze,
}


def run_checks(root: Path, names: list[str]) -> list[str]:
    """Run the named checks and return every problem found, prefixed by the check's name."""
    problems: list[str] = []
    for name in names:
        problems += [f"[{name}] {p}" for p in CHECKS[name](root)]
    return problems


def handle(args: argparse.Namespace) -> int:
    root = project_root()
    if args.pre_render:
        book.install_csl(root)
    unknown = [n for n in args.names if n not in CHECKS]
    if unknown:
        raise XPO1ReviewError(f"unknown check(s) {', '.join(unknown)}; "
                              f"choose from {', '.join(CHECKS)}")
    names = args.names or list(CHECKS)
    problems = run_checks(root, names)
    for problem in problems:
        print(problem, file=sys.stderr)
    status = f"{len(problems)} problem(s)" if problems else "all clean"
    print(f"xpo1review check ({', '.join(names)}): {status}", file=sys.stderr)
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="the pre-render gate: citations, abbreviations, data, ...")
    p.add_argument("names", nargs="*", metavar="CHECK",
                   help=f"checks to run (default: all): {', '.join(CHECKS)}")
    p.add_argument("--pre-render", action="store_true",
                   help="also install the CSL style (what Quarto's pre-render step runs)")
    p.set_defaults(handler=handle)
