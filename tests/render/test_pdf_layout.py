"""The PDF as printed (issue 22): cross-references without a stray period, the part page
listing only its chapters, one page number per page, diagrams printed with legible text,
the bibliography with hanging indents, tables' notes at the margin, table cells whole and
apart, table headers unhyphenated. Needs ``_book/`` (skips loudly otherwise)."""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewbuild.book import quarto_config

#: Quarto draws a mermaid diagram in Chromium at 4 device pixels per CSS pixel, with 16 px
#: text; printed at P pixels per inch its text is 16 * 72 * 4 / P points. A diagram wider
#: than Chromium's page (764 CSS px, the reference render's 3056-pixel rasters) is shrunk to
#: fit it first, so its text is smaller than that by an amount the PDF does not record.
MERMAID_SCALE, MERMAID_FONT_PX, MIN_TEXT_PT, MERMAID_PAGE_PX = 4, 16, 7.0, 764
#: A list item's text starts about 9 pt right of its bullet.
NOTE_INDENT_PT = 12.0
#: A word of a table cell that prints as it is written; a number with decimals.
PLAIN_WORD, DECIMAL = re.compile(r"[\w%().,/–-]+"), re.compile(r"\d[\d,]*\.\d+")
#: What poppler prints where Typst hyphenated a word at the end of a line.
SOFT_HYPHEN = "\xad"


@pytest.fixture(scope="module")
def pdf(book: Path) -> Path:
    found = list(book.glob("*.pdf"))
    if not found:
        pytest.fail("no PDF in _book/: render all formats with `quarto render`")
    return found[0]


@pytest.fixture(scope="module")
def pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(pdf).pages]


def test_cross_references_have_no_stray_period(pages: list[str], root: Path) -> None:
    """"(Appendix B.)" where the text has "(@sec-x)": the period was the heading number's.
    A reference that ends a sentence inside brackets, "(… see @sec-x.)", keeps its own."""
    ref = r"(?:Appendix|Chapter|Section)\s+[A-Z0-9][\d.]*?"
    doubled = [(i + 1, m.group()) for i, text in enumerate(pages)
               for m in re.finditer(ref + r"\.\.\)", text)]
    assert doubled == [], f"references with two periods (page, text): {doubled}"
    printed = sum(len(re.findall(ref + r"\.\)", text)) for text in pages)
    written = sum(len(re.findall(r"@sec-[\w-]+\.\)", qmd.read_text(encoding="utf-8")))
                  for qmd in (root / "chapters").glob("*.qmd"))
    assert printed <= written, (f"{printed} references end in a period before a bracket, "
                                f"but the text writes only {written} so")


def part_pages(pages: list[str], root: Path) -> tuple[str, list[int]]:
    """The book's (last) part: its title, and the 0-based indices of the pages that show it
    with an outline of its chapters (the book's contents come first, the part page last)."""
    chapters = quarto_config(root)["book"]["chapters"]
    part = [c for c in chapters if isinstance(c, dict) and "part" in c][-1]
    title = " ".join(part["part"].split())

    def heading(qmd: str) -> str:
        first = (root / qmd).read_text(encoding="utf-8").split("\n", 1)[0]
        return re.sub(r"\s*\{.*", "", first.lstrip("# ")).strip()

    name = heading(part["chapters"][0])
    earlier = heading([c for c in chapters if isinstance(c, str) and c != "index.qmd"][0])
    flat = [" ".join(t.split()) for t in pages]
    hits = [i for i, t in enumerate(flat) if title in t
            and re.search(rf"{re.escape(name)}[ .]+\d", t)
            and not re.search(rf"{re.escape(earlier)}[ .]+\d", t)]
    return title, hits


def test_the_part_page_lists_only_its_chapters(pages: list[str], root: Path) -> None:
    title, hits = part_pages(pages, root)
    assert hits, f"no part page for {title!r}"
    text = " ".join(pages[hits[-1]].split())  # the book's contents come first
    assert "References" not in text and "Conclusion" not in text, text


def test_each_page_number_printed_once(pages: list[str], root: Path) -> None:
    """A page number at both the top (running header) and the bottom (footer) of a page.
    The part page is left out: its colour covers the running header, whose text the PDF
    still holds."""
    covered = set(part_pages(pages, root)[1][-1:])
    twice = []
    for n, text in enumerate(pages, start=1):
        if n - 1 in covered:
            continue
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        if len(lines) >= 2 and lines[-1] == str(n) and re.match(rf"^{n}\b|.*\b{n}$", lines[0]):
            twice.append(n)
    assert twice == [], f"pages numbered in both header and footer: {twice}"


def test_diagrams_print_legible_text(pdf: Path) -> None:
    if shutil.which("pdfimages") is None:
        pytest.skip("SKIPPED LOUDLY: pdfimages (poppler-utils) is not installed")
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    small = []
    for row in listing:
        cols = row.split()
        page, width, x_ppi = int(cols[0]), int(cols[3]), float(cols[12])
        if x_ppi <= 300:  # matplotlib figures are 200 ppi; mermaid rasters are denser
            continue
        if width >= MERMAID_PAGE_PX * MERMAID_SCALE * 0.99:
            small.append((page, "wider than the page it was drawn on"))
            continue
        text_pt = MERMAID_FONT_PX * 72 * MERMAID_SCALE / x_ppi
        if text_pt < MIN_TEXT_PT:
            small.append((page, round(text_pt, 1)))
    assert small == [], f"diagram text below {MIN_TEXT_PT} pt (page, pt): {small}"


def test_table_notes_start_at_the_margin(pdf: Path) -> None:
    """Each trial's note below a table (``• **NCT…** — population: …``) starts right after
    its bullet: the table's figure used to centre a one-line note away from it."""
    from pypdf import PdfReader

    def gaps(page) -> list[float]:
        """Points from each bullet to the trial id that follows it."""
        runs: list[tuple[float, str]] = []
        page.extract_text(visitor_text=lambda text, cm, tm, *_: runs.append(
            (float(cm[4]) + float(tm[4]), text.strip())) if text.strip() else None)
        return [round(after[0] - bullet[0], 1)
                for bullet, after in itertools.pairwise(runs)
                if bullet[1] == "•" and re.fullmatch(r"NCT\d{8}", after[1])]

    found = {n: xs for n, page in enumerate(PdfReader(pdf).pages, start=1) if (xs := gaps(page))}
    assert found, "no trial notes found in the PDF"
    off = {n: [x for x in xs if x > NOTE_INDENT_PT] for n, xs in found.items()}
    assert not any(off.values()), f"notes away from their bullets (page: points): {off}"


def _cell_words(line: str) -> list[list[str]]:
    """The words of each cell of a row of a pipe table (``\\|`` is a pipe inside a cell)."""
    return [cell.split() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_table_cells_print_whole_and_apart(pdf: Path, golden_pdf_tables) -> None:
    """No cell of a PDF table runs into the next one and no number breaks across lines: the
    reference render printed "Share ofDeaths" and "0." above "0811". Checked on the words
    poppler reads from the PDF, which joins glyphs that touch."""
    if shutil.which("pdftotext") is None:
        pytest.skip("SKIPPED LOUDLY: pdftotext (poppler-utils) is not installed")
    from reviewbuild.tables.render import BREAK

    words = set(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout.split())
    glued, broken = set(), set()
    for _, table in golden_pdf_tables:
        lines = table.replace(BREAK, "").splitlines()
        for line in [lines[0], *lines[2:]]:
            cells = _cell_words(line)
            for left, right in itertools.pairwise(cells):
                glued |= {a + b for a in left for b in right  # digits alone: page numbers too
                          if PLAIN_WORD.fullmatch(a) and PLAIN_WORD.fullmatch(b)
                          and not (a + b).isdigit()} & words
            broken |= {w for cell in cells for w in cell if DECIMAL.fullmatch(w)} - words
    assert glued == set(), f"table cells run into their neighbours: {sorted(glued)}"
    assert broken == set(), f"numbers not printed whole: {sorted(broken)}"


def _pieces(words: list[str]) -> list[str]:
    """Words split after their hyphens, as a line may break there."""
    return [p for w in words for p in re.split(r"(?<=[-–])", w) if p]


def test_table_headers_print_unhyphenated(pdf: Path, golden_pdf_tables) -> None:
    """Every table's header row is found in the PDF, with no word hyphenated: the reference
    render printed "Mini-mum de-tectable HR" (Table B.1) and "Fre-quency" (Table 4.1)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("SKIPPED LOUDLY: pdftotext (poppler-utils) is not installed")
    from reviewbuild.tables.render import BREAK

    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout  # words as printed, not re-joined
    printed: list[str] = []
    for word in map(html.unescape, re.findall(r"<word [^>]*>([^<]*)</word>", boxes)):
        if printed and printed[-1].endswith(SOFT_HYPHEN):
            printed[-1] += word  # the two halves of a hyphenated word, marked
        else:
            printed.append(word)
    printed = _pieces(printed)
    plain = [w.replace(SOFT_HYPHEN, "") for w in printed]
    missing, hyphenated = [], set()
    for name, table in golden_pdf_tables:
        header = _cell_words(table.splitlines()[0].replace(BREAK, ""))
        words = _pieces([w for cell in header for w in cell])
        words = [u for w in words if (u := re.sub(r"\*\*|\\(?=\|)", "", w))]
        starts = [i for i in range(len(plain) - len(words) + 1)
                  if plain[i:i + len(words)] == words]
        if not starts:
            missing.append(f"{name}: {' '.join(words)}")
        hyphenated |= {printed[i + k] for i in starts for k in range(len(words))
                       if SOFT_HYPHEN in printed[i + k]}
    assert missing == [], f"table headers not found in the PDF: {missing}"
    assert hyphenated == set(), f"hyphenated header words: {sorted(hyphenated)}"
