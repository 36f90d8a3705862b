"""The data registry: ``data/sources.yaml`` parsed into :class:`Source` records."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from reviewbuild import yamlsafe
from reviewbuild.exceptions import DataError, UnknownSource
from reviewbuild.paths import escape_reason, project_root

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_BLOB = re.compile(r"^[0-9a-f]{40}$")
_ID = ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
#: The explicit value of ``sha256:`` for a registered but unpinned source.
UNPINNED = "unpinned"
_REQUIRED = ("id", "url", "sha256", "format", "licence", "cite", "description", "mirror", "cohorts")
_OPTIONAL = ("role", "origin", "git_blob", "size")
_TEXT = ("id", "url", "sha256", "format", "licence", "description", "mirror", "role", "origin",
         "git_blob")
#: Roles of per-sample data (which ``data/analyses.yaml`` may declare for an analysis).
PER_SAMPLE_ROLES = ("expression", "paired-subset", "curated-cohort")
_ROLES = {*PER_SAMPLE_ROLES, "survival", "summary", "documentation"}
#: The largest download of a source without a declared ``size:``, unless the registry's
#: top-level ``max_size:`` says otherwise (bytes).
DEFAULT_MAX_SIZE = 1 << 30


@dataclass(frozen=True)
class Source:
    """One registered file, pinned by ``sha256`` and/or ``git_blob`` (its git blob id: SHA-1
    of ``b"blob <size>\\0"`` + bytes); a source with neither is unpinned. ``size`` is its
    declared size in bytes (optional); ``max_bytes`` the most a download of it may bring
    (the declared size, else the registry's ``max_size``)."""

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
    size: int | None = None
    max_bytes: int = DEFAULT_MAX_SIZE

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
    try:
        stat = path.stat()
    except OSError as err:
        raise DataError(f"{path}: the data registry cannot be read ({err.strerror}); "
                        "restore it from git") from None
    return dict(_load(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


def _read_entries(path: Path | str) -> tuple[list[yaml.Node], int]:
    """The nodes of the entries of ``sources:`` (safely read: DataError at file:line) and
    the registry's ``max_size``."""
    _, node, _ = yamlsafe.read(Path(path), str(path), what="the data registry", error=DataError)
    entries = yamlsafe.child(node, "sources")
    if not isinstance(entries, yaml.SequenceNode):
        raise DataError(f"{path}:1: expected a top-level `sources:` list")
    limit = yamlsafe.child(node, "max_size")
    if limit is None:
        return entries.value, DEFAULT_MAX_SIZE
    return entries.value, _size(f"{path}:{yamlsafe.line_of(limit)}: max_size", limit)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int, _size: int) -> tuple[tuple[str, Source], ...]:
    entries, limit = _read_entries(path)
    out: dict[str, Source] = {}
    for n, node in enumerate(entries, 1):
        src = _parse_entry(path, n, node, limit)
        if src.id in out:
            raise DataError(f"{path}:{yamlsafe.line_of(node)}: entry {n}: duplicate source id "
                            f"{src.id!r}")
        out[src.id] = src
    _distinct_mirrors(path, entries, list(out.values()))
    return tuple(out.items())


def _distinct_mirrors(path: str, entries: list[yaml.Node], sources: list[Source]) -> None:
    """Each source has its own file: no two share a mirror path, nor is one inside another's."""
    seen: dict[str, str] = {}
    for node, src in zip(entries, sources, strict=True):
        mine = src.mirror_path
        clash = next((other for theirs, other in seen.items()
                      if theirs == mine or theirs in _folders(mine) or mine in _folders(theirs)),
                     None)
        if clash:
            line = yamlsafe.key_lines(node).get("mirror", yamlsafe.line_of(node))
            raise DataError(f"{path}:{line}: {src.id}: mirror {src.mirror_path!r} is the file "
                            f"(or a folder of the file) of {clash}: each source needs its own "
                            "path, or fetching one evicts the other's verified file")
        seen[src.mirror_path] = src.id


def _folders(mirror: str) -> set[str]:
    """The folders a mirror path lies in (``a/b/c`` -> ``a``, ``a/b``)."""
    parts = mirror.split("/")
    return {"/".join(parts[:i]) for i in range(1, len(parts))}


def _size(where: str, node: yaml.Node) -> int:
    """A positive whole number of bytes."""
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if node.tag != "tag:yaml.org,2002:int" or not str(value).lstrip("+").isdigit() \
            or int(value) <= 0:
        raise DataError(f"{where} must be a positive whole number of bytes, e.g. 1048576, "
                        f"not {value if value is not None else node.id!r}")
    return int(value)


def _fields(at: str, n: int, node: yaml.Node) -> tuple[dict[str, yaml.Node], dict[str, int]]:
    """An entry's fields (value nodes) and their lines; every field known, none missing."""
    if not isinstance(node, yaml.MappingNode):
        raise DataError(f"{at}: entry {n}: expected a mapping of fields (`id: ...`), got "
                        f"{node.id}")
    fields = {str(k.value): v for k, v in node.value}
    lines = {str(k.value): yamlsafe.line_of(v) for k, v in node.value}
    sid = fields["id"].value if isinstance(fields.get("id"), yaml.ScalarNode) else "?"
    unknown = [k for k in fields if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise DataError(f"{at}: entry {n} ({sid}): unknown field(s) {', '.join(unknown)}; "
                        f"the fields are {', '.join(_REQUIRED + _OPTIONAL)}")
    missing = [key for key in _REQUIRED if key not in fields]
    if missing:
        raise DataError(f"{at}: entry {n} ({sid}): missing field(s) {', '.join(missing)}")
    return fields, lines


def _texts(path: str, n: int, node: yaml.Node
           ) -> tuple[dict, dict[str, str], dict[str, yaml.Node]]:
    """The entry as Python values and ``file:line: entry n (id)`` per field; a field that
    must be text and is not (a number, a date, a list) is an error at its line."""
    fields, lines = _fields(f"{path}:{yamlsafe.line_of(node)}", n, node)
    entry = yaml.SafeLoader("").construct_document(node)
    sid = entry["id"] if isinstance(entry["id"], str) else "?"
    where = {k: f"{path}:{lines[k]}: entry {n}" + ("" if k == "id" else f" ({sid})")
             for k in fields}
    for key in _TEXT:
        if key in entry and not isinstance(entry[key], str) and not (
                key in ("sha256", "origin", "git_blob") and entry[key] is None):
            raise DataError(f"{where[key]}: {key} must be text, not {entry[key]!r} "
                            f"({type(entry[key]).__name__}); quote it")
    return entry, where, fields


def _names(where: str, key: str, value: object, example: str) -> tuple[str, ...]:
    """A list of names (text); a bare name counts for ``cite``, never letter by letter."""
    if key == "cite" and isinstance(value, str):
        value = [value]
    if value is None and key == "cohorts":
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (
            key == "cite" and not value):
        raise DataError(f"{where}: {key} must be a list of names, e.g. `{key}: {example}`, "
                        f"not {value!r}")
    return tuple(value)


def _parse_git_blob(where: str, entry: dict) -> str | None:
    """The optional ``git_blob`` pin: 40 lowercase hex digits (``git hash-object``)."""
    blob = entry.get("git_blob")
    if blob is not None and not _GIT_BLOB.match(str(blob)):
        raise DataError(f"{where}: git_blob {str(blob)!r} must be 40 "
                        "lowercase hex digits, the file's git blob id (`git hash-object FILE`)")
    return None if blob is None else str(blob)


def mirror_problem(mirror: str) -> str | None:
    """Why ``mirror`` cannot name a source's file in the mirror and the cache, or None."""
    if why := escape_reason(mirror):
        return why
    parts = mirror.split("/")
    if any(part in ("", ".") for part in parts):
        return "every part between slashes must be a name (no empty or '.' part)"
    if any(part.startswith(".") for part in parts):
        return "names starting with '.' are the cache's own"
    return None


def _parse_entry(path: str, n: int, node: yaml.Node, limit: int) -> Source:
    entry, where, fields = _texts(path, n, node)
    sid = entry["id"]
    if not _ID.match(sid):
        raise DataError(f"{where['id']}: id {sid!r} must be letters, digits, '.', '_' or '-' "
                        "(it names files in the cache)")
    sha = _parse_sha256(where["sha256"], entry["sha256"])
    url, mirror = entry["url"], entry["mirror"]
    if why := _url_problem(url):
        raise DataError(f"{where['url']}: url {url!r} is malformed ({why}); fix it in the "
                        "registry")
    if why := mirror_problem(mirror):
        raise DataError(f"{where['mirror']}: mirror {mirror!r} must be a path inside the mirror "
                        f"and cache directories ({why}), e.g. tcga-cdr/file.xlsx")
    role = entry.get("role", "expression")
    if role not in _ROLES:
        raise DataError(f"{where['role']}: role {role!r} not one of {sorted(_ROLES)}")
    cite = _names(where["cite"], "cite", entry["cite"], "[liu2018cdr]")
    cohorts = _names(where["cohorts"], "cohorts", entry["cohorts"], "[STAD, LIHC]")
    bad = [c for c in cohorts if not _ID.match(c)]
    if bad:
        raise DataError(f"{where['cohorts']}: cohort name(s) {bad} are not names (letters, "
                        "digits, '.', '_', '-'); the book's cohorts are declared in "
                        "data/analyses.yaml")
    size = _size(f"{where['size']}: size", fields["size"]) if "size" in fields else None
    return Source(
        id=sid, url=url, sha256=sha, format=entry["format"], licence=entry["licence"],
        cite=cite, description=entry["description"], mirror_path=mirror, cohorts=cohorts,
        role=role, origin=entry.get("origin"),
        git_blob=_parse_git_blob(where.get("git_blob", ""), entry),
        size=size, max_bytes=size or limit,
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
