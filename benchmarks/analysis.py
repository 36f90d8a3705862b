"""Time every survival and DE analysis for every cohort available in this build.

    REVIEWBUILD_MIRROR=../shared/data python benchmarks/analysis.py [--budget 60]

Cold run: a fresh cache directory, so parsing the source files is included. Prints one
line per cohort and part, and the total; exits 1 if the total exceeds the budget (seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    default_mirror = ROOT.parent / "shared" / "data"
    if "REVIEWBUILD_MIRROR" not in os.environ and default_mirror.is_dir():
        os.environ["REVIEWBUILD_MIRROR"] = str(default_mirror)
    os.environ["REVIEWBUILD_CACHE"] = tempfile.mkdtemp(prefix="xpo1review-bench-")

    from xpo1review.analysis import parts
    from xpo1review.analysis.cohorts import COHORTS
    from xpo1review.data.loaders import Unavailable

    rows, start = [], time.perf_counter()
    for cohort in COHORTS:
        for name, part in (("survival", parts.survival_part), ("DE", parts.de_part)):
            t0 = time.perf_counter()
            result = part(cohort)
            dt = time.perf_counter() - t0
            if isinstance(result, Unavailable):
                what = "not available"
            elif name == "survival":
                what = f"n={result.n}, events={result.events}, " \
                       f"{result.maxstat.n_permutations} permutations"
            else:
                de = result.result
                what = f"{de.n_genes} genes x {de.n_high + de.n_low} tumours"
            rows.append((cohort, name, dt, what))
    total = time.perf_counter() - start
    for cohort, name, dt, what in rows:
        print(f"{cohort:9} {name:9} {dt:7.2f} s  {what}")
    print(f"{'total':19} {total:7.2f} s  (budget {args.budget:.0f} s)")
    return 0 if total <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
