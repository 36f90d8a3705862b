"""``reviewbuild refs verify [--online]``: check the bibliography against Crossref.

(``reviewbuild check citations`` is the offline gate; the lead wires it via ``gate.check``.)
"""

from __future__ import annotations

import argparse
import os

from reviewbuild.citations import crossref, refcheck, reflock
from reviewbuild.citations.bib import parse_bib
from reviewbuild.citations.gate import bib_path
from reviewbuild.paths import project_root


def register(subparsers: argparse._SubParsersAction) -> None:
    refs = subparsers.add_parser("refs", help="bibliography tools (Crossref verification)")
    sub = refs.add_subparsers(dest="refs_command", required=True, metavar="ACTION")
    verify = sub.add_parser(
        "verify",
        help="compare references.bib with Crossref (--online) or with references.lock.json",
        description=refcheck.__doc__.splitlines()[0],
    )
    verify.add_argument(
        "--online",
        action="store_true",
        help="query Crossref for every DOI and rewrite the lock file",
    )
    verify.add_argument(
        "--accept",
        action="store_true",
        help="offline: record new/changed entries in the lock as 'unverified'",
    )
    verify.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per Crossref request (default 10)"
    )
    verify.add_argument(
        "--mailto",
        default=os.environ.get("CROSSREF_MAILTO"),
        help="e-mail for Crossref's polite pool (default $CROSSREF_MAILTO)",
    )
    verify.set_defaults(handler=handle_verify)


def handle_verify(args: argparse.Namespace) -> int:
    root = project_root()
    bib = parse_bib(bib_path(root))
    lock_path = root / reflock.LOCK_NAME
    if args.online:
        fetch = crossref.crossref_fetcher(timeout=args.timeout, mailto=args.mailto)
        results = refcheck.verify_online(
            bib.entries, fetch, lock_path, progress=lambda line: print(line, flush=True)
        )
        bad = [r for r in results if r.status in refcheck.FAILING]
        for r in results:
            if r.problems:
                print(f"{r.key}: {r.status}: " + "; ".join(r.problems))
        print(f"wrote {lock_path.name}: {len(results)} entries, {len(bad)} failing")
        return 1 if bad else 0
    lock = reflock.read_lock(lock_path)
    if args.accept:
        n = refcheck.accept(bib.entries, lock, lock_path)
        print(f"wrote {lock_path.name}: {n} new/changed entries recorded as unverified")
        return 0
    if not lock.get("checks"):
        print(
            f"no {lock_path.name} yet: run `reviewbuild refs verify --online` "
            "(or `--accept` to record the current entries as unverified)"
        )
        return 1
    changes, flagged = refcheck.compare_with_lock(bib.entries, lock)
    for line in changes + flagged:
        print(line)
    unverified = sum(
        1 for c in (lock.get("checks") or {}).values() if c.get("status") == "unverified"
    )
    print(
        f"{len(changes)} change(s) since {lock.get('generated') or 'never'}, "
        f"{len(flagged)} flagged, {unverified} never checked online "
        "(run `reviewbuild refs verify --online`)"
    )
    return 1 if changes or any(f.split(": ")[1] in refcheck.FAILING for f in flagged) else 0
