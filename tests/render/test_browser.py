"""A reader's walk through the website in Chromium (Playwright): sidebar, search, a
cross-reference, a citation tooltip, the PDF download and every figure's data download.

Runs wherever ``_book/`` exists and a system Chromium is installed (fixtures in
``conftest.py``); skips loudly otherwise.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from reviewbuild.book import chapter_files, quarto_config

#: A word the search index must find, and a page that must be among its hits.
SEARCH_TERM, SEARCH_PAGE = "selinexor", "chapters/06-therapeutics.html"
#: A page whose prose refers to one of its own figures (@fig-...).
XREF_PAGE = "chapters/09-gastric.html"
_DOWNLOAD_CALL = re.compile(r"^\s*\w+\.download\(\"([\w-]+)\"\)", re.M)


def _page_urls(site: str, root: Path) -> dict[str, str]:
    return {f: site + Path(f).with_suffix(".html").as_posix() for f in chapter_files(root)}


def site_page(url: str, site: str) -> str:
    """The page a link of the site leads to, relative to the site (``chapters/x.html``):
    Quarto's navigation shows ``index.html`` as the site root (``/``), the page the server
    serves for it."""
    path = urlsplit(url).path.removeprefix(urlsplit(site).path)
    return path + "index.html" if path == "" or path.endswith("/") else path


def test_site_page_names_the_root_index() -> None:
    site = "http://127.0.0.1:8000/"
    assert site_page(site, site) == "index.html"
    assert site_page(site + "#preface", site) == "index.html"
    assert site_page(site + "chapters/09-gastric.html#fig-x", site) == "chapters/09-gastric.html"
    assert site_page(site + "chapters/", site) == "chapters/index.html"


def test_sidebar_reaches_every_chapter(page, site: str, root: Path) -> None:
    page.goto(site)
    # Part headers ("Appendices", ...) are a.sidebar-link elements without href: skip them.
    hrefs = page.eval_on_selector_all("#quarto-sidebar a.sidebar-link[href]",
                                      "els => els.map(e => e.href).filter(h => h)")
    assert hrefs, "no links in the sidebar"
    expected = {Path(f).with_suffix(".html").as_posix() for f in chapter_files(root)}
    reached = set()
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.ok, href
        assert page.locator("h1").count() >= 1, href
        reached.add(site_page(href, site))
    assert expected <= reached, f"not in the sidebar: {sorted(expected - reached)}"


def test_search_finds_a_term(page, site: str) -> None:
    page.goto(site)
    page.locator("#quarto-search").get_by_role("button").first.click()
    box = page.get_by_role("searchbox").first
    box.fill(SEARCH_TERM)
    hits = page.locator(".aa-Panel a[href], [role='listbox'] a[href]")
    hits.first.wait_for(state="visible", timeout=10_000)
    hrefs = hits.evaluate_all("els => els.map(e => e.href)")
    assert any(SEARCH_PAGE in h for h in hrefs), f"{SEARCH_TERM!r} not found in {SEARCH_PAGE}"
    hits.first.click()
    page.wait_for_load_state()
    assert SEARCH_TERM in page.locator("main").inner_text().lower()


def test_a_cross_reference_jumps_to_its_figure(page, site: str) -> None:
    page.goto(site + XREF_PAGE)
    link = page.locator("main a.quarto-xref[href*='#fig-']").first
    assert link.count() == 1, f"no figure cross-reference on {XREF_PAGE}"
    target = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_function("id => location.hash === '#' + id", arg=target)
    page.wait_for_load_state()  # the first reference may lead to another chapter's page
    figure = page.locator(f"[id='{target}']")
    assert figure.count() == 1, f"no element with id {target}"
    figure.scroll_into_view_if_needed()
    assert figure.locator("img, svg").count() >= 1, f"{target} holds no image"
    box = figure.bounding_box()
    assert box is not None and box["y"] < page.viewport_size["height"], f"{target} not in view"


def test_a_citation_shows_its_reference_on_hover(page, site: str) -> None:
    page.goto(site + "chapters/11-biliary.html")
    citation = page.locator("a[role='doc-biblioref']").first
    citation.hover()
    page.wait_for_selector(".tippy-box", timeout=5000)
    assert re.search(r"\(\d{4}[a-z]?\)", page.locator(".tippy-box").first.inner_text())


def test_the_pdf_link_downloads_the_book(page, site: str, root: Path) -> None:
    pdf = f"{quarto_config(root)['book']['output-file']}.pdf"
    page.goto(site)
    link = page.locator(f"a[href$='{pdf}']").first
    assert link.count() == 1, f"no link to {pdf} on the front page"
    response = page.request.get(link.evaluate("e => e.href"))
    assert response.ok, f"{pdf}: HTTP {response.status}"
    assert response.body()[:5] == b"%PDF-", f"{pdf} is not a PDF"


def test_every_figure_data_download_works(page, site: str, root: Path) -> None:
    checked = 0
    for source, url in _page_urls(site, root).items():
        expected = _DOWNLOAD_CALL.findall((root / source).read_text(encoding="utf-8"))
        page.goto(url)
        links = page.locator("a.figure-data-download, a[href*='figure-data/']")
        hrefs = sorted(set(links.evaluate_all("els => els.map(e => e.href)")))
        names = {h.rsplit("/", 1)[-1].removesuffix(".csv") for h in hrefs}
        assert set(expected) <= names, f"{url}: missing downloads {set(expected) - names}"
        for href in hrefs:
            response = page.request.get(href)
            assert response.ok, f"{href}: HTTP {response.status}"
            rows = list(csv.reader(io.StringIO(response.text())))
            assert len(rows) >= 2 and len(rows[0]) >= 2, f"{href}: not a data table"
            checked += 1
    if checked == 0:
        pytest.fail("no figure data downloads anywhere on the site")


#: Table cells holding an estimate with its interval ("0.99 (0.74–1.32)"), and how many
#: lines each takes as laid out.
_WRAPPED_INTERVALS = r"""() => [...document.querySelectorAll('td')]
  .filter(td => /\d\.\d+ \(\d/.test(td.textContent))
  .map(td => { const r = document.createRange(); r.selectNodeContents(td);
    return [td.textContent.trim(),
            new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })"""


def test_no_interval_wraps_in_a_table(page, site: str, root: Path) -> None:
    """An estimate and its interval stay on one line at a laptop's width (the whole-cohort
    table printed "0.99 (0.74–" above "1.32)")."""
    page.set_viewport_size({"width": 1000, "height": 900})
    seen, wrapped = 0, {}
    for name, url in _page_urls(site, root).items():
        page.goto(url)
        cells = page.evaluate(_WRAPPED_INTERVALS)
        seen += len(cells)
        if bad := [text for text, lines in cells if lines > 1]:
            wrapped[name] = bad
    assert seen >= 10, "no table cells with intervals found"
    assert wrapped == {}, f"intervals wrapped across lines: {wrapped}"
