"""Readers can download the data behind each figure as CSV."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from xpo1review.figures.style import DataFigure


def test_download_carries_the_csv_and_links_it_relative_to_the_chapter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "chapters").mkdir()
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path / "chapters")
    data = pd.DataFrame({"group": ["XPO1-high", "XPO1-low"], "n": [10, 12]})
    fig = DataFigure(plt.figure(), data, "Data: test.", "sources: t (sha256 unpinned)")
    out = fig.download("test-figure")
    text = out.markdown
    assert text.startswith('::: {.content-visible when-format="html"}\n')
    assert ("[Download the data behind this figure (CSV)](../figure-data/test-figure.csv)"
            "{.figure-data-download}") in text
    assert '::: {.callout-note collapse="true"' in text
    assert "sources: t (sha256 unpinned); data file: figure-data/test-figure.csv" in text
    assert text.count(":::") == 4, "two fenced divs, each opened and closed"
    assert out.path == "figure-data/test-figure.csv"
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(out.text)), data)
    assert not (tmp_path / "figure-data").exists(), "written when the notebook is rendered"


def test_figures_are_saved_at_the_house_resolution() -> None:
    from io import BytesIO

    from PIL import Image

    from xpo1review.figures.style import RC, new_figure

    fig, ax = new_figure(figsize=(4.0, 2.0))
    ax.plot([0, 1], [0, 1])
    png = DataFigure(fig, pd.DataFrame(), "Data: test.")._repr_png_()
    width, _ = Image.open(BytesIO(png)).size
    assert width >= 0.9 * 4.0 * RC["savefig.dpi"], "PNG below the house 200 dpi"
