"""The book's shape: ``_quarto.yml`` lists exactly the chapter files, each readable
(:mod:`reviewbuild.qmd`) with one level-1 heading; a chapter with Python is listed as the
notebook rendered from it (``chapters/X.ipynb``), any other as its ``.qmd``."""

from __future__ import annotations

from pathlib import Path

from reviewbuild.book import chapter_files, listed_files, notebook_of
from reviewbuild.exceptions import UnsafePath
from reviewbuild.qmd.reader import read_chapters

#: Where chapter files live; every .qmd here must be listed in _quarto.yml.
CHAPTER_GLOBS = ["index.qmd", "references.qmd", "chapters/*.qmd"]


def existing_chapters(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for g in CHAPTER_GLOBS for p in root.glob(g)}


def check(root: Path) -> list[str]:
    """Problems with the chapter list, the chapters' syntax and their level-1 headings."""
    try:
        listed, names = chapter_files(root), listed_files(root)
    except UnsafePath as err:
        return [str(err)]
    problems = [f"_quarto.yml: {f} is listed twice" for f in set(listed) if listed.count(f) > 1]
    existing = existing_chapters(root)
    problems += [f"_quarto.yml: lists {n}, " + (f"rendered from {f}, " if n != f else "")
                 + "which does not exist" for n, f in zip(names, listed, strict=True)
                 if f not in existing]
    problems += [f"{f}:1: chapter file is not listed in _quarto.yml" for f in sorted(existing)
                 if f not in listed]
    chapters, unreadable = read_chapters(root, list(dict.fromkeys(listed)))
    problems += unreadable
    as_listed = dict(zip(listed, names, strict=True))
    for chapter in chapters:
        problems += _listing_problems(chapter.path, as_listed[chapter.path],
                                      bool(chapter.python_items()))
        h1 = [h for h in chapter.headings if h.level == 1]
        if len(h1) != 1:
            where = ", ".join(str(h.line) for h in h1) or "none"
            problems.append(f"{chapter.path}:1: needs exactly one level-1 heading, found "
                            f"{len(h1)} (lines: {where})")
    return problems


def _listing_problems(chapter: str, listed: str, python: bool) -> list[str]:
    """A chapter with Python must be listed as its rendered notebook, any other as itself."""
    if python and listed == chapter:
        return [f"_quarto.yml: list {notebook_of(chapter)} instead of {chapter}: the chapter "
                "has Python, and Quarto renders the notebook of its one execution (a .qmd "
                "would be executed again for every output format)"]
    if not python and listed != chapter:
        return [f"_quarto.yml: list {chapter} instead of {listed}: the chapter has no Python "
                "to execute, so no notebook is written for it"]
    return []
