"""Forest plot: the review's Fig. 4 statement, OncoLnc's whole-cohort model and our subset's
median split, one row per entity (:func:`xpo1review.analysis.whole_cohort.comparison`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xpo1review.analysis.whole_cohort import NO_MODEL, NO_SUBSET
from xpo1review.figures.style import (
    FIGURE_WIDTH_IN,
    MUTED,
    OKABE_ITO,
    SMALL_PT,
    DataFigure,
    footnote,
    new_figure,
    provenance_note,
)

#: The two kinds of estimate: column prefix, panel title, x-axis label, colour.
PANELS = (
    ("", "Whole cohort (OncoLnc)", "HR per SD, adjusted", OKABE_ITO["blue"]),
    ("subset_", "Our subset, median split", "HR high vs low, unadjusted", OKABE_ITO["orange"]),
)
_LIMITS = {"": (0.4, 2.5), "subset_": (0.1, 10.0)}
_TICKS = {"": (0.5, 1, 2), "subset_": (0.1, 0.3, 1, 3, 10)}


def review_label(row: pd.Series) -> str:
    """The review's statement in a few words: direction of XPO1-high and significance."""
    direction = "longer" if row["review_high_better"] else "shorter"
    sig = {True: "significant", False: "not significant"}.get(row["review_significant"],
                                                              "significance not stated")
    return f"{direction} OS, {sig}"


def _columns(prefix: str) -> tuple[str, str, str, str, str, str]:
    if prefix:
        return ("subset_hr", "subset_lower", "subset_upper", "subset_p", "subset_n",
                "subset_deaths")
    return "hr", "hr_lower", "hr_upper", "p", "n", "deaths"


def _panel(ax, frame: pd.DataFrame, prefix: str, title: str, xlabel: str, colour: str) -> None:
    hr, lo, hi, p, n, d = _columns(prefix)
    ys = np.arange(len(frame))[::-1]
    ax.axvline(1.0, color=MUTED, lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlim(*_LIMITS[prefix])
    for y, row in zip(ys, frame.itertuples(index=False), strict=True):
        row = row._asdict()
        if pd.isna(row[hr]):
            missing = NO_SUBSET if prefix else NO_MODEL
            ax.text(1.0, y, missing, ha="center", va="center", fontsize=SMALL_PT, color=MUTED,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
            continue
        filled = row[p] < 0.05
        ax.plot([row[lo], row[hi]], [y, y], color=colour, lw=1.4)
        ax.plot(row[hr], y, "s" if not prefix else "o", ms=5, color=colour,
                markerfacecolor=colour if filled else "white")
        ax.text(1.0, y + 0.28, f"{row[n]}/{row[d]}", transform=ax.get_yaxis_transform(),
                ha="right", va="center", fontsize=SMALL_PT, color=MUTED)
    ax.set_yticks(ys)
    ax.set_yticklabels([])
    ax.set_ylim(-0.6, len(frame) - 0.4)
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_xlabel(xlabel, fontsize=SMALL_PT + 1)
    ax.tick_params(axis="x", labelsize=SMALL_PT)
    ax.set_xticks(_TICKS[prefix])
    ax.get_xaxis().set_major_formatter("{x:g}")
    ax.minorticks_off()


def forest_figure(frame: pd.DataFrame,
                  sources: Iterable[tuple[str, str | None]] = ()) -> DataFigure:
    """One row per entity: the review's statement, then the two estimates in their panels."""
    fig, axes = new_figure(1, 3, figsize=(FIGURE_WIDTH_IN, 0.36 * len(frame) + 1.0),
                           gridspec_kw={"width_ratios": [1.25, 1.0, 1.0], "wspace": 0.1})
    text_ax, *panels = axes
    ys = np.arange(len(frame))[::-1]
    text_ax.set_axis_off()
    text_ax.set_ylim(-0.6, len(frame) - 0.4)
    text_ax.set_title("Entity and the review's claim", fontsize=9, loc="left")
    for y, (_, row) in zip(ys, frame.iterrows(), strict=True):
        text_ax.text(0.0, y + 0.17, f"{row['entity']} ({row['study']})", fontsize=8,
                     va="center", ha="left")
        text_ax.text(0.0, y - 0.22, review_label(row), fontsize=SMALL_PT, va="center",
                     ha="left", color=MUTED)
    for ax, (prefix, title, xlabel, colour) in zip(panels, PANELS, strict=True):
        _panel(ax, frame, prefix, title, xlabel, colour)
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.42 / fig.get_size_inches()[1],
                        bottom=0.62 / fig.get_size_inches()[1])
    footnote(fig, "Points: hazard ratio of higher XPO1 with 95% CI (log scale); filled where "
                  "p < 0.05; right of each row: patients/deaths. Whole cohort: OncoLnc's Cox "
                  "model of each full TCGA cohort, XPO1 per standard deviation, CI from the "
                  "published coefficient and p. Subset: the patients of this book's re-analysis, "
                  "XPO1-high vs -low at the median.")
    drawn = frame.assign(review_label=frame.apply(review_label, axis=1))
    caption = ("Forest plot of XPO1 and overall survival per GI cancer entity: the review's "
               "statement, the whole-cohort OncoLnc hazard ratio and the subset's median split")
    return DataFigure(fig, drawn, caption, provenance_note("forest.forest_figure", sources))
