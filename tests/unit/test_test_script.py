"""scripts/test.sh: the project's gate runs before third-party linters, which run bounded;
its pytest run executes each chapter once."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time

from reviewbuild.notebooks import cache
from reviewbuild.paths import project_root

ROOT = project_root()
BOUNDED = ROOT / "scripts" / "bounded.sh"


def _steps() -> list[str]:
    """The commands of scripts/test.sh, in order (comments and echo lines dropped)."""
    text = (ROOT / "scripts" / "test.sh").read_text().replace("\\\n", " ")
    lines = text.splitlines()
    return [ln.strip() for ln in lines
            if ln.strip() and not ln.strip().startswith(("#", "echo"))]


def _index(steps: list[str], pattern: str) -> int:
    hits = [i for i, s in enumerate(steps) if re.search(pattern, s)]
    assert hits, f"no step matching {pattern!r} in scripts/test.sh"
    return hits[0]


def test_gate_runs_before_third_party_linters() -> None:
    steps = _steps()
    assert _index(steps, r"^reviewbuild check\b") < _index(steps, r"panache lint")


def test_panache_runs_under_the_bounds() -> None:
    step = _steps()[_index(_steps(), r"panache lint")]
    assert re.search(r"scripts/bounded\.sh \S+ \S+ +panache lint", step), step


def _bounded(seconds: int, megabytes: int, *cmd: str) -> tuple[int, str, float]:
    start = time.monotonic()
    done = subprocess.run(["bash", str(BOUNDED), str(seconds), str(megabytes), *cmd],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr, time.monotonic() - start


def test_a_runaway_allocation_is_stopped_and_reported() -> None:
    grab = "x = bytearray(1024 * 1024 * 1024); print(len(x))"  # 1 GB under a 300 MB bound
    rc, err, _ = _bounded(30, 300, sys.executable, "-c", grab)
    assert rc != 0
    assert "MemoryError" in err and "300 MB" in err.splitlines()[-1]


def test_a_command_that_never_ends_is_stopped_and_reported() -> None:
    rc, err, elapsed = _bounded(1, 500, "sleep", "30")
    assert rc == 124 and elapsed < 10
    assert err.splitlines()[-1] == "bounded: 'sleep 30' did not finish within 1 s and was " \
                                   "stopped (exit 124)."


def test_a_command_within_its_bounds_passes_through() -> None:
    rc, err, _ = _bounded(30, 500, sys.executable, "-c", "print('fine')")
    assert (rc, err) == (0, "")


def test_the_test_command_executes_each_chapter_once() -> None:
    """Its pytest run checks every chapter and golden notebook through the suite's one
    execution per chapter (tests/integration/test_notebooks.py), not by executing the
    golden notebooks again (nbval's own items)."""
    step = _steps()[_index(_steps(), r"^pytest\b")]
    words = [a for a in shlex.split(step)[1:] if a != "$@"]
    args = [a for i, a in enumerate(words)  # what is collected, not how it is distributed
            if a not in ("-n", "--dist") and words[i - 1] not in ("-n", "--dist")]
    assert "loadscope" in words  # a module's shared executions stay on one worker
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/integration/test_notebooks.py", "tests/notebooks"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    items = [line for line in done.stdout.splitlines() if "::" in line]
    assert done.returncode == 0 and items, done.stdout + done.stderr
    assert not [i for i in items if ".ipynb::" in i], "golden notebooks executed a second time"
    for chapter in cache.python_chapters(ROOT):
        for check in ("test_chapter_executes", "test_outputs_match_the_golden_notebook"):
            assert f"{check}[{chapter}]" in done.stdout, (check, chapter)


def test_the_gate_in_the_test_command_runs_every_check_with_the_claims() -> None:
    """Issue 20, item 1: a golden notebook that records a failing claim fails scripts/test.sh
    (the `claims` check of `reviewbuild check`; pytest's golden-notebook tests too)."""
    from reviewbuild import check

    step = _steps()[_index(_steps(), r"^reviewbuild check\b")]
    assert step == "reviewbuild check", step  # every check, not a chosen few
    assert "claims" in check.all_checks(ROOT)
