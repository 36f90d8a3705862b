"""Volcano plot of XPO1-high vs XPO1-low tumours (limma moderated t-test)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from adjustText import adjust_text
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection

from xpo1review.analysis.differential import DEResult
from xpo1review.analysis.parts import DEPart
from xpo1review.figures.style import (
    FIGURE_WIDTH_IN,
    MUTED,
    OKABE_ITO,
    SMALL_PT,
    DataFigure,
    footnote,
    house_style,
    new_figure,
    provenance_caption,
    provenance_note,
)

FDR = 0.05
#: Points closer than this on the canvas (pixels) are one obstacle for the labels: of 17,000
#: genes most overlap, and adjustText's time grows with the points it avoids.
OBSTACLE_GRID_PX = 2.0
#: adjustText's bound on its moves. Where it cannot reach its own margins (the colorectal and
#: bile-duct plots) it would spend all of them; the labels are clear long before.
ADJUST_ITERATIONS = 100


def obstacles(ax: Axes, points: np.ndarray) -> np.ndarray:
    """One point (data coordinates) per ``OBSTACLE_GRID_PX`` square of the canvas that holds
    any of ``points``."""
    cells = np.floor(ax.transData.transform(points) / OBSTACLE_GRID_PX)
    _, first = np.unique(cells, axis=0, return_index=True)
    return points[np.sort(first)]


def place_labels(ax: Axes, labelled: pd.DataFrame, data: pd.DataFrame,
                 marker: PathCollection) -> None:
    """Label ``labelled`` genes where no label covers another label, any point of ``data``
    or the large XPO1 ``marker`` (adjustText), each joined to its point by a thin line when
    moved away.

    Each label starts just above and right of its point, clear of the XPO1 marker's
    radius, since adjustText pulls labels back towards where they started. Call it last:
    it places labels for the axes' final size on the figure."""
    if labelled.empty:
        return
    points = labelled[["log2fc", "neg_log10_p"]].to_numpy()
    shift = (np.sqrt(marker.get_sizes().max()) / 2 + 2) * ax.figure.dpi / 72
    start = ax.transData.inverted().transform(ax.transData.transform(points) + shift)
    texts = [ax.text(x, y, gene, fontsize=8 if gene == "XPO1" else SMALL_PT,
                     color=OKABE_ITO["blue"] if gene == "XPO1" else "black")
             for (x, y), gene in zip(start, labelled["gene"], strict=True)]
    xy = obstacles(ax, data[["log2fc", "neg_log10_p"]].to_numpy())
    adjust_text(texts, x=xy[:, 0], y=xy[:, 1], objects=marker, target_x=points[:, 0],
                target_y=points[:, 1], ax=ax,
                expand=(1.2, 2.2), force_text=(0.3, 0.5), force_static=(0.5, 0.8),
                iter_lim=ADJUST_ITERATIONS,
                arrowprops={"arrowstyle": "-", "color": MUTED, "lw": 0.5})


def volcano_figure(
    de: DEResult | DEPart,
    cohort: str,
    sources: Iterable[tuple[str, str | None]] = (),
    n_label: int = 10,
    description: str = "",
) -> DataFigure:
    """log2 fold change vs -log10 p; FDR < 5% in colour; XPO1 and the top genes labelled.

    ``de``: a bare result (pass ``sources``) or an entity's DE part (carries its sources).
    """
    if isinstance(de, DEPart):
        sources, description, de = de.sources, description or de.description, de.result
    data = de.table.reset_index()
    data["neg_log10_p"] = -np.log10(data["p"].clip(lower=1e-300))
    data["significant"] = data["p_adj"] < FDR
    top = data.head(n_label)["gene"].tolist()
    data["labelled"] = data["gene"].isin([*top, "XPO1"])
    with house_style():
        fig, ax = new_figure(figsize=(FIGURE_WIDTH_IN, 4.6))
        sig = data["significant"]
        ax.scatter(data.loc[~sig, "log2fc"], data.loc[~sig, "neg_log10_p"], s=4, c=MUTED,
                   alpha=0.5, lw=0, label="FDR ≥ 5%")
        ax.scatter(data.loc[sig, "log2fc"], data.loc[sig, "neg_log10_p"], s=6,
                   c=OKABE_ITO["orange"], alpha=0.8, lw=0, label="FDR < 5% (BH)")
        labelled = data[data["labelled"]]
        xpo1 = labelled[labelled["gene"] == "XPO1"]
        marker = ax.scatter(xpo1["log2fc"], xpo1["neg_log10_p"], s=60, c=OKABE_ITO["blue"],
                            zorder=3)
        ax.axvline(0, color=MUTED, lw=0.5)
        ax.set_xlabel("log2 fold change, XPO1-high vs XPO1-low")
        ax.set_ylabel("−log10 p (moderated t)")
        ax.set_title(
            f"{cohort}: {de.n_high} XPO1-high vs {de.n_low} XPO1-low tumours, "
            f"{de.n_genes:,} genes", loc="left",
        )
        ax.legend(loc="upper left", fontsize=SMALL_PT, markerscale=2)
        caption = provenance_caption(sources, f"{de.n_high + de.n_low} tumours")
        if description:
            caption = f"{description}. {caption}"
        fig.subplots_adjust(bottom=0.16)
        footnote(fig, caption)
        place_labels(ax, labelled, data, marker)
    cols = ["gene", "log2fc", "ave_expr", "t", "p", "p_adj", "significant", "labelled"]
    return DataFigure(fig, data[cols], caption,
                      provenance_note("volcano.volcano_figure", sources))
