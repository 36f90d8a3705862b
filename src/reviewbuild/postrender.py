"""Checks on the rendered book in ``_book/``: pages, links, figures, references, PDF.

Run by ``pytest tests/render`` after ``quarto render``; each function returns problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from reviewbuild.book import chapter_files

#: Text Quarto leaves in the HTML for a cross-reference or citation it could not resolve.
UNRESOLVED_MARKERS = ("?@", "quarto-unresolved-ref", "citation not found", "?fig-", "?tbl-")


@dataclass
class _Table:
    line: int
    label: str
    layout: bool
    header_cells: int = 0


class _Page(HTMLParser):
    """Collects links, images (with alt text), tables and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.image_tags: list[tuple[int, dict[str, str | None]]] = []
        self.tables: list[_Table] = []
        self._open_tables: list[_Table] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.add(attr["id"] or "")
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"] or "")
        if tag == "img":
            self.image_tags.append((self.getpos()[0], attr))
            if attr.get("src"):
                self.images.append(attr["src"] or "")
        if tag == "table":
            label = attr.get("id") or attr.get("aria-label") or attr.get("class") or ""
            self._open_tables.append(_Table(self.getpos()[0], label,
                                            attr.get("role") in ("presentation", "none")))
        if tag == "th" and self._open_tables:
            self._open_tables[-1].header_cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open_tables:
            self.tables.append(self._open_tables.pop())


def parse_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def missing_pages(book: Path, root: Path) -> list[str]:
    """Chapters listed in ``_quarto.yml`` without an HTML page in ``book``."""
    pages = [Path(f).with_suffix(".html") for f in chapter_files(root)]
    return [f"{book / p}: missing page for {p.with_suffix('.qmd')}" for p in pages
            if not (book / p).is_file()]


def _internal(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith(("mailto:", "data:"))


def broken_links(book: Path) -> list[str]:
    """Internal links and images whose file (or ``#anchor``) does not exist."""
    pages = {p: parse_page(p) for p in book.rglob("*.html")}
    problems = []
    for path, page in pages.items():
        for url in [*page.links, *page.images]:
            if not _internal(url):
                continue
            parts = urlsplit(url)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{path.relative_to(book)}: broken link {url}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse_page(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{path.relative_to(book)}: no anchor for {url}")
    return problems


def unresolved_references(book: Path) -> list[str]:
    """Pages that still contain an unresolved cross-reference or citation."""
    problems = []
    for path in sorted(book.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path.relative_to(book)}: contains {marker!r}"
                     for marker in UNRESOLVED_MARKERS if marker in text]
    return problems


def pages_without_figures(book: Path, expected: dict[str, int]) -> list[str]:
    """Pages that show fewer images than expected (``{"chapters/x.html": 2}``)."""
    problems = []
    for page, count in expected.items():
        path = book / page
        found = len(parse_page(path).images) if path.is_file() else 0
        if found < count:
            problems.append(f"{page}: {found} image(s), expected at least {count}")
    return problems


def pdf_problems(pdf: Path, pages: tuple[int, int], must_contain: list[str]) -> list[str]:
    """The PDF's page count is within ``pages`` and its text has every ``must_contain``."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    problems = []
    if not pages[0] <= len(reader.pages) <= pages[1]:
        problems.append(f"{pdf.name}: {len(reader.pages)} pages, expected {pages[0]}-{pages[1]}")
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    problems += [f"{pdf.name}: does not contain {s!r}" for s in must_contain if s not in text]
    return problems


#: Image file endings: alt text that is only a file name says nothing to a reader.
_FILE_ENDINGS = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp", ".pdf")


def _decorative(attr: dict[str, str | None]) -> bool:
    return attr.get("alt") == "" and (attr.get("role") in ("presentation", "none")
                                      or attr.get("aria-hidden") == "true")


def images_without_alt(book: Path) -> list[str]:
    """Images whose ``alt`` text is missing, empty or only a file name (WCAG 1.1.1).

    An image marked decorative (``alt=""`` with ``role="presentation"`` or
    ``aria-hidden="true"``) needs none; every figure of the book needs one (``fig-alt``).
    """
    problems = []
    for path in sorted(book.rglob("*.html")):
        for line, attr in parse_page(path).image_tags:
            if _decorative(attr):
                continue
            alt = (attr.get("alt") or "").strip()
            src = attr.get("src") or "(no src)"
            where = f"{path.relative_to(book)}:{line}: image {src}"
            if not alt:
                problems.append(f"{where} has no alt text (give the figure a fig-alt)")
            elif alt.lower().endswith(_FILE_ENDINGS):
                problems.append(f"{where} has a file name as alt text: {alt!r}")
    return problems


def tables_without_headers(book: Path) -> list[str]:
    """Data tables without a single header cell (``<th>``), so screen readers cannot name
    the columns (WCAG 1.3.1). Tables marked ``role="presentation"`` are layout, not data."""
    problems = []
    for path in sorted(book.rglob("*.html")):
        for table in parse_page(path).tables:
            if not table.layout and table.header_cells == 0:
                label = f" ({table.label})" if table.label else ""
                problems.append(f"{path.relative_to(book)}:{table.line}: table{label} "
                                "has no header cells (<th>)")
    return problems


def pdf_accessibility_problems(pdf: Path, title: str, lang: str) -> list[str]:
    """The PDF is tagged (structure tree, ``/MarkInfo``), has ``title`` as its document
    title and declares the language ``lang`` (``/Lang``, e.g. ``en`` or ``en-GB``)."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    problems = []
    if "/StructTreeRoot" not in catalog:
        problems.append(f"{pdf.name}: not tagged (no structure tree)")
    mark_info = catalog.get("/MarkInfo")
    if not (mark_info and mark_info.get_object().get("/Marked")):
        problems.append(f"{pdf.name}: not marked as tagged (/MarkInfo /Marked)")
    found_title = (reader.metadata or {}).get("/Title")
    if found_title != title:
        problems.append(f"{pdf.name}: document title is {found_title!r}, expected {title!r}")
    found_lang = str(catalog.get("/Lang") or "")
    if found_lang.lower().split("-")[0] != lang.lower().split("-")[0]:
        problems.append(f"{pdf.name}: language is {found_lang or 'not set'!r}, expected {lang!r}")
    return problems
