"""Shared fixtures. Keep short: domain fixtures live in their own test modules."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def mirror(monkeypatch) -> Path:
    """The offline data mirror ($REVIEWBUILD_MIRROR, else ../shared/data beside the project),
    exported as REVIEWBUILD_MIRROR so loaders read from it; skips loudly when absent."""
    env = os.environ.get("REVIEWBUILD_MIRROR")
    path = Path(env) if env else ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"DATA MIRROR NOT FOUND at {path}: set REVIEWBUILD_MIRROR=DIR to run "
                    "data tests (SKIPPED, NOT PASSED)")
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(path))
    return path


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("xpo1review-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(_session_cache, monkeypatch) -> Path:
    """Every test uses a per-session temporary cache, never the user's."""
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(_session_cache))
    return _session_cache


@pytest.fixture(scope="session", autouse=True)
def _kernels_started_afresh() -> Iterator[None]:
    """Chapters execute in kernels started afresh, as Quarto starts them, so the golden
    notebooks a build wrote from forked kernels are checked against such kernels on every run
    (tests/integration/test_forkserver.py forks). Session-wide: module fixtures execute too."""
    before = os.environ.get("REVIEWBUILD_FORK_KERNELS")
    os.environ["REVIEWBUILD_FORK_KERNELS"] = "0"
    yield
    if before is None:
        os.environ.pop("REVIEWBUILD_FORK_KERNELS")
    else:
        os.environ["REVIEWBUILD_FORK_KERNELS"] = before


@pytest.fixture
def simulated_survival() -> Callable[..., pd.DataFrame]:
    """Synthetic follow-up for figure and statistics tests (never shown as data)."""
    return _simulated_survival


def _simulated_survival(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """Hazard higher above zero of a normal ``xpo1``, uniform censoring."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-0.8 * (x > 0)), n) * 24
    c = rng.uniform(0, 48, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "xpo1": x})


@pytest.fixture(scope="session")
def golden_pdf_tables() -> list[tuple[str, str]]:
    """(notebook, pipe table) for every table in the golden notebooks' Markdown outputs: the
    tables the PDF prints, whichever code wrote them."""
    found = []
    for path in sorted((ROOT / "tests" / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                text = "".join(out.get("data", {}).get("text/markdown", ""))
                table = "\n".join(ln for ln in text.splitlines() if ln.startswith("|"))
                if table:
                    found.append((path.stem, table))
    return found
