"""The volcano plot's gene labels: none overlaps another label or any point of the plot
(issue 22: "MTOR" printed over the XPO1 point, "GPX1" against "RAB11B")."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from xpo1review.analysis.differential import DEResult
from xpo1review.figures.volcano import volcano_figure


def _boxes(fig: Figure) -> tuple[list[str], list[Bbox]]:
    """Gene labels of the plot and their boxes on the canvas (pixels)."""
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()]
    return [t.get_text() for t in texts], [t.get_window_extent(renderer) for t in texts]


def _points(fig: Figure) -> list[tuple[float, float, float]]:
    """Every plotted point as (x, y, radius) on the canvas, in pixels."""
    ax = fig.axes[0]
    out = []
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if len(offsets) == 0:
            continue
        xy = ax.transData.transform(offsets)
        sizes = np.broadcast_to(coll.get_sizes(), (len(xy),))
        radii = np.sqrt(sizes) / 2 * fig.dpi / 72
        out += [(float(x), float(y), float(r)) for (x, y), r in zip(xy, radii, strict=True)]
    return out


def label_collisions(fig: Figure) -> list[str]:
    """Labels overlapping each other, and labels covering (part of) a point."""
    names, boxes = _boxes(fig)
    problems = [f"{names[i]} overlaps {names[j]}"
                for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                if boxes[i].overlaps(boxes[j])]
    for name, box in zip(names, boxes, strict=True):
        for x, y, r in _points(fig):
            dx = max(box.x0 - x, 0, x - box.x1)
            dy = max(box.y0 - y, 0, y - box.y1)
            if dx * dx + dy * dy < r * r:
                problems.append(f"{name} covers the point at ({x:.0f}, {y:.0f}) px")
                break
    return problems


def crowded_result() -> DEResult:
    """Top genes close together near the XPO1 point, as in the gastric volcano plot."""
    rng = np.random.default_rng(3)
    n = 400
    genes = ["XPO1", "MTOR", "GPX1", "RAB11B", "PSENEN", "EIF3A", "ZNF318", "TOP2B",
             "RANBP2", "PDE6C", *[f"G{i}" for i in range(n - 10)]]
    top = np.array([[0.55, 9.0], [0.55, 8.7], [-0.55, 7.6], [-0.45, 7.5], [-0.5, 7.0],
                    [0.4, 7.4], [0.48, 7.1], [0.42, 6.8], [0.6, 10.0], [1.7, 6.9]])
    rest = np.column_stack([rng.normal(0, 0.4, n - 10), rng.uniform(0, 6, n - 10)])
    xy = np.vstack([top, rest])
    p = 10 ** -xy[:, 1]
    table = pd.DataFrame({"log2fc": xy[:, 0], "ave_expr": 8.0, "t": xy[:, 0] * 5, "p": p,
                          "p_adj": np.minimum(p * n, 1.0)}, index=pd.Index(genes, name="gene"))
    return DEResult(table.sort_values("p"), 15, 15, n, "median split")


def test_collision_check_finds_overlaps() -> None:
    """The check itself: two labels on one spot, and a label on a point, are reported."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.scatter([0.5], [0.5], s=60)
    ax.text(0.5, 0.5, "AAAA")
    ax.text(0.5, 0.5, "BBBB")
    problems = label_collisions(fig)
    assert "AAAA overlaps BBBB" in problems
    assert any(p.startswith("AAAA covers the point") for p in problems)


def test_volcano_labels_overlap_neither_each_other_nor_points() -> None:
    fig = volcano_figure(crowded_result(), "SIM", [("sim", None)])
    labels = set(_boxes(fig.figure)[0])
    assert {"XPO1", "MTOR", "GPX1", "RAB11B"} <= labels
    assert label_collisions(fig.figure) == []


@pytest.mark.integration
@pytest.mark.parametrize("cohort", ["STAD", "LIHC", "CHOL", "COADREAD"])
def test_the_book_s_volcano_labels_are_clear(mirror, cohort: str) -> None:
    from xpo1review.analysis.entity import run
    from xpo1review.data.loaders import Unavailable

    result = run(cohort)
    if isinstance(result.de, Unavailable):
        pytest.skip(f"{cohort}: no differential expression in this build")
    assert label_collisions(volcano_figure(result.de, cohort).figure) == []
