"""Chapter executions and kernel starts of a build, counted, in a fresh clone.

    REVIEWBUILD_MIRROR=../shared/data python benchmarks/build.py [--jobs 1 2] [--quarto]
        [--chapters chapters/09-gastric.qmd ...]

Clones the committed tree (HEAD) into a temporary folder and measures there:

0. with ``--quarto`` (Quarto on PATH), first, as a fresh clone is: ``reviewbuild build``
   (cold: data, checks, the chapters whose golden notebooks are not current, the notebooks
   Quarto renders, ``quarto render``), then ``quarto render`` alone (the render without
   execution), then ``reviewbuild build`` again (unchanged); the ratio of the cold build to
   the render plus the executions it needed; kernel starts (Quarto should start none);
1. ``notebooks accept``, which brings the committed golden notebooks up to this code (0
   executions when they are current), then a no-op ``reviewbuild notebooks build``;
2. ``notebooks build --force`` of the chapters (all by default) once per ``--jobs`` value,
   each cold (the cache's computed values, parsed frames and permutation searches, removed
   first, as on a fresh machine): wall time, executions, kernel starts, committed files
   changed (none: an unchanged book rebuilds byte for byte); the ratio of parallel to
   sequential time; then once more sequentially with those values kept (warm);
3. the start-up floor: one kernel per chapter, started afresh by the engine (no fork
   server), importing pandas, matplotlib and lifelines and nothing else; sequential execution
   (kernels forked from the engine's fork server, as a build runs them) against it;
4. a code change to one chapter (a new statement in its last cell): exactly that chapter
   executes, once.

Every Jupyter kernel started in the clone is counted through a ``python3`` kernel spec put
first on ``JUPYTER_PATH``, which logs one line (with Quarto's figure format, which tells the
output format) and then runs the usual kernel (forked or started afresh alike). With
``REVIEWBUILD_FORK_KERNELS=0`` every kernel starts afresh. Nothing is written outside the
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_LAUNCH = ("import os, runpy\n"
           "with open({log!r}, 'a') as f:\n"
           "    f.write(os.environ.get('QUARTO_FIG_FORMAT', 'engine') + '\\n')\n"
           "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)\n")


def counting_kernel(folder: Path, log: Path) -> dict[str, str]:
    """A ``python3`` kernel spec that logs each start (a kernel forked by the engine's fork
    server, or one started afresh); the environment that makes it used."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (folder / "counted_kernel.py").write_text(_LAUNCH.format(log=str(log)), encoding="utf-8")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "counted_kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (counted)", "language": "python"}), encoding="utf-8")
    return {"JUPYTER_PATH": str(folder)}


def starts(log: Path) -> dict[str, int]:
    """Kernel starts logged so far, by figure format (``engine`` for the engine's own)."""
    lines = log.read_text(encoding="utf-8").split() if log.is_file() else []
    return {kind: lines.count(kind) for kind in sorted(set(lines))}


def run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, str, dict]:
    """Run ``cmd``; (seconds, its output, kernel starts during it)."""
    log.unlink(missing_ok=True)
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return took, done.stdout + done.stderr, starts(log)


def executed(output: str) -> list[str]:
    return re.findall(r"^(\S+): executed in ", output, flags=re.MULTILINE)


_FLOOR = """
import sys, time
from pathlib import Path
from nbformat.v4 import new_code_cell, new_notebook
from reviewbuild.notebooks.execute import execute_notebook
began = time.perf_counter()
for _ in range(int(sys.argv[1])):
    nb = new_notebook(cells=[new_code_cell("import pandas, matplotlib, lifelines")])
    execute_notebook(nb, Path("."), "chapters/start-up-floor.qmd")
print(time.perf_counter() - began)
"""


def start_up_floor(clone: Path, env: dict[str, str], kernels: int) -> float:
    """Seconds for ``kernels`` engine kernels started afresh (not forked) that import pandas,
    matplotlib and lifelines: the cost a build would pay for start-up without a fork server."""
    done = subprocess.run([sys.executable, "-c", _FLOOR, str(kernels)], cwd=clone,
                          env={**env, "REVIEWBUILD_FORK_KERNELS": "0"},
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def rewritten(clone: Path) -> str:
    """Which committed files a run changed: none, when an unchanged book rebuilds byte for
    byte (from an empty cache or a warm one alike)."""
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=clone, check=True,
                             capture_output=True, text=True).stdout.split("\n")
    changed = [line[3:] for line in changed if line.strip()]
    return f"files changed: {', '.join(changed)}" if changed else "tree unchanged"


def cell_seconds(output: str) -> float:
    """Seconds the executed chapters spent inside their cells, from the progress lines."""
    return sum(float(x) for x in re.findall(r": executed in \S+ s \(cells (\S+) s", output))


def quarto_builds(rb: list[str], clone: Path, env: dict[str, str], log: Path) -> None:
    """A fresh clone's build, the render alone, and an unchanged build (step 0)."""
    env = {**env, "QUARTO_PYTHON": sys.executable}
    cold, out, kernels = run(rb + ["build", "--require-quarto"], clone, env, log)
    ran = executed(out)
    print(f"reviewbuild build (fresh clone): {cold:.1f} s, {len(ran)} executions, "
          f"kernel starts {kernels}")
    render, out, kernels = run(["quarto", "render"], clone, env, log)
    print(f"quarto render alone: {render:.1f} s, kernel starts {kernels}")
    again, out, kernels = run(rb + ["build", "--require-quarto"], clone, env, log)
    print(f"reviewbuild build (unchanged): {again:.1f} s, {len(executed(out))} executions, "
          f"kernel starts {kernels}")
    print(f"fresh-clone build / render alone: {cold / render:.2f} (target <= 1.2, plus the "
          f"executions needed: {len(ran)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--chapters", nargs="*", default=[])
    parser.add_argument("--quarto", action="store_true",
                        help="also time a fresh clone's `reviewbuild build` and `quarto render`")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="reviewbuild-bench-"))
    clone = work / "book"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # as scripts/bootstrap.sh leaves a fresh clone: where PYTHONDONTWRITEBYTECODE=1, nothing
    # else writes the packages' bytecode, and every kernel would compile them afresh
    subprocess.run([sys.executable, "-m", "compileall", "-qq", str(clone / "src")], check=True)
    log = work / "kernels.log"
    # the clone's packages, not the working tree's that the environment installs (editable)
    path = os.pathsep.join(filter(None, [str(clone / "src"), os.environ.get("PYTHONPATH")]))
    path = os.pathsep.join([path, str(work / "jupyter")])
    env = {**os.environ, **counting_kernel(work / "jupyter", log), "PYTHONPATH": path,
           "REVIEWBUILD_CACHE": os.environ.get("REVIEWBUILD_CACHE", str(work / "cache"))}
    default_mirror = ROOT.parent / "shared" / "data"
    if "REVIEWBUILD_MIRROR" not in env and default_mirror.is_dir():
        env["REVIEWBUILD_MIRROR"] = str(default_mirror)
    rb = [sys.executable, "-m", "reviewbuild"]
    if args.quarto:
        quarto_builds(rb, clone, env, log)
    run(rb + ["data", "fetch"], clone, env, log)

    took, out, kernels = run(rb + ["notebooks", "accept"] + args.chapters, clone, env, log)
    print(f"catch-up (goldens of HEAD brought to this code): {took:.1f} s, "
          f"{len(executed(out))} executions, kernel starts {kernels}")
    took, out, kernels = run(rb + ["notebooks", "build"] + args.chapters, clone, env, log)
    print(f"no-op notebooks build: {took:.1f} s, {len(executed(out))} executions, "
          f"kernel starts {kernels}")
    times, inside, warm = {}, {}, None
    own_cache = env["REVIEWBUILD_CACHE"] == str(work / "cache")
    for jobs, cold in [(j, True) for j in args.jobs] + [(1, False)] * (1 in args.jobs):
        if cold and own_cache:
            shutil.rmtree(work / "cache" / ".derived", ignore_errors=True)
        took, out, kernels = run(rb + ["notebooks", "build", "--force", "--jobs", str(jobs)]
                                 + args.chapters, clone, env, log)
        if cold:
            times[jobs], inside[jobs] = took, cell_seconds(out)
        else:
            warm = took
        print(f"notebooks build --force --jobs {jobs} ({'cold' if cold else 'warm'}): "
              f"{took:.1f} s, {len(executed(out))} executions, kernel starts {kernels}; "
              f"{rewritten(clone)}")
    if not own_cache:
        print("(REVIEWBUILD_CACHE is set: the values computed in it were kept, so the runs "
              "above may not be cold)")
    if 1 in times and len(args.jobs) > 1:
        best = min(times[j] for j in args.jobs)
        print(f"parallel / sequential: {best / times[1]:.2f} (target <= 0.6)")
    if 1 in times:
        n = len(executed(out))
        floor = start_up_floor(clone, env, n)
        print(f"start-up floor: {floor:.1f} s for {n} kernels ({floor / n:.2f} s each); "
              f"sequential / floor: {times[1] / floor:.2f} cold, {warm / floor:.2f} warm "
              "(target <= 1.3)")
        outside = times[1] - inside[1]
        print(f"sequential: {inside[1]:.1f} s inside the chapters' cells (their own work), "
              f"{outside:.1f} s outside them (kernels, engine): {outside / floor:.2f} x floor")

    chapter = (args.chapters or executed(out) or ["chapters/09-gastric.qmd"])[-1]
    qmd = clone / chapter
    text = qmd.read_text(encoding="utf-8")
    cut = text.rindex("\n```\n")
    qmd.write_text(text[:cut] + "\n_benchmark_marker = 1" + text[cut:], encoding="utf-8")
    took, out, kernels = run(rb + ["notebooks", "accept"], clone, env, log)
    print(f"one chapter's code changed ({chapter}): {took:.1f} s, executed "
          f"{executed(out)}, kernel starts {kernels}")
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=clone, check=True)

    print(f"(clone kept in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
