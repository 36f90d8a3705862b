"""``reviewbuild trials refresh | show``: the ClinicalTrials.gov snapshot and the curated files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from xpo1review.trials import ctgov, curated
from xpo1review.trials.schemas import ENTITIES, SCHEMAS

SHOW_COLUMNS = {
    "trials": ["nct_id", "drugs", "partners", "phase", "entities", "enrolment", "status"],
    "compounds": ["name", "code", "inhibitor_class", "binding", "stage"],
    "mutations": ["alteration", "entity", "frequency_pct", "cohort_patients", "refs"],
    "xpo1_features": ["feature_id", "feature", "kind", "start", "end", "position_refs"],
}


def refresh(args: argparse.Namespace) -> int:
    result = ctgov.refresh(args.out, page_size=args.page_size, timeout=args.timeout)
    print(f"{result.n_studies} studies (registry totalCount {result.total_count}) "
          f"-> {result.snapshot}")
    print(f"diff report -> {result.report_path}")
    print(result.report.to_markdown())
    return 0


def show(args: argparse.Namespace) -> int:
    if args.entity and args.what != "trials":
        print("xpo1review: --entity applies to `trials show trials` only", file=sys.stderr)
        return 2
    frame = curated.trials_for(args.entity) if args.entity else curated.load(args.what)
    columns = frame.columns if args.all else SHOW_COLUMNS[args.what]
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(frame[list(columns)].astype("string").fillna("").to_string(index=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trials", help="curated trials/compounds/mutations; ClinicalTrials.gov")
    tsub = p.add_subparsers(dest="trials_command", required=True, metavar="ACTION")
    r = tsub.add_parser("refresh", help="snapshot ClinicalTrials.gov (SINE compounds) and "
                        "report what differs from data/trials.csv")
    r.add_argument("--out", type=Path, default=None,
                   help="snapshot folder (default: $REVIEWBUILD_CACHE/ctgov or .cache/ctgov)")
    r.add_argument("--page-size", type=int, default=ctgov.MAX_PAGE_SIZE,
                   help=f"studies per request, at most {ctgov.MAX_PAGE_SIZE}")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    r.set_defaults(handler=refresh)
    s = tsub.add_parser("show", help="print a curated file (validated)")
    s.add_argument("what", nargs="?", default="trials", choices=list(SCHEMAS))
    s.add_argument("--entity", choices=ENTITIES, help="trials of one entity only")
    s.add_argument("--all", action="store_true", help="every column")
    s.set_defaults(handler=show)
