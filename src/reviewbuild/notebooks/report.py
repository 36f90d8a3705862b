"""The claims report: every claim recorded in the golden notebooks, in book order.

The claims themselves are made by :mod:`reviewbuild.claims` while a chapter executes; the last
cell of each golden notebook prints them (``claims.summary``). This module reads them back
(``reviewbuild claims``, the appendix ``chapters/claims.qmd``) without re-executing a chapter,
and marks the computed claims of chapters whose code or data changed as stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from reviewbuild.claims import CITED, COMPUTED, PROVENANCE
from reviewbuild.notebooks import cache, convert, runtime, verdicts
from reviewbuild.paths import project_root


def load_all(root: Path | None = None) -> list[dict[str, Any]]:
    """Every claim recorded in the golden notebooks, in book order, with report status."""
    root = root or project_root()
    with runtime.not_inputs():
        stale = set(cache.stale_chapters(root, modules=False))  # code or data changed
    out: list[dict[str, Any]] = []
    for chapter in cache.python_chapters(root):
        golden = convert.golden_path(root, chapter)
        if not golden.is_file():
            continue
        data = golden.read_bytes()
        records = convert.claims_from_notebook(root, chapter)
        if records:  # report chapters (no claims of their own) are not inputs: no cycles
            runtime.record_read(golden.relative_to(root).as_posix(),
                                hashlib.sha256(data).hexdigest())
        for claim in records:
            if chapter in stale and claim["kind"] in (COMPUTED, PROVENANCE):
                claim["status"] = "stale: run `reviewbuild notebooks build`"
            out.append(claim)
    return out


def duplicates(records: list[dict[str, Any]]) -> list[str]:
    """Claim ids used in more than one chapter."""
    seen: dict[str, str] = {}
    problems = []
    for c in records:
        if c["id"] in seen and seen[c["id"]] != c["chapter"]:
            problems.append(f"claim id {c['id']!r} is used in {seen[c['id']]} and {c['chapter']}")
        seen.setdefault(c["id"], c["chapter"])
    return problems


def files_read() -> list[tuple[str, str]]:
    """(path, sha256) of the golden notebooks :func:`load_all` read in this process."""
    return runtime.files_read()


def _values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())


_HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*(\{[^}]*\})?\s*$")


def chapter_title(path: Path) -> str | None:
    """The text of a chapter's first level-1 heading (attributes such as ``{#sec-x}`` removed),
    or None when the file has none."""
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADING.match(line)
        if m:
            return m.group("title")
    return None


def chapter_titles(root: Path | None = None) -> dict[str, str]:
    """Chapter stem (as claims record it, e.g. ``05-malignancies``) -> the chapter's title."""
    root = root or project_root()
    out = {}
    for chapter in cache.python_chapters(root):
        title = chapter_title(root / chapter)
        if title:
            out[Path(chapter).stem] = title
    return out


def _status_text(c: dict[str, Any]) -> str:
    """The status, with where a cited claim comes from (the rendered cell reads "cited:
    (Author et al. Year)", the reference's label as on every other page) or why a claim is
    not checked."""
    if c["kind"] == CITED:
        return f"{c['status']}: [@{c['key']}]"
    reason = c.get("reason") or ""
    return c["status"] + (f" ({reason})" if reason else "")


def report_rows(records: list[dict[str, Any]],
                titles: dict[str, str] | None = None) -> list[list[str]]:
    """Rows (id, chapter, statement, kind, values, status/source) for a table; with
    ``titles``, the chapter column shows each chapter's title instead of its file stem."""
    titles = titles or {}
    return [[c["id"], titles.get(c["chapter"], c["chapter"]), c["statement"], c["kind"],
             _values_text(c["values"]), _status_text(c)]
            for c in records]


HEADER = ["Claim", "Chapter", "Statement", "Kind", "Values", "Status"]


def _markdown_table(rows: list[list[str]]) -> str:
    esc = [[cell.replace("|", "\\|").replace("\n", " ") for cell in row] for row in rows]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in esc]
    return "\n".join(lines)


def claim_records(root: Path | None = None) -> list[dict[str, Any]]:
    """The recorded claims without the provenance checks (they are not findings)."""
    return [c for c in load_all(root) if c["kind"] != PROVENANCE]


def report_markdown(root: Path | None = None, records: list[dict] | None = None) -> str:
    """The claims report as a Markdown pipe table (used by ``chapters/claims.qmd``), of
    ``records`` when given (:func:`claim_records`: each reading checks every chapter).

    Provenance checks are left out (see :func:`provenance_markdown`): they are not findings.
    """
    records = claim_records(root) if records is None else records
    if not records:
        return "*No claims are recorded yet: run `reviewbuild notebooks build`.*"
    return _markdown_table(report_rows(records, chapter_titles(root)))


def provenance_checks(root: Path | None = None) -> list[dict[str, Any]]:
    """The recorded provenance checks (what the prose says about its inputs)."""
    return [c for c in load_all(root) if c["kind"] == PROVENANCE]


def provenance_markdown(root: Path | None = None, records: list[dict] | None = None) -> str:
    """The provenance checks (:func:`provenance_checks` unless given) as a Markdown table."""
    records = provenance_checks(root) if records is None else records
    if not records:
        return "*No provenance checks are recorded.*"
    return _markdown_table(report_rows(records, chapter_titles(root)))


def handle(args: argparse.Namespace) -> int:
    records = load_all()
    if args.json:
        print(json.dumps(records, indent=1, ensure_ascii=False))
    else:
        for row in [HEADER, *report_rows(records)]:
            print("\t".join(row))
    problems = duplicates(records) + verdicts.check(project_root())
    for p in problems:
        print(f"reviewbuild claims: {p}", file=sys.stderr)
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("claims", help="list every claim of the book (id, chapter, kind, status)")
    p.add_argument("--json", action="store_true", help="print the claims as JSON")
    p.set_defaults(handler=handle)
