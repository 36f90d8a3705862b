"""The book's shape: ``_quarto.yml`` lists exactly the chapter files, each readable
(:mod:`reviewbuild.qmd`) with one level-1 heading."""

from __future__ import annotations

from pathlib import Path

from reviewbuild.book import chapter_files
from reviewbuild.exceptions import UnsafePath
from reviewbuild.qmd.reader import read_chapters

#: Where chapter files live; every .qmd here must be listed in _quarto.yml.
CHAPTER_GLOBS = ["index.qmd", "references.qmd", "chapters/*.qmd"]


def existing_chapters(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for g in CHAPTER_GLOBS for p in root.glob(g)}


def check(root: Path) -> list[str]:
    """Problems with the chapter list, the chapters' syntax and their level-1 headings."""
    try:
        listed = chapter_files(root)
    except UnsafePath as err:
        return [str(err)]
    problems = [f"_quarto.yml: {f} is listed twice" for f in set(listed) if listed.count(f) > 1]
    existing = existing_chapters(root)
    problems += [f"_quarto.yml: lists {f}, which does not exist" for f in listed
                 if f not in existing]
    problems += [f"{f}:1: chapter file is not listed in _quarto.yml" for f in sorted(existing)
                 if f not in listed]
    chapters, unreadable = read_chapters(root, list(dict.fromkeys(listed)))
    problems += unreadable
    for chapter in chapters:
        h1 = [h for h in chapter.headings if h.level == 1]
        if len(h1) != 1:
            where = ", ".join(str(h.line) for h in h1) or "none"
            problems.append(f"{chapter.path}:1: needs exactly one level-1 heading, found "
                            f"{len(h1)} (lines: {where})")
    return problems
