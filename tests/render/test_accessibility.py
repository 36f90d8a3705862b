"""Accessibility of the rendered book (WCAG 2.1 AA): axe-core on every page of the website
in Chromium, the keyboard walk (skip link, visible focus), alt text and table headers, and
the PDF's tags, title and language.

The site tests need ``_book/`` (the ``book``/``site``/``page`` fixtures of conftest.py skip
loudly without it). The first tests check the axe machinery itself on small pages made
here, so they run wherever a system Chromium exists, rendered book or not.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from reviewbuild import postrender

#: axe-core rule tags of WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

#: Where the skip link leads (Quarto's <main> id; Quarto >= 1.11 adds its own link there).
MAIN_ID = "quarto-document-content"

THEME = Path(__file__).resolve().parents[2] / "theme.scss"
SKIP_LINK = Path(__file__).resolve().parents[2] / "_skip-link.html"


def axe_violations(page, label: str, context: str | None = None) -> list[str]:
    """WCAG 2 A/AA violations on the page as it is now, one line per element:
    ``label: rule (impact) at selector: what is wrong``."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options=AXE_OPTIONS).response
    lines = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " > ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or violation["help"]).replace("\n", " ")
            lines.append(f"{label}: {violation['id']} ({violation['impact']}) at {target}: "
                         f"{summary}")
    return lines


def first_tab_stop(page) -> dict:
    """Press Tab once from the top of the page: what receives focus, and is it shown?"""
    page.keyboard.press("Tab")
    return page.evaluate("""() => {
        const el = document.activeElement;
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href') || '',
                text: el.textContent.trim(),
                visible: box.width > 1 && box.height > 1 && box.top >= 0 &&
                         box.left >= 0 && box.bottom <= innerHeight,
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
                shadow: style.boxShadow !== 'none'};
    }""")


def focus_after_skip(page) -> bool:
    """After following the skip link (Enter), the next Tab lands inside <main>."""
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    return page.evaluate(f"""() => {{
        const main = document.getElementById('{MAIN_ID}');
        return !!main && main.contains(document.activeElement);
    }}""")


#: Looks of the focused element and its two nearest ancestors, with focus and without: a
#: visible focus indicator is any difference (outline, ring, border, background, underline).
_FOCUS_LOOK = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const look = () => {
        const parts = [];
        for (let n = el, i = 0; n && i < 3; n = n.parentElement, i++) {
            const s = getComputedStyle(n);
            parts.push([s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
                        s.borderColor, s.backgroundColor, s.textDecorationLine].join('|'));
        }
        return parts.join('/');
    };
    const withFocus = look();
    el.blur();
    const without = look();
    el.focus();
    return withFocus === without ? el.outerHTML.slice(0, 160) : '';
}"""


def unfocused_stops(page, stops: int) -> list[str]:
    """Of the next ``stops`` tab stops, those that look the same focused and unfocused."""
    missing = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        found = page.evaluate(_FOCUS_LOOK)
        if found:
            missing.append(found)
    return missing


# --- the machinery, on pages made here (needs only Chromium) ----------------------------------

@pytest.fixture
def bare_browser() -> Iterator[object]:
    """The system Chromium with no site behind it, for the self-tests of the checks.

    Per test, so that no second Playwright instance is alive when conftest's session-wide
    ``browser`` starts (Playwright's sync API allows one per thread)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="SKIPPED LOUDLY: playwright is not installed")
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    chromium = next((path for name in names if (path := shutil.which(name))), None)
    if chromium is None:
        pytest.skip("SKIPPED LOUDLY: no system Chromium or Chrome for the axe self-test "
                    "(`apt-get install chromium`)")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags)
        yield browser
        browser.close()


@pytest.fixture
def bare_page(bare_browser) -> Iterator[object]:
    page = bare_browser.new_page(viewport={"width": 1200, "height": 800})
    yield page
    page.close()


def _html(body: str, css: str = "", include: str = "", before: str = "") -> str:
    """A small page shaped like Quarto's: navigation, then <main class="content">;
    ``include`` lands inside the content wrapper after the navigation (the worst place an
    include-before-body could land), ``before`` right after <body>."""
    hidden = (".visually-hidden-focusable:not(:focus){position:absolute!important;"
              "width:1px!important;height:1px!important;overflow:hidden!important;"
              "clip:rect(0,0,0,0)!important;white-space:nowrap!important}")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
            f"<style>body{{color:#343a40;background:#fff}} a{{color:#2761e3}} {hidden}"
            f"{css}</style></head><body>{before}<nav><a href='#a'>Home</a> "
            f"<a href='#b'>Next</a></nav><div id='quarto-content'>{include}"
            f"<main class='content' id='{MAIN_ID}'>{body}</main></div></body></html>")


#: Quarto's own rules that issue 16 found failing: citations without underline and a
#: light grey for section numbers.
QUARTO_LIKE = ".citation a{text-decoration:none} .header-section-number{color:#6d7a86}"
MARKUP = """<h1><span class="header-section-number">9</span> Gastric cancer</h1>
<p>High expression goes with shorter survival <span class="citation">
<a href="#ref-1" role="doc-biblioref">Chen 2019</a></span>, as others found.</p>
<nav role="doc-toc"><ul><li><a href="#s1"><span class="header-section-number">9.1</span>
Expression</a></li></ul></nav><p id="ref-1">Chen 2019.</p>"""


def test_axe_finds_colour_only_link_and_low_contrast(bare_page) -> None:
    bare_page.set_content(_html(MARKUP, QUARTO_LIKE))
    rules = {line.split(": ")[1].split(" ")[0] for line in axe_violations(bare_page, "t")}
    assert rules == {"link-in-text-block", "color-contrast"}


def test_axe_passes_the_fixed_page(bare_page) -> None:
    fixed = (".citation a{text-decoration:underline} "
             ".header-section-number{color:#5c6670}")
    bare_page.set_content(_html(MARKUP, QUARTO_LIKE + fixed))
    assert axe_violations(bare_page, "t") == []


def test_axe_passes_with_the_compiled_theme(bare_page) -> None:
    """theme.scss compiled (its rules use only its own variables) over Quarto-like rules."""
    sass = pytest.importorskip("sass", reason="libsass not installed: theme not compiled")
    css = sass.compile(string=THEME.read_text(encoding="utf-8"))
    bare_page.set_content(_html(MARKUP, QUARTO_LIKE + css))
    assert axe_violations(bare_page, "theme") == []
    underline = bare_page.evaluate(
        "getComputedStyle(document.querySelector('.citation a')).textDecorationLine")
    assert underline == "underline"


SKIP_FOCUS_CSS = "#xpo1-skip-link:focus{position:fixed;top:0;left:0;outline:2px solid #2761e3}"


def test_skip_link_comes_first_wherever_it_is_included(bare_page) -> None:
    bare_page.set_content(_html("<p>Text <a href='#x'>in main</a>.</p>", SKIP_FOCUS_CSS,
                                include=SKIP_LINK.read_text(encoding="utf-8")))
    stop = first_tab_stop(bare_page)
    assert stop["href"] == f"#{MAIN_ID}" and stop["visible"] and stop["outline"], stop
    assert focus_after_skip(bare_page)


def test_skip_link_stays_on_the_page_when_its_address_is_rewritten(bare_page) -> None:
    """Quarto's navigation script may turn ``index.html#x`` into ``/#x`` (a reload)."""
    bare_page.set_content(_html("<p>Text <a href='#x'>in main</a>.</p>", SKIP_FOCUS_CSS,
                                include=SKIP_LINK.read_text(encoding="utf-8")))
    bare_page.evaluate("document.getElementById('xpo1-skip-link').href = "
                       f"'http://127.0.0.1:9/elsewhere#{MAIN_ID}'")
    url = bare_page.url
    bare_page.keyboard.press("Tab")
    bare_page.keyboard.press("Enter")
    assert bare_page.url == url
    assert bare_page.evaluate("document.activeElement.id") == MAIN_ID


def test_skip_link_gives_way_to_quartos_own(bare_page) -> None:
    quartos = (f'<a id="quarto-skip-link" class="visually-hidden-focusable" '
               f'href="#{MAIN_ID}">Skip to main content</a>')
    bare_page.set_content(_html("<p>x</p>", SKIP_FOCUS_CSS, before=quartos,
                                include=SKIP_LINK.read_text(encoding="utf-8")))
    assert bare_page.locator("#xpo1-skip-link").count() == 0
    assert first_tab_stop(bare_page)["href"] == f"#{MAIN_ID}"


def test_skip_link_check_fails_without_one(bare_page) -> None:
    bare_page.set_content(_html("<p>Text <a href='#x'>in main</a>.</p>"))
    assert first_tab_stop(bare_page)["href"] == "#a"


def test_focus_check_catches_a_removed_outline(bare_page) -> None:
    bare_page.set_content(_html("<p><a href='#x'>x</a></p>", css="a:focus{outline:none}"))
    assert len(unfocused_stops(bare_page, 3)) == 3


def test_focus_check_passes_the_theme_ring(bare_page) -> None:
    bare_page.set_content(_html("<p><a href='#x'>x</a></p>",
                                css="a:focus-visible{outline:2px solid #2761e3}"))
    assert unfocused_stops(bare_page, 3) == []


#: A collapsed callout as Quarto 1.10 writes it (filters/modules/callouts.lua): the header
#: is a <div> with aria-expanded and Bootstrap's collapse toggle.
QUARTO_CALLOUT = """<div class="callout callout-note callout-titled">
<div class="callout-header d-flex collapsed" data-bs-toggle="collapse"
 data-bs-target=".callout-1-contents" aria-controls="callout-1" aria-expanded="false"
 aria-label="Toggle callout"><div class="callout-title-container">Provenance</div></div>
<div id="callout-1" class="callout-1-contents callout-collapse collapse" hidden>
<div class="callout-body"><p>sources: a source</p></div></div></div>"""
CALLOUT_FILTER = Path(__file__).resolve().parents[2] / "filters" / "callout-button.lua"
CALLOUT_KEYS = Path(__file__).resolve().parents[2] / "_callout-keys.html"
#: Stands in for Bootstrap's collapse: a click toggles the body and aria-expanded.
TOGGLE = """<script>document.querySelector('.callout-header').addEventListener('click', e => {
  const open = e.currentTarget.getAttribute('aria-expanded') === 'true';
  e.currentTarget.setAttribute('aria-expanded', String(!open));
  document.getElementById('callout-1').hidden = open; });</script>"""


def _filtered_callout() -> str:
    """QUARTO_CALLOUT through the project's Lua filter, by Quarto's own pandoc."""
    quarto = shutil.which("quarto")
    if quarto is None:
        pytest.skip("SKIPPED LOUDLY: `quarto` is not on PATH (its pandoc runs the Lua filter)")
    done = subprocess.run([quarto, "pandoc", "-f", "html", "-t", "html", "--lua-filter",
                           str(CALLOUT_FILTER)], input=QUARTO_CALLOUT, capture_output=True,
                          text=True, check=True)
    return done.stdout


def test_axe_flags_quartos_collapsed_callout(bare_page) -> None:
    bare_page.set_content(_html(QUARTO_CALLOUT))
    rules = {line.split(": ")[1].split(" ")[0] for line in axe_violations(bare_page, "t")}
    assert "aria-allowed-attr" in rules


def test_filtered_callout_is_a_button_the_keyboard_opens(bare_page) -> None:
    bare_page.set_content(_html(_filtered_callout() + TOGGLE
                                + CALLOUT_KEYS.read_text(encoding="utf-8")))
    assert axe_violations(bare_page, "callout") == []
    header = bare_page.locator(".callout-header")
    assert header.get_attribute("role") == "button"
    header.focus()
    bare_page.keyboard.press("Enter")
    assert header.get_attribute("aria-expanded") == "true"
    assert bare_page.locator("#callout-1").is_visible()
    bare_page.keyboard.press(" ")
    assert header.get_attribute("aria-expanded") == "false"


SCROLL_REGIONS = Path(__file__).resolve().parents[2] / "_scroll-regions.html"
WIDE_TABLE = ("<div id='wide' style='overflow-x:auto;width:300px'><table><caption>Trials"
              "</caption><tr><th>Trial</th><th>Population</th></tr><tr><td>NCT1</td><td>"
              + "patients " * 80 + "</td></tr></table></div>"
              "<style>#wide td{white-space:nowrap}</style>")


def _scroll_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]}}
    return [v["id"] for v in Axe().run(page, options=options).response["violations"]]


def test_axe_flags_a_scrolling_box_out_of_keyboard_reach(bare_page) -> None:
    bare_page.set_content(_html(WIDE_TABLE))
    assert _scroll_violations(bare_page) == ["scrollable-region-focusable"]


def test_scrolling_boxes_join_the_tab_order(bare_page) -> None:
    bare_page.set_content(_html(WIDE_TABLE + SCROLL_REGIONS.read_text(encoding="utf-8")))
    assert _scroll_violations(bare_page) == []
    box = bare_page.locator("#wide")
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label") == "Scrollable: Trials"
    assert axe_violations(bare_page, "scroll") == []


# --- the rendered book -------------------------------------------------------------------------

def site_pages(book: Path) -> list[str]:
    """Every HTML page of the website, relative to ``_book/`` (Quarto's libraries excluded)."""
    return sorted(p.relative_to(book).as_posix() for p in book.rglob("*.html")
                  if "site_libs" not in p.parts)


def test_axe_every_page(page, site: str, book: Path) -> None:
    pages = site_pages(book)
    assert len(pages) >= 20, pages
    problems: list[str] = []
    for name in pages:
        page.goto(site + name)
        page.wait_for_load_state("load")
        problems += axe_violations(page, name)
    assert problems == [], (f"{len(problems)} WCAG 2.1 A/AA violation(s):\n"
                            + "\n".join(problems))


def test_axe_citation_tooltip(page, site: str) -> None:
    page.goto(site + "chapters/09-gastric.html")
    page.locator("a[role='doc-biblioref']").first.hover()
    page.wait_for_selector(".tippy-box", timeout=5000)
    assert axe_violations(page, "09-gastric.html (citation tooltip)", ".tippy-box") == []


@pytest.mark.parametrize("name", ["index.html", "chapters/09-gastric.html",
                                  "references.html"])
def test_skip_link_is_the_first_tab_stop(page, site: str, name: str) -> None:
    page.goto(site + name)
    stop = first_tab_stop(page)
    assert stop["href"].endswith(f"#{MAIN_ID}"), f"{name}: first tab stop is {stop}"
    assert stop["visible"] and (stop["outline"] or stop["shadow"]), f"{name}: {stop}"
    assert focus_after_skip(page), f"{name}: the skip link does not lead into <main>"


def test_focus_is_visible(page, site: str) -> None:
    page.goto(site + "chapters/09-gastric.html")
    assert unfocused_stops(page, 25) == []


def test_every_image_has_alt_text(book: Path) -> None:
    assert postrender.images_without_alt(book) == []


def test_every_table_has_header_cells(book: Path) -> None:
    assert postrender.tables_without_headers(book) == []


def test_pdf_tagged_with_title_and_language(book: Path, root: Path) -> None:
    pdfs = list(book.glob("*.pdf"))
    if not pdfs:
        pytest.fail("no PDF in _book/: render all formats with `quarto render`")
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    title = config["book"]["title"]
    lang = config.get("lang", "en")
    assert postrender.pdf_accessibility_problems(pdfs[0], title, lang) == []
