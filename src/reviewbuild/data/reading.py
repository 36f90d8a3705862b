"""What every loader shares: result types, and reading a registered file safely.

:func:`open_source` fetches through :func:`reviewbuild.data.fetch.fetch` (sha256-verified) and
records the read in :mod:`reviewbuild.data.provenance`; :func:`refuse` is the
:class:`~reviewbuild.exceptions.SchemaError` naming the source and file when content is not
what the registry promises; :func:`derived` caches a parsed frame beside the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar

import pandas as pd
import pandera.pandas as pa
import pyreadr

from reviewbuild.data import provenance as _prov
from reviewbuild.data.cachedir import cached_path
from reviewbuild.data.fetch import fetch
from reviewbuild.data.pins import sha256_file
from reviewbuild.data.provenance import Provenance
from reviewbuild.data.registry import Source, get_source
from reviewbuild.data.remembered import remembered
from reviewbuild.exceptions import DataError, SchemaError

T = TypeVar("T")


# --- result types -------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """A validated tidy frame and where it came from."""

    frame: pd.DataFrame
    provenance: Provenance
    available: ClassVar[bool] = True


@dataclass(frozen=True)
class Unavailable:
    """Per-sample data the commit declares unused for a cohort and analysis (falsy).

    ``source_id`` is the registered source that could serve it (the first candidate);
    ``reason`` is the declaration's ``why``, in words for readers.
    """

    cohort: str
    source_id: str
    reason: str
    analysis: str = ""
    available: ClassVar[bool] = False

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        what = f"{self.cohort} {self.analysis}".strip()
        return f"{what}: no per-sample data used in this book ({self.reason})"


@dataclass(frozen=True)
class DropReport:
    """What a join kept and what it dropped, with the reason per dropped row."""

    n_in: int
    n_kept: int
    reasons: dict[str, int]
    dropped: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        text = f"kept {self.n_kept} of {self.n_in} samples"
        if self.reasons:
            text += "; dropped " + "; ".join(f"{r}: {n}" for r, n in self.reasons.items())
        return text


# --- reading files ------------------------------------------------------------
def open_source(source_id: str) -> tuple[Source, Path, str]:
    """Fetch (verified), hash and record a source; returns (source, path, sha256).

    A source that cannot be had raises, naming the source, its cache file and the fix."""
    src = get_source(source_id)
    try:
        path = fetch(source_id)
    except DataError as err:
        err.args = (f"{src.id} (cache file {cached_path(src)}) cannot be read: {err}",)
        raise
    sha = sha256_file(path)
    _prov.record(source_id, sha)
    return src, path, sha


def refuse(src: Source, path: Path, what: str) -> SchemaError:
    return SchemaError(
        f"{src.id} ({path}): {what}. Refused rather than read as wrong data: check that "
        f"data/sources.yaml registers the right file for {src.id}, or delete the file and "
        f"run `reviewbuild data fetch {src.id}`."
    )


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, src: Source, path: Path):
    try:
        return schema.validate(frame)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as err:
        raise refuse(src, path, f"fails validation: {err}") from None


def derived(src: Source, sha: str, key: str, build: Callable[[], T]) -> T:
    """What ``build`` parses from a file (a frame), cached under the file's sha256, its registry
    entry (a parser may use its file name) and the code that parses it
    (:func:`reviewbuild.data.remembered.remembered`)."""
    return remembered(f"{src.id}-{key}", build, inputs=f"{sha}\0{src!r}")


def read_rdata(src: Source, path: Path, obj: str | None = None) -> pd.DataFrame:
    """The data frame ``obj`` (default: the file's stem) from an .rda/.RData file."""
    obj = obj or Path(src.filename).stem
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no readable objects": reported below
            result = pyreadr.read_r(str(path), use_objects=[obj])
    except Exception as err:  # pyreadr/librdata raise several unrelated types
        raise refuse(src, path, f"cannot be read as R data ({type(err).__name__}: {err})") from None
    if obj not in result:
        try:
            present = list(pyreadr.list_objects(str(path)))
        except Exception:  # noqa: BLE001 - only for the message
            present = []
        names = ", ".join(o.get("object_name", "?") for o in present) or "none"
        raise refuse(src, path, f"has no R object {obj!r} (objects: {names})")
    return result[obj]

