"""Every figure the book draws fits the PDF's text width with its text still readable there.

Quarto's Typst output places a figure's PNG at its own size and shrinks it to the text width
when it is wider, shrinking its text with it. A figure passes when its saved image (bounding
box plus margin, as ``DataFigure._repr_png_`` writes it) is no wider than the text width, so
it prints at 100%, and no text in it is smaller than MIN_PRINT_PT at that print size.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from io import BytesIO

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from PIL import Image

from xpo1review.analysis import survival_analysis as sa
from xpo1review.analysis.differential import moderated_t
from xpo1review.figures.forest import forest_figure
from xpo1review.figures.protein import protein_map
from xpo1review.figures.style import RC, SMALL_PT, DataFigure, fill, new_figure
from xpo1review.figures.survival import km_figure
from xpo1review.figures.volcano import volcano_figure

#: The PDF's text width in inches: 425.2 pt, measured in the reference Quarto render
#: (../shared/render/xpo1-review.pdf, Typst, A4): every figure image there is placed at most
#: 425.2 pt wide, from x = 85.0 pt to 510.2 pt (page width 595.3 pt).
PDF_TEXT_WIDTH_IN = 425.2 / 72
#: The smallest text readers should get in print, in points.
MIN_PRINT_PT = 7.0


def print_scale(fig: DataFigure) -> tuple[float, float]:
    """(the saved image's width in inches, the factor the PDF scales it by); closes it."""
    png = fig._repr_png_()
    width_in = Image.open(BytesIO(png)).size[0] / RC["savefig.dpi"]
    return width_in, min(1.0, PDF_TEXT_WIDTH_IN / width_in)


def text_sizes(fig: DataFigure) -> dict[str, float]:
    """Every visible, non-empty text of the figure (tick labels too) and its size in points."""
    fig.figure.canvas.draw()  # fills in the tick labels
    return {t.get_text(): t.get_fontsize() for t in fig.figure.findobj(Text)
            if t.get_visible() and t.get_text().strip()}


def assert_readable_in_print(fig: DataFigure) -> None:
    drawn_width = fig.figure.get_size_inches()[0]
    sizes = text_sizes(fig)
    width, scale = print_scale(fig)
    scale = min(scale, PDF_TEXT_WIDTH_IN / drawn_width)
    assert drawn_width <= PDF_TEXT_WIDTH_IN, (
        f"drawn {drawn_width:.2f} in wide, wider than the PDF text width "
        f"{PDF_TEXT_WIDTH_IN:.2f} in")
    assert width <= PDF_TEXT_WIDTH_IN, (
        f"saved image {width:.2f} in wide (text outside the figure?), wider than the PDF text "
        f"width {PDF_TEXT_WIDTH_IN:.2f} in: it prints at {scale:.0%}")
    small = {text: size * scale for text, size in sizes.items() if size * scale < MIN_PRINT_PT}
    assert not small, f"text under {MIN_PRINT_PT} pt in print (at {scale:.0%}): {small}"


def test_the_check_fails_on_a_wide_figure_and_on_small_text():
    fig, ax = new_figure(figsize=(10.0, 3.0))
    ax.plot([0, 1], [0, 1])
    with pytest.raises(AssertionError, match="wider than the PDF text width"):
        assert_readable_in_print(DataFigure(fig, pd.DataFrame(), "Data: test."))
    fig, ax = new_figure(figsize=(4.0, 3.0))
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    with pytest.raises(AssertionError, match="'tiny': 5.0"):
        assert_readable_in_print(DataFigure(fig, pd.DataFrame(), "Data: test."))


def _width(text: str, fontsize: float) -> float:
    """A text's width in pixels as a saved figure draws it."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer = RendererAgg(1, 1, RC["savefig.dpi"])
    return renderer.get_text_width_height_descent(text, FontProperties(size=fontsize),
                                                  ismath=False)[0]


def test_figure_text_is_broken_into_full_lines_that_end_inside_the_figure():
    fig, _ = new_figure(figsize=(3.0, 2.0))
    words = "Data: " + " ".join(f"sample{i} (n = {i})" for i in range(25))
    lines = fill(fig, f"{words}\nA second paragraph.\n{'x' * 90}", SMALL_PT).split("\n")
    room = 3.0 * (1 - 0.01) * RC["savefig.dpi"]
    assert len(lines) > 4 and lines[-2:] == ["A second paragraph.", "x" * 90]
    assert " ".join(lines[:-2]) == words  # every word, in order, none split
    assert all(_width(line, SMALL_PT) <= room for line in lines[:-1])
    for line, after in zip(lines[:-3], lines[1:-2], strict=True):  # the next word did not fit
        assert _width(f"{line} {after.split(' ')[0]}", SMALL_PT) > 0.95 * room


def test_the_scale_is_the_text_width_over_the_image_width():
    fig, ax = new_figure(figsize=(2 * PDF_TEXT_WIDTH_IN, 2.0))
    ax.set_axis_off()
    ax.text(0.0, 0.0, "left edge", transform=fig.transFigure)
    ax.text(1.0, 1.0, "right edge", ha="right", va="top", transform=fig.transFigure)
    width, scale = print_scale(DataFigure(fig, pd.DataFrame(), ""))
    assert width == pytest.approx(2 * PDF_TEXT_WIDTH_IN + 0.2, abs=0.02)  # + tight margin
    assert scale == pytest.approx(PDF_TEXT_WIDTH_IN / width)


def test_protein_map_is_readable_in_print():
    assert_readable_in_print(protein_map())


def whole_cohort_frame() -> pd.DataFrame:
    """A comparison frame shaped like whole_cohort.comparison(), with gaps where the book
    has them (no model for one entity, no subset for two)."""
    nan = float("nan")
    rows = []
    for i, (label, study) in enumerate([("Oesophagus", "ESCA"), ("Stomach", "STAD"),
                                        ("Liver", "LIHC"), ("Bile ducts", "CHOL"),
                                        ("Pancreas", "PAAD"), ("Colon", "COAD"),
                                        ("Rectum", "READ")]):
        has_model, has_subset = study != "CHOL", study not in ("ESCA", "READ")
        rows.append({
            "entity": label, "study": study, "review_high_better": i % 2 == 0,
            "review_significant": [True, False, None][i % 3],
            "hr": 1.1 if has_model else nan, "hr_lower": 0.8 if has_model else nan,
            "hr_upper": 1.5 if has_model else nan, "p": 0.03 if has_model else nan,
            "n": 400 if has_model else pd.NA, "deaths": 150 if has_model else pd.NA,
            "subset_hr": 0.6 if has_subset else nan, "subset_lower": 0.12 if has_subset else nan,
            "subset_upper": 4.5 if has_subset else nan, "subset_p": 0.4 if has_subset else nan,
            "subset_n": 130 if has_subset else pd.NA, "subset_deaths": 69 if has_subset else pd.NA,
        })
    return pd.DataFrame(rows)


def test_forest_figure_is_readable_in_print():
    assert_readable_in_print(forest_figure(whole_cohort_frame(), [("oncolnc-STAD-cox", None)]))


def test_survival_figure_is_readable_in_print(simulated_survival):
    a = sa.analyse(simulated_survival(), "SIM", time_unit="months", sources=(("tcga-cdr", None),),
                   n_permutations=99, description="tumour-normal paired subset, OS from TCGA-CDR")
    assert_readable_in_print(km_figure(a))


def test_volcano_figure_is_readable_in_print():
    rng = np.random.default_rng(1)
    genes = ["XPO1", *[f"G{i}" for i in range(299)]]
    m = pd.DataFrame(rng.normal(8, 1, (300, 20)) * np.sqrt(rng.chisquare(4, 300) / 4)[:, None],
                     index=genes, columns=[f"s{i}" for i in range(20)])
    de = moderated_t(m, pd.Series(m.loc["XPO1"] > m.loc["XPO1"].median()), min_mean=None)
    assert_readable_in_print(volcano_figure(de, "COADREAD", [("tcga-cdr", None)]))


@pytest.mark.integration
def test_tumour_normal_figure_is_readable_in_print(mirror):
    from xpo1review.figures.expression import tumour_normal_figure

    assert_readable_in_print(tumour_normal_figure())


@pytest.mark.integration
@pytest.mark.parametrize("cohort", ["STAD", "LIHC", "CHOL", "PAAD", "COADREAD"])
def test_the_book_s_survival_and_volcano_figures_are_readable_in_print(mirror, cohort):
    from xpo1review.analysis.entity import run
    from xpo1review.data.loaders import Unavailable

    result = run(cohort)
    drawn = 0
    if not isinstance(result.survival, Unavailable):
        assert_readable_in_print(km_figure(result.survival))
        drawn += 1
    if not isinstance(result.de, Unavailable):
        assert_readable_in_print(volcano_figure(result.de, cohort))
        drawn += 1
    assert drawn, f"{cohort}: neither a survival nor a volcano figure could be drawn"


@pytest.mark.integration
def test_the_book_s_forest_figure_is_readable_in_print(mirror):
    from xpo1review.analysis import whole_cohort

    assert_readable_in_print(forest_figure(whole_cohort.comparison(), whole_cohort.sources()))
