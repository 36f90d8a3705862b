"""How the book's tables look in each output format: house style, citations in cells.

The website shows great-tables HTML tables. In the PDF (Typst), Quarto would translate that
HTML into a Typst table with every column squeezed onto the page (and great-tables' CSS font
stack, which Typst does not know); there the book prints a Markdown table of the short
columns instead, which Typst sets in the body font, with the long text as notes below.

A chapter executes once for both formats (Quarto renders the engine's executed notebook), so
a table carries both forms in one output (:class:`WebAndPrint`) and Quarto picks by MIME type:
the website takes ``text/html``, the PDF ``text/markdown``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
from great_tables import GT, loc, style
from IPython.display import Markdown
from markdown_it import MarkdownIt

from reviewbuild.citations.bib import split_keys

#: Fonts of the website's tables (readers' systems); the PDF uses the document's own font.
HTML_FONTS = ["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "DejaVu Sans",
              "sans-serif"]


class WebAndPrint:
    """One cell output in two forms: ``web`` (HTML) for the website, ``pdf`` (Markdown) for
    the PDF. Quarto's HTML output prefers ``text/html``; its Typst output ``text/markdown``."""

    def __init__(self, web: GT | str, pdf: Markdown | str, label: str = "table") -> None:
        # great-tables' fragment as it gives it inside Quarto, whatever the executing shell
        self.web = web.as_raw_html(make_page=False, all_important=False) \
            if isinstance(web, GT) else web
        self.pdf = pdf.data if isinstance(pdf, Markdown) else pdf
        self.label = label

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.web, "text/markdown": self.pdf,
                "text/plain": f"<{self.label}: HTML for the website, Markdown for the PDF>"}


def by_format(web: str, pdf: str) -> str:
    """Markdown that shows ``web`` on the website and ``pdf`` in every other format (for
    ``output: asis`` cells, whose text goes into the page as it is)."""
    return (f'::: {{.content-visible when-format="html"}}\n{web}\n:::\n\n'
            f'::: {{.content-hidden when-format="html"}}\n{pdf}\n:::\n')


def citation(refs: str) -> str:
    """``a;b`` -> the pandoc citation ``[@a; @b]`` ("" when there is none)."""
    keys = split_keys(refs)
    return "[" + "; ".join(f"@{k}" for k in keys) + "]" if keys else ""


def _cell(value: object) -> str:
    return blank(value).replace("|", "\\|").replace("\n", " ").strip()


def pipe_table(frame: pd.DataFrame, widths: Sequence[int],
               align: Sequence[str] | None = None) -> str:
    """A Markdown pipe table whose columns get these relative ``widths`` when they wrap,
    and, if given, an alignment per column (``"left"`` or ``"right"``).

    pandoc takes relative widths from the dashes of the separator line once a line is
    longer than 72 characters, so the separator has ``4 * width`` dashes per column.
    """
    if len(widths) != len(frame.columns):
        raise ValueError(f"{len(frame.columns)} columns but {len(widths)} widths")
    marks = {"left": (":", ""), "right": ("", ":"), None: ("", "")}
    rules = [marks[a][0] + "-" * (4 * w - len("".join(marks[a]))) + marks[a][1]
             for w, a in zip(widths, align or [None] * len(widths), strict=True)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


#: Zero-width space: a place where Typst may break a line, invisible when it does not.
BREAK = "\u200b"
#: Characters after which an identifier may break (``expression_available``, a path); never
#: a decimal point or thousands separator inside a number.
_BREAK_AFTER = re.compile(r"([_/=:;]|(?<!\d)[.,]|[.,](?!\d))(?=\w)")
#: Longest run of letters and digits (with a digit: hashes, numbers) kept whole.
CHUNK = 12
#: Width in characters a column needs at least for words that Typst can hyphenate.
WORD_MIN = 6
#: Width in characters a column with long text is given at most (the rest wraps).
TEXT_MAX = 40
#: Characters of the body font on one line of the PDF's text block (425 pt at a generous
#: 5.5 pt per character), and the room a cell's padding (12 pt) takes, in characters.
LINE_CHARS, CELL_PAD_CHARS = 77, 3


def breakable(text: str) -> str:
    """``text`` with break points a PDF table cell can wrap at: after ``_ / = . : , ;``
    inside identifiers (a number stays whole), and every ``CHUNK`` characters of a longer
    run of letters and digits that holds a digit (a hash; words are left to Typst's
    hyphenation).

    Markdown markup (``**``, links) is left alone: only letters, digits and the
    characters above get break points."""
    text = _BREAK_AFTER.sub(rf"\1{BREAK}", text)
    def chunks(match: re.Match[str]) -> str:
        run = match.group()
        if not any(c.isdigit() for c in run):
            return run
        return BREAK.join(run[i:i + CHUNK] for i in range(0, len(run), CHUNK))

    return re.sub(rf"[A-Za-z0-9]{{{CHUNK + 1},}}", chunks, text)


def hard_tokens(text: str) -> list[str]:
    """The pieces of ``text`` a line cannot break inside once printed: split at spaces,
    break points and after hyphens and dashes; words of letters longer than ``WORD_MIN``
    are not counted (Typst hyphenates them; a short word such as "Deaths" has no
    hyphenation point)."""
    pieces = re.split(rf"[\s{BREAK}]+|(?<=[-–—])", text)
    return [p for p in pieces if p and not (p.isalpha() and len(p) > WORD_MIN)]


def print_widths(frame: pd.DataFrame) -> list[int]:
    """Relative widths for a PDF table: every column at least as wide as its longest
    unbreakable piece (or ``WORD_MIN`` for words) plus a cell's padding, on the page's line
    of ``LINE_CHARS``; the room left goes to the columns that wrap, each wanting its longest
    cell up to ``TEXT_MAX``. Widths are relative, so a table narrower than the line is
    widened in proportion."""
    need, want = [], []
    for col in frame.columns:
        cells = [str(col), *(_cell(v) for v in frame[col])]
        hard = max((len(t) for c in cells for t in hard_tokens(breakable(c))), default=0)
        longest = max(len(c) for c in cells)
        need.append(max(hard, min(WORD_MIN, longest), 1) + CELL_PAD_CHARS)
        want.append(max(need[-1], min(longest, TEXT_MAX) + CELL_PAD_CHARS))
    if sum(want) <= LINE_CHARS:
        return want
    spare = LINE_CHARS - sum(need)
    if spare <= 0:  # more columns than the line holds: each keeps its minimum
        return need
    extra = [w - n for w, n in zip(want, need, strict=True)]
    return [n + int(spare * e / sum(extra)) for n, e in zip(need, extra, strict=True)]


def markdown_table(frame: pd.DataFrame, *, transpose_in_pdf: bool = False) -> WebAndPrint:
    """A table from Markdown: on the website as pandas writes it (rendered to HTML); in the
    PDF with :func:`print_widths` and :func:`breakable` cells, and with rows and columns
    swapped when ``transpose_in_pdf`` (a few rows of many numeric columns read better down
    the page: the first column's values become the column headers)."""
    web = _MARKDOWN.render(frame.to_markdown(index=False, floatfmt="", tablefmt="pipe"))
    printed = frame
    if transpose_in_pdf:  # cells as objects, so a column of counts keeps printing 30, not 30.0
        first = frame.columns[0]
        printed = (frame.astype(object).set_index(first).T.reset_index()
                   .rename(columns={"index": ""}))
    shown = printed.map(lambda v: breakable(_cell(v)))
    shown.columns = [breakable(str(c)) for c in printed.columns]
    return WebAndPrint(web, pipe_table(shown, print_widths(printed), column_alignment(printed)))


#: Markdown to HTML for the website's form of a Markdown table (links and code spans kept).
_MARKDOWN = MarkdownIt("commonmark").enable("table")


def _number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def column_alignment(frame: pd.DataFrame) -> list[str]:
    """``right`` for columns of numbers only (after the first column), ``left`` otherwise."""
    return ["right" if i > 0 and all(_number(_cell(v)) for v in frame[c] if _cell(v)) and
            any(_cell(v) for v in frame[c]) else "left"
            for i, c in enumerate(frame.columns)]


def pdf_table(frame: pd.DataFrame, widths: Sequence[int], notes: Sequence[str] = (),
              source_note: str | None = None) -> Markdown:
    """The PDF form of a table: short columns, each aligned as :func:`column_alignment` says
    (never Typst's centred default), then notes and the source line as text."""
    parts = [pipe_table(frame, widths, column_alignment(frame))]
    if notes:
        parts.append("\n".join(f"- {note}" for note in notes))
    if source_note:
        parts.append(f"*{source_note}*")
    return Markdown("\n\n".join(parts))


@functools.cache
def _labels() -> dict[str, str]:
    from reviewbuild.book import author_year_key
    from reviewbuild.citations.bib import parse_bib
    from reviewbuild.paths import project_root

    bib = parse_bib(project_root() / "references.bib")
    return {e.key: " ".join(map(str, author_year_key(e, 3))) for e in bib.entries}


def reference_label(key: str) -> str:
    """``Chen et al. 2019`` for a key (the key itself only if it is not in references.bib)."""
    return _labels().get(key, key)


def reference_labels(refs: str) -> str:
    """``a;b`` -> ``Chen et al. 2019; Li et al. 2020`` (the readers' text for the keys)."""
    return "; ".join(reference_label(k) for k in split_keys(refs))


def cite_span(refs: str) -> str:
    """``a;b`` -> a span Quarto turns into the citation ``[@a; @b]``.

    Quarto parses HTML tables and renders ``data-qmd`` content as Markdown, so citations in
    great-tables cells resolve against references.bib like citations in the prose. The
    span's own text (author and year, never a raw key) shows wherever that does not happen.
    """
    if not split_keys(refs):
        return ""
    text = reference_labels(refs)
    return f'<span data-qmd="{html.escape(citation(refs))}">{html.escape(text)}</span>'


def blank(value: object) -> str:
    """Empty cells for missing values (never ``nan`` / ``<NA>`` in the book)."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def house_table(frame: pd.DataFrame, table_id: str, *, title: str | None = None,
                source_note: str | None = None, html_columns: tuple[str, ...] = (),
                unbroken: tuple[str, ...] = ()) -> GT:
    """A great-tables table in the book's style. ``html_columns`` hold trusted HTML; the
    cells of ``unbroken`` columns never wrap (an estimate with its interval reads as one)."""
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
    if unbroken:
        gt = gt.tab_style(style=style.css("white-space: nowrap"),
                          locations=loc.body(columns=list(unbroken)))
    return (
        gt.tab_style(style=style.text(weight="bold"), locations=loc.column_labels())
        .opt_table_font(font=HTML_FONTS)
        .tab_options(table_font_size="85%", data_row_padding="3px",
                     column_labels_background_color="#f2f2f2")
    )
