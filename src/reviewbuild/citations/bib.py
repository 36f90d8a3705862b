"""Read ``references.bib`` with bibtexparser v2; DOI and field helpers.

Line numbers are 1-based everywhere in this package.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

from reviewbuild.exceptions import CitationError
from reviewbuild.textfile import read_utf8

#: Crossref's recommended pattern for modern DOIs (case-insensitive).
DOI_RE = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9<>\[\]+]+$", re.IGNORECASE)
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)

#: Fields each entry type must have; a tuple inside means "any one of these".
REQUIRED_FIELDS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "article": ("author", "title", "journal", "year"),
    "book": (("author", "editor"), "title", "publisher", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "misc": ("title", "year"),
    "online": ("title", "year", "url"),
    "software": ("title", "year", "url"),
    "techreport": ("author", "title", "institution", "year"),
    "phdthesis": ("author", "title", "school", "year"),
}


@dataclass
class BibEntry:
    """One parsed entry: key, lower-case type, field values (braces kept), 1-based line."""

    key: str
    entry_type: str
    fields: dict[str, str]
    line: int

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    @property
    def doi(self) -> str:
        return strip_braces(self.get("doi")).strip()


@dataclass
class BibProblem:
    """Something wrong in the file itself: a block that did not parse or a duplicate key."""

    line: int
    message: str


@dataclass
class Bibliography:
    path: Path
    entries: list[BibEntry] = field(default_factory=list)
    problems: list[BibProblem] = field(default_factory=list)

    def by_key(self) -> dict[str, BibEntry]:
        return {e.key: e for e in self.entries}


def strip_braces(value: str) -> str:
    """Remove BibTeX case-protecting braces: ``{{XPO1} in {GI}}`` -> ``XPO1 in GI``."""
    return value.replace("{", "").replace("}", "")


def normalise_doi(value: str) -> str:
    """Strip ``https://doi.org/`` / ``doi:`` prefixes, whitespace and a trailing period."""
    doi = _DOI_PREFIXES.sub("", value.strip())
    return doi.rstrip(".").strip()


def is_valid_doi(value: str) -> bool:
    """True when ``value`` is a bare, normalised DOI (no prefix, no trailing period)."""
    return bool(DOI_RE.match(value)) and not value.endswith(".")


def ascii_fold(text: str) -> str:
    """Lower-case, accents removed: ``Görlich`` -> ``gorlich``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def split_authors(value: str) -> list[str]:
    """Split a BibTeX author field on top-level `` and ``."""
    names, depth, start = [], 0, 0
    text = value
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and text[i : i + 5].lower() == " and ":
            names.append(text[start:i].strip())
            start = i + 5
            i += 4
        i += 1
    names.append(text[start:].strip())
    return [n for n in names if n]


def first_author_family(entry: BibEntry) -> str | None:
    """Family name of the first author; None for corporate (braced) or missing authors."""
    names = split_authors(entry.get("author"))
    if not names or names[0].startswith("{"):
        return None
    first = names[0]
    family = first.split(",")[0] if "," in first else first.split()[-1]
    return strip_braces(family).strip()


def year_of(entry: BibEntry) -> int | None:
    match = re.search(r"\d{4}", entry.get("year") or entry.get("date"))
    return int(match.group()) if match else None


def missing_fields(entry: BibEntry) -> list[str]:
    """Required fields (per :data:`REQUIRED_FIELDS`) that are absent or empty."""
    required = REQUIRED_FIELDS.get(entry.entry_type)
    if required is None:
        return []
    present = {k for k, v in entry.fields.items() if strip_braces(v).strip()}
    missing = []
    for item in required:
        options = item if isinstance(item, tuple) else (item,)
        if not present.intersection(options):
            missing.append(" or ".join(options))
    return missing


def parse_bib_string(text: str, path: Path | str = "references.bib") -> Bibliography:
    """Parse BibTeX text; unparsable blocks and duplicate keys become :class:`BibProblem`."""
    logger = logging.getLogger("bibtexparser")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # problems are reported by us, with lines
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(previous)
    bib = Bibliography(path=Path(path))
    first_line: dict[str, int] = {}
    for entry in library.entries:
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        line = entry.start_line + 1
        bib.entries.append(BibEntry(entry.key, entry.entry_type.lower(), fields, line))
        first_line.setdefault(entry.key, line)
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            where = first_line.get(block.key)
            also = f" (first defined on line {where})" if where else ""
            bib.problems.append(BibProblem(line, f"duplicate key '{block.key}'{also}"))
        elif isinstance(block, ParsingFailedBlock):
            bib.problems.append(BibProblem(line, f"unparsable BibTeX block: {_reason(block)}"))
        else:  # pragma: no cover - other failed block kinds of bibtexparser
            kind = type(block).__name__
            bib.problems.append(BibProblem(line, f"unparsable BibTeX block ({kind})"))
    return bib


def _reason(block: ParsingFailedBlock) -> str:
    first = block.raw.strip().splitlines()[0] if block.raw.strip() else ""
    error = str(block.error).strip() or type(block.error).__name__
    return f"{first[:60]!r} ({error.splitlines()[0][:120]})"


def parse_bib(path: Path) -> Bibliography:
    """Parse a ``.bib`` file (UTF-8; CitationError at the line of a byte that is not)."""
    return parse_bib_string(read_utf8(Path(path), str(path), CitationError), path)


def format_entry(entry_type: str, key: str, fields: dict[str, str]) -> str:
    """Render one entry in the project's layout (fields in the given order, braces as given)."""
    lines = [f"@{entry_type}{{{key},"]
    width = max((len(k) for k in fields), default=0)
    for name, value in fields.items():
        lines.append(f"  {name.ljust(width)} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines)


def split_keys(value: str) -> list[str]:
    """Citation keys written ``"a;b; c"`` (curated files, table cells) -> ``["a", "b", "c"]``."""
    return [k.strip() for k in str(value).split(";") if k.strip()]
