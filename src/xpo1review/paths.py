"""Where the project's files live."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The book's root: ``XPO1REVIEW_ROOT`` if set, else the nearest parent with ``_quarto.yml``."""
    if env := os.environ.get("XPO1REVIEW_ROOT"):
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for parent in [start, *start.parents]:
            if (parent / "_quarto.yml").is_file():
                return parent
    raise FileNotFoundError(
        "cannot find the book's root (_quarto.yml): run from inside the project "
        "or set XPO1REVIEW_ROOT"
    )
