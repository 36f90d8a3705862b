"""The project's curated files: trials, compounds, mutations and XPO1 protein features.

Each file lives in ``data/`` and records values *as stated in the source review*, with the
bibliography keys they come from in ``refs`` (``;``-separated). :func:`load` reads a file and
validates it with pandera (schemas in :mod:`.schemas`); a bad row raises
:class:`CuratedDataError` naming ``file:line``. The pre-render gate is :mod:`.curated_check`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from reviewbuild.exceptions import CuratedDataError
from xpo1review.trials.schemas import ENTITIES
from xpo1review.trials.validation import curated_path, display_path, read_raw, validate


def load(name: str, root: Path | None = None) -> pd.DataFrame:
    """Load and validate one curated file (``trials``, ``compounds``, ``mutations``,
    ``xpo1_features``). Raises :class:`CuratedDataError` naming ``file:line``.

    A file is read and validated once per process while it keeps its size and modification
    time; every call gets its own copy of the frame."""
    path = curated_path(name, root)
    display = display_path(path, root)
    try:
        stat = path.stat()
    except OSError:  # read_raw names the file and what to do
        return _validated(name, path, display, 0, -1).copy()
    return _validated(name, path, display, stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=16)
def _validated(name: str, path: Path, display: str, _mtime: int, _size: int) -> pd.DataFrame:
    frame, problems = validate(read_raw(path, display), name, display)
    if problems:
        listing = "\n  ".join(str(p) for p in problems[:20])
        raise CuratedDataError(f"{display} breaks its schema (see data/README-curated.md):"
                               f"\n  {listing}")
    return frame


def trials(root: Path | None = None) -> pd.DataFrame:
    """The trials the review names, one row per NCT id."""
    return load("trials", root)


def compounds(root: Path | None = None) -> pd.DataFrame:
    """SINE compounds and other XPO1 inhibitors."""
    return load("compounds", root)


def mutations(root: Path | None = None) -> pd.DataFrame:
    """XPO1 alterations and their frequencies as the review states them."""
    return load("mutations", root)


def features(root: Path | None = None) -> pd.DataFrame:
    """XPO1 protein features (Fig. 1): positions only where a cited source gives them."""
    return load("xpo1_features", root)


def trials_for(entity: str, root: Path | None = None) -> pd.DataFrame:
    """The trials the review ties to one entity (a code of :data:`ENTITIES`)."""
    if entity not in ENTITIES:
        raise CuratedDataError(f"unknown entity {entity!r}: choose one of {ENTITIES}")
    frame = trials(root)
    return frame[frame["entities"].map(lambda v: entity in v.split(";"))].reset_index(drop=True)

