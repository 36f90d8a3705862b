"""Errors by domain. Each message says what went wrong, where, and what to do."""

from __future__ import annotations


class ReviewBuildError(Exception):
    """Base class: the CLI prints these without a traceback and exits 1."""


# --- data -------------------------------------------------------------------
class DataError(ReviewBuildError):
    """A data source is unknown, unreadable or malformed."""


class UnknownSource(DataError):
    """A source id that is not in data/sources.yaml."""


class ChecksumMismatch(DataError):
    """A file's sha256 differs from the pinned one."""


class SourceUnavailable(DataError):
    """A registered source that cannot be had in this build (unpinned, offline, ...)."""


class NetworkTimeout(SourceUnavailable):
    """A server did not accept a connection, or sent nothing, in time."""


class DeadlineExceeded(SourceUnavailable):
    """A download was still running when its deadline (REVIEWBUILD_DEADLINE) came."""


class DownloadTooLarge(SourceUnavailable):
    """A download brought more bytes than the registry allows for its source."""


class CacheUnwritable(DataError):
    """The cache cannot be written (read-only, full, no permission); names the path."""


class SchemaError(DataError):
    """A loaded table fails validation."""


# --- claims and notebooks ---------------------------------------------------
class ClaimDrift(ReviewBuildError):
    """A statement in the text no longer matches the data."""


class ClaimError(ReviewBuildError):
    """A claim is misused (duplicate id, bad arguments)."""


class QmdSyntaxError(ReviewBuildError):
    """A chapter cannot be parsed (unclosed fence, bad YAML); names file and line."""


class NotebookError(ReviewBuildError):
    """A chapter fails to execute or its golden notebook is stale."""


# --- citations --------------------------------------------------------------
class CitationError(ReviewBuildError):
    """The bibliography or the chapters' citations are inconsistent."""


# --- curated tables and external APIs ---------------------------------------
class CuratedDataError(DataError):
    """A row of a curated file (trials, compounds, ...) breaks its schema."""


class RemoteAPIError(ReviewBuildError):
    """An online service (ClinicalTrials.gov, Crossref) failed or answered nonsense."""


class NoProjectRoot(ReviewBuildError, FileNotFoundError):
    """The book's root cannot be found (``REVIEWBUILD_ROOT`` names no directory, or no
    ``_quarto.yml`` above the current directory)."""


class UnsafePath(ReviewBuildError):
    """A path from the registry, a chapter or a curated file that leaves its directory."""
