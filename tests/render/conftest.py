"""The rendered book: tests here need ``quarto`` (to render) or ``_book/`` (to check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xpo1review.paths import project_root


@pytest.fixture(scope="session")
def root() -> Path:
    return project_root()


@pytest.fixture(scope="session")
def book(root: Path) -> Path:
    path = root / "_book"
    if not (path / "index.html").is_file():
        reason = ("SKIPPED LOUDLY: no rendered book in _book/ — these checks run after "
                  "`quarto render` (in GitHub Actions, or locally with Quarto >= 1.9)")
        if shutil.which("quarto") is None:
            reason += "; Quarto is not installed on this machine"
        pytest.skip(reason)
    return path
