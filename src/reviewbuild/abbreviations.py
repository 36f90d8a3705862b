"""The abbreviations list (``data/abbreviations.csv``) and its check against the text.

Columns: ``term``, ``expansion``, ``kind``. ``kind`` is ``abbreviation`` (shown in the
abbreviations appendix) or ``symbol`` (names of genes, proteins, compounds, cell lines,
software or databases, used as they are). Every term must occur in the chapters, and every
abbreviation-like word in the chapters (two or more capitals, e.g. ``HCC``, ``miRNAs``) must
be a term.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from reviewbuild.book import chapter_files
from reviewbuild.exceptions import CuratedDataError
from reviewbuild.paths import project_root
from reviewbuild.qmd.reader import read_chapters
from reviewbuild.textfile import read_utf8

FILE = "data/abbreviations.csv"
APPENDIX = "chapters/abbreviations.qmd"
KINDS = {"abbreviation", "symbol"}

_CANDIDATE = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z])[A-Za-z][\w-]*[A-Za-z0-9](?![\w-])")
#: Not abbreviations: trial ids, RefSeq ids, roman numerals (phase IB), residues (E571K).
_NOT_ABBREVIATION = re.compile(r"^(NCT\d{8}|[A-Z]{2}_\d+|[IVX]+[AB]?|[A-Z]\d+[A-Z]?)$")
_CITATION = re.compile(r"@[\w:.#$%&+?<>~/-]+")
#: Characters that start Markdown/HTML markup (tags, entities, links, emphasis, code, math,
#: citations, table cells, shortcodes); a backslash makes each a literal character.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>|$@~^&!])")


def load(root: Path) -> pd.DataFrame:
    """The abbreviations table, validated; errors name the file and line."""
    path = root / FILE
    text = read_utf8(path, str(path), CuratedDataError)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise CuratedDataError(f"{path}: not a valid CSV ({err}); fix the quoting or the "
                               "number of fields on that line") from None
    if list(table.columns) != ["term", "expansion", "kind"]:
        raise CuratedDataError(f"{path}:1: columns must be term,expansion,kind (separated by "
                               f"commas), not {','.join(map(str, table.columns))}")
    for i, row in table.iterrows():
        line = i + 2
        if not row.term or not row.expansion:
            raise CuratedDataError(f"{path}:{line}: empty term or expansion")
        if row.kind not in KINDS:
            raise CuratedDataError(f"{path}:{line}: kind {row.kind!r} is not one of {KINDS}")
    dupes = table.term[table.term.duplicated()]
    if not dupes.empty:
        line = int(dupes.index[0]) + 2
        raise CuratedDataError(f"{path}:{line}: term {dupes.iloc[0]!r} is defined twice")
    return table


def prose(root: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(``file:line``, text) for each line of prose, captions and alt text of every chapter but
    the appendix itself, and the chapters that cannot be read."""
    names = [n for n in chapter_files(root) if n != APPENDIX]
    chapters, problems = read_chapters(root, names)
    runs = [(f"{ch.path}:{line}", _CITATION.sub(" ", text))
            for ch in chapters for run in ch.texts  # prose, captions and alt text alike
            for line, text in run.lines()]
    return runs, problems


def used_terms(runs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Abbreviation-like words in the prose -> where they occur (``file:line``)."""
    found: dict[str, list[str]] = defaultdict(list)
    for where, text in runs:
        for word in _CANDIDATE.findall(text):
            if not _NOT_ABBREVIATION.match(word):
                found[word].append(where)
    return found


def _defined(word: str, terms: set[str]) -> bool:
    """A word is defined as itself, as a plural, or part by part (``Ran-GTP``, ``KPT-330``)."""
    if word in terms or (word.endswith("s") and word[:-1] in terms):
        return True
    parts = [p for p in word.split("-") if _CANDIDATE.fullmatch(p)]
    return "-" in word and all(_defined(p, terms) for p in parts)


def _occurs(term: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(term)}s?(?![\w])", text) is not None


def check(root: Path) -> list[str]:
    """Terms defined but never used, and abbreviation-like words used but not defined."""
    path = root / FILE
    try:
        table = load(root)
    except (CuratedDataError, FileNotFoundError) as err:
        return [str(err)]
    terms = set(table.term)
    runs, unreadable = prose(root)
    problems = list(unreadable)
    used = used_terms(runs)
    text = "\n".join(t for _, t in runs)
    problems += [f"{where[0]}: {word!r} looks like an abbreviation but is not in {FILE} "
                  "(add it, as kind `abbreviation` or `symbol`)"
                 for word, where in sorted(used.items()) if not _defined(word, terms)]
    for i, term in enumerate(table.term):
        if not _occurs(term, text) and not unreadable:  # unknowable while a chapter is unread
            problems.append(f"{path.relative_to(root)}:{i + 2}: {term!r} is defined but never "
                            "used in the chapters (remove it or use it)")
    return problems


def appendix_table(root: Path) -> pd.DataFrame:
    """The abbreviations for the appendix, sorted case-insensitively."""
    table = load(root)
    table = table[table.kind == "abbreviation"][["term", "expansion"]]
    return table.sort_values("term", key=lambda s: s.str.lower()).reset_index(drop=True)


def markdown_text(text: str) -> str:
    """Text from a data file as Markdown that shows exactly that text (no HTML, no markup)."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def appendix_markdown(root: Path | None = None) -> Markdown:
    """The appendix table as Markdown, which both the website and the PDF render; the
    curated text is escaped, so it cannot inject HTML or markup."""
    table = appendix_table(root or project_root()).map(markdown_text)
    table.columns = ["Abbreviation", "Meaning"]
    return Markdown(table.to_markdown(index=False))
