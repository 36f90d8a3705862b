"""The drift gate: the claims that failed in an execution, or that a golden notebook records.

A failing claim (``drifted``, or ``invalid``: its condition was not a boolean, its id used
twice) reaches the engine by any of three ways, and one is enough:

- the display :mod:`reviewbuild.claims` sends the moment it fails, which the engine keeps as
  the kernel's message arrives (:mod:`.execute`), before any later cell could clear it;
- the claims summary, the last cell, which prints every claim the execution made;
- the error output of a cell that raised ``ClaimDrift`` or ``ClaimError`` under
  ``#| error: true`` (golden notebooks written before the display existed).

Catching the exception, ``error: true`` or calling ``begin_chapter`` again changes none of
these: the engine, not the cell, decides. ``notebooks build``/``accept`` refuse to write the
golden notebook of a chapter with a failing claim, and every gate (``reviewbuild check``,
``reviewbuild claims``, ``notebooks build``, the tests) fails on a golden notebook that
records one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from reviewbuild.claims import CLAIM_ERRORS, FAILING, PROVENANCE, VERDICT_MIME
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.notebooks.convert import claims_of, describe_cell, golden_path, read_notebook

#: What to do about a failing claim (never: accept the golden notebook).
ADVICE = ("the data no longer support the sentence: check the data change, then rewrite the "
          "sentence and its claim (or fix the claim's code) in the chapter")


def describe(record: dict[str, Any]) -> str:
    """One failing claim: label, id, chapter, status, statement and values."""
    label = "provenance check" if record.get("kind") == PROVENANCE else "claim"
    values = ", ".join(f"{k}={v!r}" for k, v in (record.get("values") or {}).items())
    text = (f"{label} {record.get('id')!r} in chapter {record.get('chapter')} is "
            f"{record.get('status')}: {record.get('statement')!r}; values: "
            f"{values or '(none given)'}")
    return text + (f" ({record['reason']})" if record.get("reason") else "")


def failing(records: list[dict[str, Any]]) -> list[str]:
    """:func:`describe` of each failing record, once each, in order."""
    out = [describe(r) for r in records if r.get("status") in FAILING]
    return list(dict.fromkeys(out))


def in_notebook(nb: NotebookNode, where: str = "{}",
                announced: list[dict[str, Any]] | None = None) -> list[str]:
    """Every failing claim an executed notebook shows (displays, summary, error outputs), with
    those the kernel ``announced`` while it ran."""
    found = list(announced or [])
    errors: list[str] = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if isinstance(data.get(VERDICT_MIME), dict):
                found.append(dict(data[VERDICT_MIME]))
            if out.get("output_type") == "error" and out.get("ename") in CLAIM_ERRORS:
                errors.append(f"{describe_cell(nb, index)} raised {out['ename']}: "
                              f"{out.get('evalue', '')}")
    found += claims_of(nb, where)
    ids = {repr(r.get("id")) for r in found if r.get("status") in FAILING}
    # An error output about a claim listed already adds nothing (its message quotes the id).
    return failing(found) + [e for e in errors if not any(i in e for i in ids)]


def of_run(nb: NotebookNode, announced: list[dict[str, Any]]) -> list[str]:
    """Failing claims of an execution: those the kernel announced, and those ``nb`` shows."""
    return in_notebook(nb, announced=announced)


def recorded(root: Path, chapter: str) -> list[str]:
    """Failing claims the golden notebook of ``chapter`` records (empty: none, or no golden)."""
    path = golden_path(root, chapter)
    if not path.is_file():
        return []
    rel = path.relative_to(root).as_posix()
    where = f"{rel}: {{}}; restore the committed copy (`git checkout -- {rel}`)"
    return in_notebook(read_notebook(root, chapter), where)


def unchecked(root: Path) -> list[str]:
    """Chapters whose claims no golden notebook has checked: the golden notebook is missing,
    or the chapter's code changed since it was written (what Quarto would render unchecked)."""
    from reviewbuild.notebooks.cache import python_chapters
    from reviewbuild.notebooks.golden import sync_problem

    problems = []
    for chapter in python_chapters(root):
        problem = sync_problem(root, chapter)
        if problem:
            problems.append(f"{chapter}:1: its claims are unchecked, so it is not rendered: "
                            f"{problem.split(': ', 1)[1].split(': run ', 1)[0]}; run "
                            "`reviewbuild notebooks build` first (`reviewbuild build` does)")
    return problems


def check(root: Path) -> list[str]:
    """The pre-render gate's ``claims`` check: no golden notebook records a failing claim,
    and every golden notebook can be read."""
    from reviewbuild.notebooks.cache import python_chapters

    problems = []
    for chapter in python_chapters(root):
        rel = golden_path(root, chapter).relative_to(root).as_posix()
        try:
            found = recorded(root, chapter)
        except ReviewBuildError as err:
            problems.append(str(err))
            continue
        problems += [f"{rel}: {p}; {ADVICE} {chapter}, then run `reviewbuild notebooks build` "
                     "(a golden notebook that records a failing claim is never accepted)"
                     for p in found]
    return problems
