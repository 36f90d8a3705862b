"""Shared helpers of the book's tables: house style and citations inside table cells."""

from __future__ import annotations

import html

import pandas as pd
from great_tables import GT, loc, style

from xpo1review.trials.curated import split_refs


def cite_span(refs: str) -> str:
    """``a;b`` -> a span Quarto turns into the citation ``[@a; @b]`` (keys shown elsewhere).

    Quarto parses HTML tables and renders ``data-qmd`` content as Markdown, so citations in
    great-tables cells resolve against references.bib like citations in the prose.
    """
    keys = split_refs(refs)
    if not keys:
        return ""
    qmd = "[" + "; ".join(f"@{k}" for k in keys) + "]"
    return f'<span data-qmd="{html.escape(qmd)}">{html.escape(", ".join(keys))}</span>'


def blank(value: object) -> str:
    """Empty cells for missing values (never ``nan`` / ``<NA>`` in the book)."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def house_table(frame: pd.DataFrame, table_id: str, *, title: str | None = None,
                source_note: str | None = None, html_columns: tuple[str, ...] = ()) -> GT:
    """A great-tables table in the book's style. ``html_columns`` hold trusted HTML."""
    text_cols = [c for c in frame.columns if c not in html_columns]
    shown = frame.copy()
    for col in text_cols:
        shown[col] = shown[col].map(blank)
    gt = GT(shown, id=table_id)
    if title:
        gt = gt.tab_header(title=title)
    if html_columns:
        gt = gt.fmt_markdown(columns=list(html_columns))
    if source_note:
        gt = gt.tab_source_note(source_note)
    return (
        gt.tab_style(style=style.text(weight="bold"), locations=loc.column_labels())
        .tab_options(table_font_size="85%", data_row_padding="3px",
                     column_labels_background_color="#f2f2f2")
    )
