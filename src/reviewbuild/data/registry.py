"""The data registry: ``data/sources.yaml`` parsed into :class:`Source` records."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from reviewbuild.exceptions import DataError, UnknownSource
from reviewbuild.paths import escape_reason, project_root

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_BLOB = re.compile(r"^[0-9a-f]{40}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
#: The explicit value of ``sha256:`` for a registered but unpinned source.
UNPINNED = "unpinned"
_REQUIRED = ("id", "url", "sha256", "format", "licence", "cite", "description", "mirror", "cohorts")
_ROLES = {"survival", "expression", "paired-subset", "curated-cohort", "summary", "documentation"}


@dataclass(frozen=True)
class Source:
    """One registered file, pinned by ``sha256`` and/or ``git_blob`` (its git blob id: SHA-1
    of ``b"blob <size>\\0"`` + bytes); a source with neither is unpinned."""

    id: str
    url: str
    sha256: str | None
    format: str
    licence: str
    cite: tuple[str, ...]
    description: str
    mirror_path: str
    cohorts: tuple[str, ...]
    role: str = "expression"
    origin: str | None = None
    git_blob: str | None = None

    @property
    def pinned(self) -> bool:
        return self.sha256 is not None or self.git_blob is not None

    @property
    def filename(self) -> str:
        return Path(self.mirror_path).name

    @property
    def citation(self) -> str:
        """Pandoc citation, e.g. ``[@liu2018cdr]``."""
        return "[" + "; ".join(f"@{key}" for key in self.cite) + "]"


def registry_path() -> Path:
    return project_root() / "data" / "sources.yaml"


def load_registry(path: Path | None = None) -> dict[str, Source]:
    """All sources by id, in file order. Raises DataError naming the entry that is malformed."""
    path = Path(path) if path is not None else registry_path()
    stat = path.stat()
    return dict(_load(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int, _size: int) -> tuple[tuple[str, Source], ...]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DataError(f"{path}: not valid YAML: {err}") from err
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a top-level `sources:` list")
    lines = _entry_lines(text)
    out: dict[str, Source] = {}
    for n, entry in enumerate(entries, 1):
        at = f"{path}:{lines[n - 1]}" if len(lines) == len(entries) else path
        src = _parse_entry(at, n, entry)
        if src.id in out:
            raise DataError(f"{at}: entry {n}: duplicate source id {src.id!r}")
        out[src.id] = src
    return tuple(out.items())


def _parse_git_blob(where: str, entry: dict) -> str | None:
    """The optional ``git_blob`` pin: 40 lowercase hex digits (``git hash-object``)."""
    blob = entry.get("git_blob")
    if blob is not None and not _GIT_BLOB.match(str(blob)):
        raise DataError(f"{where} ({entry.get('id', '?')}): git_blob {str(blob)!r} must be 40 "
                        "lowercase hex digits, the file's git blob id (`git hash-object FILE`)")
    return None if blob is None else str(blob)
def _entry_lines(text: str) -> list[int]:
    """The line on which each entry of ``sources:`` starts (empty if that cannot be told)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        items = next(v for k, v in node.value if k.value == "sources").value
        return [item.start_mark.line + 1 for item in items]
    except (yaml.YAMLError, AttributeError, StopIteration, TypeError, ValueError):
        return []


def _parse_entry(path: str, n: int, entry: object) -> Source:
    where = f"{path}: entry {n}"
    if not isinstance(entry, dict):
        raise DataError(f"{where}: expected a mapping, got {type(entry).__name__}")
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise DataError(f"{where} ({entry.get('id', '?')}): missing field(s) {', '.join(missing)}")
    sid = str(entry["id"])
    if not _ID.match(sid):
        raise DataError(f"{where}: id {sid!r} must be letters, digits, '.', '_' or '-' "
                        "(it names files in the cache)")
    where = f"{where} ({sid})"
    sha = _parse_sha256(where, entry["sha256"])
    url, mirror = str(entry["url"]), str(entry["mirror"])
    if why := _url_problem(url):
        raise DataError(f"{where}: url {url!r} is malformed ({why}); fix it in the registry")
    if why := escape_reason(mirror):
        raise DataError(f"{where}: mirror {mirror!r} must be a path inside the mirror and "
                        f"cache directories ({why}), e.g. tcga-cdr/file.xlsx")
    role = str(entry.get("role", "expression"))
    if role not in _ROLES:
        raise DataError(f"{where}: role {role!r} not one of {sorted(_ROLES)}")
    cite = entry["cite"]
    cite = (cite,) if isinstance(cite, str) else tuple(str(k) for k in cite)
    cohorts = tuple(str(c) for c in entry["cohorts"] or ())
    bad = [c for c in cohorts if not _ID.match(c)]
    if bad:
        raise DataError(f"{where}: cohort name(s) {bad} are not names (letters, digits, "
                        "'.', '_', '-'); the book's cohorts are declared in data/analyses.yaml")
    return Source(
        id=sid,
        url=url,
        sha256=sha,
        format=str(entry["format"]),
        licence=str(entry["licence"]),
        cite=cite,
        description=str(entry["description"]),
        mirror_path=mirror,
        cohorts=cohorts,
        role=role,
        origin=entry.get("origin"),
        git_blob=_parse_git_blob(f"{path}: entry {n}", entry),
    )


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be downloaded, or None (the network is not consulted)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as err:
        return str(err)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL with a host"
    if any(c.isspace() for c in url):
        return "it contains white space"
    return None


def _parse_sha256(where: str, value: object) -> str | None:
    """The pinned hash, or None for an explicitly unpinned source (``sha256: unpinned``).

    A blank or null value is an error, so an edit cannot silently drop a pin."""
    if value == UNPINNED:
        return None
    if value is None or not str(value).strip():
        raise DataError(f"{where}: sha256 is empty; pin the file's hash (64 hex digits) or, "
                        f"to register it unpinned on purpose, write `sha256: {UNPINNED}`")
    if not _SHA256.match(str(value)):
        raise DataError(f"{where}: sha256 {str(value)!r} is not 64 lowercase hex digits "
                        f"(nor `{UNPINNED}`)")
    return str(value)


def get_source(source_id: str, registry: dict[str, Source] | None = None) -> Source:
    """The source with this id, or UnknownSource with close matches."""
    registry = registry if registry is not None else load_registry()
    try:
        return registry[source_id]
    except KeyError:
        lowered = {sid.lower(): sid for sid in registry}  # case is never the difference
        close = [lowered[m] for m in difflib.get_close_matches(
            source_id.lower(), list(lowered), n=3, cutoff=0.5)]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownSource(
            f"unknown data source {source_id!r} (not in {registry_path()}).{hint} "
            "Run `reviewbuild data status` for the list."
        ) from None


def sources_for_cohort(cohort: str, role: str | None = None) -> list[Source]:
    """Sources serving a cohort (optionally of one role), in registry order."""
    return [
        s
        for s in load_registry().values()
        if cohort in s.cohorts and (role is None or s.role == role)
    ]
