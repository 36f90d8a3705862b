"""A reader's walk through the website: sidebar, a figure, a citation tooltip (Playwright)."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from xpo1review.book import chapter_files

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def site(book: Path) -> Iterator[str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(book))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def page(site: str):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    chromium = next((path for name in names if (path := shutil.which(name))), None)
    if chromium is None:
        pytest.skip("SKIPPED LOUDLY: no system Chromium or Chrome for the browser test")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser.new_page()
        browser.close()


def test_sidebar_reaches_every_chapter(page, site: str, root: Path) -> None:
    page.goto(site)
    hrefs = page.eval_on_selector_all("#quarto-sidebar a.sidebar-link",
                                      "els => els.map(e => e.href)")
    expected = {Path(f).with_suffix(".html").as_posix() for f in chapter_files(root)}
    reached = set()
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.ok, href
        assert page.locator("h1").count() >= 1, href
        reached.add(href.removeprefix(site).split("#")[0])
    assert expected <= reached, f"not in the sidebar: {sorted(expected - reached)}"


def test_figure_and_citation_tooltip(page, site: str) -> None:
    page.goto(site + "chapters/11-biliary.html")
    assert page.locator("figure img, .quarto-figure img, svg").count() > 0
    citation = page.locator("a[role='doc-biblioref']").first
    citation.hover()
    page.wait_for_selector(".tippy-box", timeout=5000)
