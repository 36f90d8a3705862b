"""Time the data layer: `data verify` over the mirror, and loading one cohort's XPO1 vector.

    REVIEWBUILD_MIRROR=../shared/data python benchmarks/data.py [--cohort CHOL] [--repeat 5]
                                                          [--scale 10]

Each XPO1 measurement runs in a fresh interpreter (peak RSS is per process) with a fresh
cache: "cold" = copy from the mirror + parse, "warm" = parsed cache present. The loaders read
a Firehose cohort whole with pyreadr; "whole-frame xN" reads a copy of the cohort with its
rows repeated N times, the size of a full cohort (CHOL has 45 samples, the large GI cohorts
~450), to show what reading a full cohort whole costs (time, peak memory). Its repeated rows
compress better than real data, so the file is smaller than a real one (decompression is a
small part of the time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, resource, sys, time
mode, cohort = sys.argv[1], sys.argv[2]
from reviewbuild.data import fetch
from xpo1review.data import loaders
import pyreadr
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if mode.startswith("whole-frame"):
    src = loaders.get_source(f"firehose-{cohort}")
    path = sys.argv[3] if len(sys.argv) > 3 else str(fetch.fetch(src.id))
    frame = pyreadr.read_r(path)[src.filename.rsplit(".", 1)[0]]
    n = len(frame["XPO1|7514"])
else:
    n = len(loaders.xpo1_expression(cohort).frame)
dt = time.perf_counter() - t0
rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps({"seconds": dt, "rss_mb": rss, "n": n}))
"""


def probe(mode: str, cohort: str, cache: str, *extra: str) -> dict:
    env = {**os.environ, "REVIEWBUILD_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", PROBE, mode, cohort, *extra], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    made: list[str] = []
    try:
        return run(argv, made)
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


def run(argv: list[str] | None, made: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", default="CHOL")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10,
                        help="also read a copy N times the cohort's size (0: skip)")
    args = parser.parse_args(argv)
    default_mirror = ROOT.parent / "shared" / "data"
    if "REVIEWBUILD_MIRROR" not in os.environ and default_mirror.is_dir():
        os.environ["REVIEWBUILD_MIRROR"] = str(default_mirror)
    os.environ["REVIEWBUILD_CACHE"] = tempfile.mkdtemp(prefix="xpo1review-bench-")
    made.append(os.environ["REVIEWBUILD_CACHE"])
    from reviewbuild.data import pins, registry
    from reviewbuild.data.mirror import mirror_dir

    mirror = mirror_dir()
    if mirror is None or not mirror.is_dir():
        print("no mirror: set REVIEWBUILD_MIRROR=DIR", file=sys.stderr)
        return 1
    present = [s for s in registry.load_registry().values()
               if (mirror / s.mirror_path).is_file()]
    size = sum((mirror / s.mirror_path).stat().st_size for s in present)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        checks = pins.verify(root=mirror)
        times.append(time.perf_counter() - t0)
    assert all(c.state in ("ok", "missing") for c in checks), "mirror fails verification"
    print(f"data verify --mirror (in-process): {len(present)} files, {size / 1e6:.1f} MB: "
          f"median {statistics.median(times) * 1e3:.0f} ms, min {min(times) * 1e3:.0f} ms "
          f"over {args.repeat} runs")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reviewbuild", "data", "verify", "--mirror"],
                   cwd=ROOT, check=True, capture_output=True)
    print(f"reviewbuild data verify --mirror (whole command incl. start-up): "
          f"{(time.perf_counter() - t0) * 1e3:.0f} ms")
    t0 = time.perf_counter()
    code = ("import sys; from reviewbuild.data import commands; "
            "sys.exit(commands.cmd_verify(type('A', (), {'ids': [], 'mirror': ''})()))")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
    print(f"data verify --mirror, data layer only (fresh process, no other command modules): "
          f"{(time.perf_counter() - t0) * 1e3:.0f} ms")

    print(f"\nXPO1 vector for {args.cohort} (fresh process each):")
    for mode, warm in (("whole-frame (pyreadr)", False), ("xpo1_expression cold", False),
                       ("xpo1_expression warm", True)):
        cache = tempfile.mkdtemp(prefix="xpo1review-bench-")
        made.append(cache)
        if warm:
            probe(mode, args.cohort, cache)
        r = probe(mode, args.cohort, cache)
        print(f"  {mode:24} {r['seconds'] * 1e3:7.0f} ms  peak RSS +{r['rss_mb']:6.1f} MB  "
              f"({r['n']} samples)")
    if args.scale > 1:
        cache = tempfile.mkdtemp(prefix="xpo1review-bench-")
        made.append(cache)
        big = scaled_copy(args.cohort, args.scale, Path(cache))
        r = probe(f"whole-frame x{args.scale}", args.cohort, cache, str(big))
        print(f"  {'whole-frame x' + str(args.scale) + ' (pyreadr)':24} "
              f"{r['seconds'] * 1e3:7.0f} ms  peak RSS +{r['rss_mb']:6.1f} MB  "
              f"({r['n']} rows, {big.stat().st_size / 1e6:.1f} MB file)")
    return 0


def scaled_copy(cohort: str, scale: int, into: Path) -> Path:
    """The cohort's frame with its rows repeated ``scale`` times, as an .rda in ``into``."""
    import pandas as pd
    import pyreadr

    from reviewbuild.data import fetch, registry

    src = registry.get_source(f"firehose-{cohort}")
    name = src.filename.rsplit(".", 1)[0]
    frame = pyreadr.read_r(str(fetch.fetch(src.id)))[name]
    target = into / src.filename
    pyreadr.write_rdata(str(target), pd.concat([frame] * scale, ignore_index=True),
                        df_name=name, compress="gzip")
    return target


if __name__ == "__main__":
    sys.exit(main())
