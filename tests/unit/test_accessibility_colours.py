"""Colours readers see: the website theme meets WCAG 2.1 AA contrast, and the figure
palette stays distinguishable for the common colour-vision deficiencies.

Runs without Quarto: it reads the colour variables of ``theme.scss`` and the palette of
``xpo1review.figures.style``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from xpo1review.figures import style

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "theme.scss"


# --- WCAG 2.1 contrast ------------------------------------------------------------------

def _linear(hex_colour: str) -> np.ndarray:
    """sRGB hex colour -> linear RGB in [0, 1] (IEC 61966-2-1, as WCAG 2.1 defines it)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    c = np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    lum = sorted((float(np.dot([0.2126, 0.7152, 0.0722], _linear(c))) for c in (a, b)),
                 reverse=True)
    return (lum[0] + 0.05) / (lum[1] + 0.05)


def test_contrast_formula_matches_published_values() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WebAIM: fails
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WebAIM: passes
    assert contrast("#6d7a86", "#ffffff") == pytest.approx(4.39, abs=0.01)  # axe, issue 16


def _sections(text: str) -> dict[str, str]:
    """The Quarto theme file's ``/*-- scss:NAME --*/`` sections."""
    parts = re.split(r"/\*-- scss:(\w+) --\*/", text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def theme_colours(text: str) -> dict[str, str]:
    """``$name: value;`` of the defaults section, references to other variables resolved."""
    raw = dict(re.findall(r"^\s*\$([\w-]+)\s*:\s*([^;]+?)\s*(?:!default)?\s*;",
                          _sections(text)["defaults"], flags=re.M))
    resolved = {}
    for name, value in raw.items():
        seen = {name}
        while value.startswith("$"):
            ref = value[1:]
            if ref in seen or ref not in raw:
                raise AssertionError(f"theme.scss: ${name} refers to unknown ${ref}")
            seen.add(ref)
            value = raw[ref]
        resolved[name] = value
    return resolved


def theme_rules(text: str) -> list[tuple[list[str], str]]:
    """(selectors, declarations) of each flat rule in the rules section."""
    body = re.sub(r"//[^\n]*", "", _sections(text)["rules"])
    return [([s.strip() for s in re.split(r",(?![^()]*\))", sel)], decl)
            for sel, decl in re.findall(r"([^{}]+)\{([^{}]*)\}", body)]


@pytest.fixture(scope="module")
def colours() -> dict[str, str]:
    return theme_colours(THEME.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules() -> list[tuple[list[str], str]]:
    return theme_rules(THEME.read_text(encoding="utf-8"))


def test_site_uses_the_theme_layer() -> None:
    html = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["format"]["html"]
    theme = html["theme"]
    assert isinstance(theme, list) and theme[-1] == "theme.scss", theme


@pytest.mark.parametrize("background", ["body-bg", "sidebar-bg"])
@pytest.mark.parametrize("text", ["body-color", "link-color", "body-secondary",
                                  "body-secondary-color", "text-muted",
                                  "breadcrumb-active-color", "breadcrumb-divider-color"])
def test_text_contrast_at_least_4_5(colours: dict[str, str], text: str,
                                    background: str) -> None:
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, (f"${text} {colours[text]} on ${background} "
                          f"{colours[background]}: {ratio:.2f}:1, WCAG AA needs 4.5:1")


#: Text and background colour pairs of a mermaid diagram on the website, as Quarto's mermaid
#: CSS (mermaid-init.js) combines its variables: node labels on node fills inside and
#: outside subgraphs, subgraph titles, edge labels on their own and on mermaid's grey.
MERMAID_PAIRS = [
    ("mermaid-label-fg-color", "mermaid-node-bg-color"),
    ("mermaid-label-fg-color", "mermaid-fg-color--lightest"),
    ("mermaid-label-fg-color", "mermaid-label-bg-color"),
    ("mermaid-label-fg-color", "xpo1-mermaid-edge-label-bg"),
    ("mermaid-edge-color", "mermaid-label-bg-color"),
    ("mermaid-edge-color", "xpo1-mermaid-edge-label-bg"),
    ("mermaid-fg-color", "mermaid-fg-color--lightest"),
]


@pytest.mark.parametrize(("text", "background"), MERMAID_PAIRS)
def test_mermaid_text_contrast_at_least_4_5(colours: dict[str, str], text: str,
                                            background: str) -> None:
    missing = [n for n in (text, background) if n not in colours]
    assert not missing, (f"theme.scss does not set {missing}: Quarto's defaults put the "
                         "primary blue on grey (3.4:1) and on a dark grey subgraph (1.3:1)")
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, (f"${text} {colours[text]} on ${background} "
                          f"{colours[background]}: {ratio:.2f}:1, WCAG AA needs 4.5:1")


def test_mermaid_node_fill_is_opaque(colours: dict[str, str]) -> None:
    """A see-through node fill (Quarto's ``rgba($primary, 0.1)``) takes the colour of
    whatever lies under it, so its contrast cannot be known here."""
    assert re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", colours["mermaid-node-bg-color"])


def test_focus_ring_contrast(colours: dict[str, str]) -> None:
    for background in ("body-bg", "sidebar-bg"):
        assert contrast(colours["xpo1-focus"], colours[background]) >= 3.0


def _rule_sets(rules, selector: str, declaration: str) -> bool:
    return any(selector in sels and re.search(declaration, decl) for sels, decl in rules)


def test_links_in_text_are_told_apart_from_text(colours, rules) -> None:
    """WCAG 1.4.1: a link in running text needs 3:1 against the text, or an underline."""
    if contrast(colours["link-color"], colours["body-color"]) >= 3.0:
        return
    for selector in (".citation a", "a.footnote-ref",
                     "main.content :is(p, li, dd, td, th, figcaption, blockquote, "
                     ".csl-entry) a:not(.btn)"):
        assert _rule_sets(rules, selector, r"text-decoration:\s*underline"), selector


def test_secondary_text_uses_the_darker_grey(colours, rules) -> None:
    for selector in (".header-section-number", ".code-tools-button", "figcaption"):
        assert _rule_sets(rules, selector, r"color:\s*\$xpo1-muted"), selector


def test_keyboard_focus_is_visible(rules) -> None:
    for selector in ("a:focus-visible", "button:focus-visible", "summary:focus-visible"):
        assert _rule_sets(rules, selector, r"outline:\s*2px solid"), selector
    assert _rule_sets(rules, "#xpo1-skip-link:focus", r"position:\s*fixed")


def test_parsers_catch_a_bad_theme() -> None:
    bad = """/*-- scss:defaults --*/
$body-bg: #ffffff;
$grey: #999999;
$body-secondary: $grey;
$broken: $nowhere;
/*-- scss:rules --*/
.citation a { text-decoration: none; }
"""
    with pytest.raises(AssertionError, match=r"\$broken refers to unknown \$nowhere"):
        theme_colours(bad)
    good_part = bad.replace("$broken: $nowhere;\n", "")
    found = theme_colours(good_part)
    assert found["body-secondary"] == "#999999"
    assert contrast(found["body-secondary"], found["body-bg"]) < 4.5
    assert not _rule_sets(theme_rules(good_part), ".citation a", r"text-decoration:\s*underline")


# --- colour-vision deficiencies -----------------------------------------------------------

#: Machado, Oliveira & Fernandes (2009), IEEE TVCG 15:1291, severity 1.0, on linear RGB.
CVD = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
    "normal vision": np.eye(3),
}
_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    """Linear sRGB -> CIELAB (D65)."""
    xyz = _XYZ @ np.clip(linear_rgb, 0, 1) / (_XYZ @ np.ones(3))
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str) -> float:
    """CIE76 colour difference of two colours as seen with ``vision`` (2.3 is just
    noticeable; above 10 two colours read as different)."""
    m = CVD[vision]
    return float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))


def test_simulation_confuses_red_and_green() -> None:
    """The simulation works: pure red and a green differ plainly in normal vision and
    far less for a deuteranope or protanope."""
    assert delta_e("#ff0000", "#00a000", "normal vision") > 80
    assert delta_e("#ff0000", "#00a000", "deuteranopia") < 35
    assert delta_e("#ff0000", "#00a000", "protanopia") < 50


#: Colour pairs drawn side by side in one figure (their legend tells groups apart).
FIGURE_PAIRS = {"survival groups": style.GROUP_COLOURS, "tissues": style.TISSUE_COLOURS,
                "sources": style.SOURCE_COLOURS}


@pytest.mark.parametrize("vision", list(CVD))
@pytest.mark.parametrize("figure", list(FIGURE_PAIRS))
def test_figure_pairs_distinguishable(vision: str, figure: str) -> None:
    (name_a, a), (name_b, b) = FIGURE_PAIRS[figure].items()
    assert delta_e(a, b, vision) >= 15, f"{figure}: {name_a} {a} vs {name_b} {b} ({vision})"


@pytest.mark.parametrize("vision", list(CVD))
def test_palette_distinguishable(vision: str) -> None:
    """Every two colours of the figures' colour cycle, and each against the white page."""
    cycle = [c for c in style.RC["axes.prop_cycle"].by_key()["color"]]
    close = [(a, b, round(delta_e(a, b, vision), 1))
             for a, b in itertools.combinations(cycle, 2) if delta_e(a, b, vision) < 12]
    assert close == [], f"colours too alike with {vision}"
    faint = [c for c in cycle if delta_e(c, "#ffffff", vision) < 20]
    assert faint == [], f"colours too close to the white background with {vision}"


def test_figure_text_grey_is_readable() -> None:
    """Grey text in figures (provenance lines, 'data not available' panels): 4.5:1."""
    assert contrast(style.MUTED, "#ffffff") >= 4.5, style.MUTED
