"""The citation gate: ``check(root)`` lists every problem as ``"file:line: message"``.

Checks (each one fails the build):

* ``references.bib`` does not parse (the failing block's line), or defines a key twice;
* an entry misses a field its type requires (:data:`bib.REQUIRED_FIELDS`), or has an
  unsupported type;
* a DOI that is not a bare, normalised DOI (``10.xxxx/...``, no ``https://doi.org/``, no
  trailing period); two entries with the same DOI (case-insensitive);
* a chapter cannot be read (:mod:`reviewbuild.qmd`), or cites a key (in its prose, captions
  or alt text) that is not in the bibliography;
* an entry is never cited, unless its key is in ``nocite`` (``data/citations.yaml`` or the
  ``nocite`` field of ``_quarto.yml``);
* ``data/references.csv`` (review number -> key) names a key that is not in the bib, skips
  a number, or maps two numbers to one key without saying so in its ``note``;
* a data source in ``data/sources.yaml`` cites (``cite:``) a key that is not in the bib.

Settings live in ``data/citations.yaml``: ``nocite`` (keys allowed to stay uncited) and
``unsigned`` (articles published without an author; the ``author`` field is waived).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml

from reviewbuild import yamlsafe
from reviewbuild.citations.bib import (
    REQUIRED_FIELDS,
    Bibliography,
    is_valid_doi,
    missing_fields,
    parse_bib,
)
from reviewbuild.citations.chapters import Citation, scan
from reviewbuild.exceptions import CitationError, ReviewBuildError
from reviewbuild.textfile import read_utf8

SETTINGS = Path("data") / "citations.yaml"
MAPPING = Path("data") / "references.csv"
SOURCES = Path("data") / "sources.yaml"
_NOCITE_KEY = re.compile(r"@([\w:.#$%&\-+?<>~/*]+)")


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_settings(root: Path) -> dict[str, set[str]]:
    """``nocite`` and ``unsigned`` key sets (empty when the file is absent)."""
    path = root / SETTINGS
    data = _read(path, root)[0] if path.is_file() else None
    data = data if isinstance(data, dict) else {}
    out = {name: data.get(name) or [] for name in ("nocite", "unsigned")}
    for name, keys in out.items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise CitationError(f"{SETTINGS}: `{name}:` must be a list of bibliography keys, "
                                f"not {keys!r}")
    return {name: set(keys) for name, keys in out.items()}


def _read(path: Path, root: Path) -> tuple[object, yaml.Node | None]:
    """A YAML file of the book, read by the engine's one safe reader (CitationError)."""
    data, node, _ = yamlsafe.read(path, _rel(path, root), error=CitationError)
    return data, node


def quarto_metadata(root: Path) -> dict:
    path = root / "_quarto.yml"
    if not path.is_file():
        return {}
    data = _read(path, root)[0]
    return data if isinstance(data, dict) else {}


def quarto_nocite(root: Path) -> set[str]:
    """Keys in ``_quarto.yml``'s ``nocite`` (pandoc syntax ``@a, @b``; ``@*`` = all)."""
    value = quarto_metadata(root).get("nocite") or ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return set(_NOCITE_KEY.findall(str(value)))


def bib_path(root: Path) -> Path:
    """The bibliography named in ``_quarto.yml`` (first one), default ``references.bib``."""
    value = quarto_metadata(root).get("bibliography") or "references.bib"
    if isinstance(value, list):
        value = value[0]
    return root / str(value)


def check_bib(bib: Bibliography, where: str, unsigned: set[str] = frozenset()) -> list[str]:
    """Problems inside the bibliography itself."""
    problems = [f"{where}:{p.line}: {p.message}" for p in bib.problems]
    seen_doi: dict[str, tuple[str, int]] = {}
    for entry in bib.entries:
        at = f"{where}:{entry.line}"
        if entry.entry_type not in REQUIRED_FIELDS:
            problems.append(f"{at}: entry '{entry.key}' has unsupported type @{entry.entry_type}")
        missing = missing_fields(entry)
        if entry.key in unsigned:
            missing = [m for m in missing if m != "author"]
        if missing:
            problems.append(
                f"{at}: entry '{entry.key}' (@{entry.entry_type}) lacks required field(s): "
                + ", ".join(missing)
            )
        doi = entry.doi
        if "doi" in entry.fields and not is_valid_doi(doi):
            problems.append(
                f"{at}: entry '{entry.key}' has a malformed DOI {doi!r} "
                "(write the bare DOI, e.g. 10.1038/nature07975: no https://doi.org/, no final '.')"
            )
        if doi:
            folded = doi.lower()
            if folded in seen_doi:
                other, line = seen_doi[folded]
                problems.append(
                    f"{at}: entry '{entry.key}' has the same DOI as '{other}' (line {line}): {doi}"
                )
            else:
                seen_doi[folded] = (entry.key, entry.line)
    return problems


def check_usage(
    bib: Bibliography, citations: list[Citation], root: Path, nocite: set[str]
) -> list[str]:
    """Cited keys missing from the bib; bib entries never cited (and not in nocite)."""
    keys = {e.key for e in bib.entries}
    problems = [
        f"{_rel(c.path, root) if c.path else '?'}:{c.line}: citation key '@{c.key}' is not in "
        f"{_rel(bib.path, root)}"
        for c in citations
        if c.key not in keys
    ]
    if "*" in nocite:
        return problems
    cited = {c.key for c in citations} | nocite
    where = _rel(bib.path, root)
    problems += [
        f"{where}:{e.line}: entry '{e.key}' is never cited in the chapters "
        f"(cite it, remove it, or list it under nocite in {SETTINGS})"
        for e in bib.entries
        if e.key not in cited
    ]
    return problems


def check_mapping(root: Path, keys: set[str]) -> list[str]:
    """``data/references.csv``: numbers 1..N in order, keys in the bib, repeats documented."""
    path = root / MAPPING
    if not path.is_file():
        return []
    where = _rel(path, root)
    problems: list[str] = []
    first: dict[str, int] = {}
    try:
        text = read_utf8(path, where, CitationError)
    except CitationError as err:
        return [str(err)]
    rows = csv.DictReader(io.StringIO(text, newline=""))
    if not {"number", "key"} <= set(rows.fieldnames or ()):
        return [f"{where}:1: the header must name the columns number,key,note separated by "
                f"commas, not {','.join(rows.fieldnames or ()) or 'nothing'}"]
    for line, row in enumerate(rows, start=2):
        number, key = row.get("number", ""), row.get("key", "")
        if number != str(line - 1):
            problems.append(
                f"{where}:{line}: expected reference number {line - 1}, found {number!r}"
            )
        if key not in keys:
            problems.append(f"{where}:{line}: key '{key}' is not in the bibliography")
        if key in first and str(first[key]) not in (row.get("note") or ""):
            problems.append(
                f"{where}:{line}: reference {number} reuses key '{key}' of reference "
                f"{first[key]} without a note saying they are the same article"
            )
        first.setdefault(key, int(number) if number.isdigit() else -1)
    return problems


def check_sources(root: Path, keys: set[str]) -> list[str]:
    """``cite:`` keys of ``data/sources.yaml`` must be bibliography keys (every YAML form:
    a bare key, a flow list on one or several lines, a block list)."""
    path = root / SOURCES
    if not path.is_file():
        return []
    where = _rel(path, root)
    try:
        node = _read(path, root)[1]
    except ReviewBuildError as err:
        return [str(err)]
    entries = yamlsafe.child(node, "sources")
    items = entries.value if isinstance(entries, yaml.SequenceNode) else []
    problems = []
    for cite in (yamlsafe.child(entry, "cite") for entry in items):
        values = cite.value if isinstance(cite, yaml.SequenceNode) else [cite]
        for value in values:
            if not isinstance(value, yaml.ScalarNode):
                continue  # not a key at all: the registry check says what is wrong
            if value.value not in keys:
                problems.append(f"{where}:{yamlsafe.line_of(value)}: cite key "
                                f"'{value.value}' is not in the bibliography")
    return problems


def check(root: Path | None = None) -> list[str]:
    """Every citation problem of the book under ``root`` (default: the project root)."""
    if root is None:
        from reviewbuild.paths import project_root

        root = project_root()
    root = Path(root)
    settings = load_settings(root)
    path = bib_path(root)
    where = _rel(path, root)
    if not path.is_file():
        return [f"{where}:1: bibliography file not found"]
    try:
        bib = parse_bib(path)
    except CitationError as err:
        return [str(err).replace(f"{root}/", "", 1)]
    problems = check_bib(bib, where, settings["unsigned"])
    citations, unreadable = scan(root)
    nocite = settings["nocite"] | quarto_nocite(root)
    if unreadable:  # which entries are never cited cannot be told while a chapter is unread
        nocite |= {"*"}
    problems += unreadable + check_usage(bib, citations, root, nocite)
    keys = {e.key for e in bib.entries}
    problems += check_mapping(root, keys)
    problems += check_sources(root, keys)
    return problems
