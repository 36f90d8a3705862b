"""Checks on the rendered book in ``_book/``: pages, links, figures, references, PDF.

Run by ``pytest tests/render`` after ``quarto render``; each function returns problems.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from xpo1review.book import chapter_files

#: Text Quarto leaves in the HTML for a cross-reference or citation it could not resolve.
UNRESOLVED_MARKERS = ("?@", "quarto-unresolved-ref", "citation not found", "?fig-", "?tbl-")


class _Page(HTMLParser):
    """Collects link targets, image sources and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.add(attr["id"] or "")
        if tag == "a" and attr.get("href"):
            self.links.append(attr["href"] or "")
        if tag == "img" and attr.get("src"):
            self.images.append(attr["src"] or "")


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
