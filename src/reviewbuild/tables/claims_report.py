"""The claims appendix in the form each format can show legibly.

The website gets the report as one wide table (``notebooks.report.report_markdown``). A page
of the PDF cannot hold six columns of sentences, so there each claim is a short paragraph: its
id, chapter, kind and status on one line, then the statement and the values it was checked on.
"""

from __future__ import annotations

from pathlib import Path

from reviewbuild.notebooks import report
from reviewbuild.tables.render import by_format


def report_paragraphs(root: Path | None = None, records: list[dict] | None = None) -> str:
    """Every claim (of ``records`` when given) as a Markdown paragraph (the PDF form of the
    report); provenance checks are left out here too (the appendix lists them in their own
    section)."""
    records = report.claim_records(root) if records is None else records
    if not records:
        return "*No claims are recorded yet.*"
    return _paragraphs(records, root)


def _paragraphs(records: list[dict], root: Path | None = None) -> str:
    out = []
    titles = report.chapter_titles(root)
    for claim_id, chapter, statement, kind, values, status in report.report_rows(records,
                                                                                  titles):
        head = f"**{claim_id}** · {chapter} · {kind} · *{status}*"
        body = statement + (f" — values: {values}" if values else "")
        out.append(f"{head}\\\n{body}")
    return "\n\n".join(out)


def provenance_report(root: Path | None = None) -> str:
    """The provenance checks: a table on the website, paragraphs in the PDF (a table's
    narrow columns cannot hold their statements and values)."""
    records = report.provenance_checks(root)
    printed = _paragraphs(records, root) if records else "*No provenance checks are recorded.*"
    return by_format(report.provenance_markdown(root, records), printed)


def claims_report(root: Path | None = None) -> str:
    """The report as Markdown: a table on the website, paragraphs in the PDF (the claims
    read once for both)."""
    records = report.claim_records(root)
    return by_format(report.report_markdown(root, records), report_paragraphs(root, records))
