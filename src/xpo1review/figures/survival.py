"""Kaplan-Meier overall survival of XPO1-high vs XPO1-low patients, at both cut-points."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory, offset_copy

from reviewbuild.format import fmt_hr, fmt_p, fmt_p_mc
from xpo1review.analysis.cohort_tables import cohort_label
from xpo1review.analysis.comparison import GroupStats, SurvivalComparison
from xpo1review.analysis.survival import GROUPS, assign_groups, km_by_group, km_table
from xpo1review.analysis.survival_analysis import SurvivalAnalysis
from xpo1review.figures.style import (
    FIGURE_WIDTH_IN,
    GROUP_COLOURS,
    SMALL_PT,
    DataFigure,
    fill,
    footnote,
    house_style,
    new_figure,
    provenance_caption,
    provenance_note,
)

TITLES = {"median": "Median split", "optimal": "Optimal cut-point"}
#: Layout (inches): the panels are stacked, each PANEL_IN high; under each, its x-axis labels,
#: the at-risk table from AT_RISK_PT down (a row every ROW_PT, in points) and its statistics
#: (up to 5 lines under the first, 7 under the second, with the data line).
PANEL_IN, TOP_IN, GAP_IN, BOTTOM_IN = 1.55, 0.8, 1.85, 1.85
HEIGHT_IN = TOP_IN + 2 * PANEL_IN + GAP_IN + BOTTOM_IN
AT_RISK_PT = 38.0
ROW_PT = 10.0


def _hr_text(c: SurvivalComparison) -> str:
    try:
        text = f"{fmt_hr(c.hr, *c.interval)}, high vs low"
    except ValueError:
        return "HR not estimable"
    if c.sparse_groups:
        text += f" (profile-likelihood CI: fewer than 5 deaths in {', '.join(c.sparse_groups)})"
    if c.cutpoint == "optimal":
        text += "; nominal, biased away from 1 by the search"
    return text


def _deaths(k: int) -> str:
    return f"{k} death" if k == 1 else f"{k} deaths"


def _median_text(g: GroupStats, unit: str) -> str:
    """The group's median survival, or why none is shown."""
    if not np.isfinite(g.median):
        return "median not reached"
    if g.at_risk_at_median < 2:
        return f"median {g.median:.0f} {unit}, resting on the last patient at risk"
    return f"median {g.median:.0f} {unit}"


def threshold_labels(thresholds: tuple[float, ...], least: int = 2) -> tuple[str, ...]:
    """The thresholds printed with ``least`` decimals or more, until distinct values read
    differently (so 11.666 and 11.707 do not both print as 11.7, nor 11.99 as 12)."""
    for decimals in range(least, 7):
        labels = tuple(f"{t:.{decimals}f}" for t in thresholds)
        if len(set(labels)) == len(set(thresholds)):
            return labels
    return tuple(f"{t:.6g}" for t in thresholds)


def annotation(analysis: SurvivalAnalysis, c: SurvivalComparison) -> str:
    """The statistics printed in a panel."""
    unadjusted = " (unadjusted)" if c.cutpoint == "optimal" else ""
    lines = [f"log-rank {fmt_p(c.logrank_p)}{unadjusted}"]
    if c.cutpoint == "optimal":
        ms = analysis.maxstat
        lines.append(
            f"corrected for the search: {fmt_p_mc(ms.p_permutation, ms.mc_se)} "
            f"(permutation); {fmt_p(ms.p_lausen92)} (Lausen 1992), "
            f"{fmt_p(ms.p_lausen94)} (Lausen 1994 bound)"
        )
    lines.append(_hr_text(c))
    for g in (c.low, c.high):
        lines.append(f"{g.label}: n={g.n}, {_deaths(g.events)}, "
                     f"{_median_text(g, c.time_unit)}")
    return "\n".join(lines)


def _ticks(frame: pd.DataFrame) -> np.ndarray:
    loc = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    ticks = loc.tick_values(0, float(frame["time"].max()))
    return ticks[(ticks >= 0) & (ticks <= frame["time"].max())]


def at_risk(frame: pd.DataFrame, threshold: float, ticks: np.ndarray) -> pd.DataFrame:
    """Numbers at risk (follow-up >= t) per group at each tick."""
    groups = assign_groups(frame["xpo1"], threshold)
    rows = [
        {"group": g, "time": float(t), "at_risk": int(((groups == g) & (frame["time"] >= t)).sum())}
        for g in GROUPS
        for t in ticks
    ]
    return pd.DataFrame(rows)


def _below(ax, points: float, x_in_data: bool = False):
    """A transform ``points`` under the axes' bottom edge (x in axes or data units), so the
    at-risk table and the statistics keep their spacing whatever the panel's height."""
    base = ax.get_xaxis_transform() if x_in_data else ax.transAxes
    return offset_copy(base, fig=ax.figure, y=-points, units="points")


def _panel(ax, analysis: SurvivalAnalysis, c: SurvivalComparison, cut: str) -> pd.DataFrame:
    frame = analysis.frame
    groups = assign_groups(frame["xpo1"], c.threshold)
    for label, kmf in km_by_group(frame, groups).items():
        kmf.plot_survival_function(
            ax=ax, ci_show=False, show_censors=True, color=GROUP_COLOURS[label],
            censor_styles={"marker": "|", "ms": 6, "mew": 1},
            label=f"{label} (n={int((groups == label).sum())})",
        )
    ticks = _ticks(frame)
    risk = at_risk(frame, c.threshold, ticks)
    ax.set_xticks(ticks)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"Overall survival ({analysis.time_unit})")
    ax.set_ylabel("Survival probability")
    ax.set_title(f"{TITLES[c.cutpoint]}: high = XPO1 > {cut}", loc="left")
    ax.legend(loc="upper right", fontsize=SMALL_PT)
    stats_at = blended_transform_factory(ax.figure.transFigure, ax.transAxes)
    below_table = offset_copy(stats_at, fig=ax.figure, units="points",
                              y=-(AT_RISK_PT + ROW_PT * 3))
    ax.text(0.01, 0, fill(ax.figure, annotation(analysis, c), SMALL_PT), ha="left",
            va="top", fontsize=SMALL_PT, transform=below_table)
    for i, g in enumerate(GROUPS):
        y = AT_RISK_PT + ROW_PT * (i + 1)
        ax.text(-0.02, 0, g, transform=_below(ax, y), ha="right", va="center",
                fontsize=SMALL_PT, color=GROUP_COLOURS[g])
        for _, r in risk[risk["group"] == g].iterrows():
            ax.text(r["time"], 0, str(r["at_risk"]), transform=_below(ax, y, x_in_data=True),
                    ha="center", va="center", fontsize=SMALL_PT)
    ax.text(-0.02, 0, "At risk", transform=_below(ax, AT_RISK_PT), ha="right", va="center",
            fontsize=SMALL_PT, style="italic")
    return risk


def _title_cohort(analysis: SurvivalAnalysis) -> str:
    """The cohort as its data have it (``COAD (colon only)``, not ``COADREAD``), without
    repeating a qualifier the description already gives."""
    label = cohort_label(analysis.cohort, analysis.sources)
    name, _, qualifier = label.partition(" (")
    return name if qualifier and f"({qualifier}" in analysis.description else label


def km_figure(analysis: SurvivalAnalysis) -> DataFigure:
    """Two Kaplan-Meier panels, median (top) and optimal cut-point (bottom), each with its
    numbers at risk and statistics under it; drawn at the PDF's text width."""
    with house_style():
        fig, axes = new_figure(2, 1, figsize=(FIGURE_WIDTH_IN, HEIGHT_IN), sharey=True)
        risks = []
        labels = threshold_labels(tuple(c.threshold for c in analysis.comparisons()))
        for ax, c, label in zip(axes, analysis.comparisons(), labels, strict=True):
            risks.append(_panel(ax, analysis, c, label).assign(cutpoint=c.cutpoint))
        scale = f"\nXPO1 expression scale: {analysis.scale}" if analysis.scale else ""
        fig.suptitle(f"{_title_cohort(analysis)}: {analysis.description}{scale}", x=0.01,
                     ha="left", fontsize=10)
        fig.subplots_adjust(left=0.15, right=0.97, top=1 - TOP_IN / HEIGHT_IN,
                            bottom=BOTTOM_IN / HEIGHT_IN, hspace=GAP_IN / PANEL_IN)
        caption = provenance_caption(analysis.sources,
                                     f"{analysis.n} patients, {analysis.events} deaths")
        footnote(fig, caption)
    data = pd.concat(
        [km_table(analysis.frame, c.threshold, c.cutpoint) for c in analysis.comparisons()],
        ignore_index=True,
    )
    data.insert(0, "cohort", analysis.cohort)
    return DataFigure(fig, data, caption,
                      provenance_note("survival.km_figure", analysis.sources))
