"""A reader's walk through the website: sidebar, a figure, a citation tooltip (Playwright)."""

from __future__ import annotations

from pathlib import Path

from xpo1review.book import chapter_files


def test_sidebar_reaches_every_chapter(page, site: str, root: Path) -> None:
    page.goto(site)
    # Part headers ("Appendices", ...) are a.sidebar-link elements without href: skip them.
    hrefs = page.eval_on_selector_all("#quarto-sidebar a.sidebar-link[href]",
                                      "els => els.map(e => e.href).filter(h => h)")
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
