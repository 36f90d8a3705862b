"""XPO1 in tumour vs non-tumour tissue across the six GI entities (the review's Fig. 3a).

Top: per-sample XPO1 where per-sample data exist (pairs joined by a line), with the source
and n under each panel, three entities to a row. Bottom: the published tumour-vs-normal
summaries (OncoDB, GEPIA2 log2 fold changes), one narrow panel per entity. A cohort without
per-sample data says so. The figure is drawn at the PDF's text width.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.transforms import offset_copy

from reviewbuild.format import fmt_p
from xpo1review.analysis.cohorts import COHORTS
from xpo1review.analysis.expression import paired
from xpo1review.analysis.parts import expression_part
from xpo1review.data import loaders
from xpo1review.data.loaders import Unavailable
from xpo1review.figures.style import (
    FIGURE_WIDTH_IN,
    MUTED,
    SMALL_PT,
    SOURCE_COLOURS,
    TISSUE_COLOURS,
    DataFigure,
    fill,
    footnote,
    house_style,
    new_figure,
    provenance_caption,
    provenance_note,
    unavailable_panel,
)

TCGA_TYPES = {"COADREAD": ("COAD", "READ")}
RESOURCES = ("OncoDB", "GEPIA2")
#: Per-sample panels to a row, and the layout in inches (from the top): the header, each
#: per-sample row (its axes, then the n and test under it), the summaries' header and row
#: (its axes, then the rotated resource names) and the data line.
PER_ROW = 3
HEADER_IN, SAMPLES_IN, UNDER_SAMPLES_IN = 0.45, 1.15, 1.05
SUMMARY_HEADER_IN, SUMMARY_IN, UNDER_SUMMARY_IN = 0.7, 0.85, 0.85


def panel_label(cohort: str, part) -> str:
    """The panel title: the cohort, or what its per-sample data actually cover."""
    if cohort == "COADREAD" and not isinstance(part, Unavailable) and not any(
            "COADREAD" in sid or "READ" in sid.split("-") for sid in part.provenance.source_ids):
        return "COAD (colon only)"
    return cohort


def _samples_panel(ax, cohort: str, part) -> pd.DataFrame:
    ax.set_title(panel_label(cohort, part), loc="left", fontweight="bold", fontsize=9)
    if isinstance(part, Unavailable):
        unavailable_panel(ax, "per-sample\nexpression data\nnot used in\nthis book")
        return pd.DataFrame()
    f, t = part.frame, part.test
    rng = np.random.default_rng(0)
    for i, tissue in enumerate(("normal", "tumour")):
        vals = f.loc[f["tissue"] == tissue, "xpo1"].to_numpy()
        ax.boxplot(vals, positions=[i], widths=0.5, showfliers=False,
                   medianprops={"color": "black"}, boxprops={"color": MUTED},
                   whiskerprops={"color": MUTED}, capprops={"color": MUTED})
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(vals)), vals, s=7,
                   color=TISSUE_COLOURS[tissue], alpha=0.8, zorder=3, lw=0)
    pairs = paired(f, f["tissue"])
    for _, r in pairs.iterrows():
        ax.plot([0, 1], [r["normal"], r["tumour"]], color=MUTED, lw=0.4, alpha=0.5, zorder=1)
    ax.set_xticks([0, 1], [f"normal\nn={t.n_normal}", f"tumour\nn={t.n_tumour}"])
    ax.set_ylabel(textwrap.fill(t.scale, 24), fontsize=SMALL_PT)
    test = (f"paired Wilcoxon {fmt_p(t.wilcoxon_p)}" if t.n_pairs >= 5
            else f"Mann-Whitney {fmt_p(t.mannwhitney_p)}")
    ax.text(0.0, 0.0, f"{textwrap.fill(part.description, 26)}\n{test}", va="top",
            fontsize=SMALL_PT, transform=offset_copy(ax.transAxes, fig=ax.figure, y=-34,
                                                     units="points"))
    out = f[["patient", "sample", "tissue", "xpo1"]].assign(
        cohort=cohort, kind="per-sample", resource=part.provenance.source_ids[0],
        scale=t.scale)
    return out.rename(columns={"xpo1": "value"})


def _summary_panel(ax, cohort: str, summary: pd.DataFrame) -> pd.DataFrame:
    ax.set_title(cohort, loc="left", fontweight="bold", fontsize=8)
    types = TCGA_TYPES.get(cohort, (cohort,))
    rows, labels, x = [], [], 0
    for tcga in types:
        for res in RESOURCES:
            hit = summary[(summary["tcga_type"] == tcga) & (summary["resource"] == res)]
            label = f"{res} {tcga}" if len(types) > 1 else res
            if hit.empty:
                note = "not in export"
                ax.text(x, 0.05, note, rotation=90, ha="center", va="bottom",
                        fontsize=SMALL_PT, color=MUTED)
                value = np.nan
            else:
                value = float(hit["log2fc"].iloc[0])
                if np.isnan(value):
                    note = "not called DE"
                    ax.text(x, 0.05, note, rotation=90, ha="center", va="bottom",
                            fontsize=SMALL_PT, color=MUTED)
                else:
                    note = ""
                    ax.bar(x, value, color=SOURCE_COLOURS[res], width=0.7)
            rows.append({"cohort": cohort, "kind": "summary", "resource": res,
                         "tcga_type": tcga, "value": value, "note": note,
                         "source_id": "" if hit.empty else hit["source_id"].iloc[0]})
            labels.append(label)
            x += 1
    ax.axhline(0, color=MUTED, lw=0.5)
    ax.set_xlim(-0.7, len(labels) - 0.3)
    ax.set_xticks(range(len(labels)), labels, fontsize=SMALL_PT, rotation=90)
    return pd.DataFrame(rows)


def _layout(cohorts: tuple[str, ...]):
    """The figure, its per-sample axes (PER_ROW to a row) and its summary axes (one row, each
    as wide as its number of bars)."""
    n = len(cohorts)
    widths = [len(TCGA_TYPES.get(c, (c,))) for c in cohorts]
    rows = -(-n // PER_ROW)
    heights = [HEADER_IN, *[SAMPLES_IN, UNDER_SAMPLES_IN] * rows, SUMMARY_HEADER_IN,
               SUMMARY_IN, UNDER_SUMMARY_IN]
    fig, _ = new_figure(figsize=(FIGURE_WIDTH_IN, sum(heights)))
    fig.clear()
    outer = fig.add_gridspec(len(heights), 1, height_ratios=heights, hspace=0, left=0.1,
                             right=0.99, top=1, bottom=0)
    sample_cells = [cell for r in range(rows)
                    for cell in outer[1 + 2 * r].subgridspec(1, PER_ROW, wspace=0.45)][:n]
    summary_cells = outer[len(heights) - 2].subgridspec(1, n, wspace=0.45, width_ratios=widths)
    samples = [fig.add_subplot(cell) for cell in sample_cells]
    return fig, samples, [fig.add_subplot(summary_cells[j]) for j in range(n)]


def tumour_normal_figure(cohorts: tuple[str, ...] = COHORTS) -> DataFigure:
    """One figure: per-sample distributions (top) and published summaries (bottom)."""
    summary_ds = loaders.tumour_normal_summary("XPO1")
    summary = summary_ds.frame
    parts = {c: expression_part(c) for c in cohorts}
    with house_style():
        fig, sample_axes, summary_axes = _layout(cohorts)
        frames = []
        for j, c in enumerate(cohorts):
            frames.append(_samples_panel(sample_axes[j], c, parts[c]))
            frames.append(_summary_panel(summary_axes[j], c, summary))
        top = max(1.0, float(np.nanmax(summary["log2fc"].to_numpy(dtype=float))) * 1.15)
        for ax in summary_axes:
            ax.set_ylim(min(0.0, float(np.nanmin(summary["log2fc"])) * 1.15), top)
        summary_axes[0].set_ylabel("published log2 FC\ntumour vs normal", fontsize=SMALL_PT)
        height = fig.get_size_inches()[1]
        fig.text(0.01, 1 - 0.1 / height, "XPO1 per sample (TCGA)", fontsize=9, va="top")
        fig.text(0.01, summary_axes[0].get_position().y1 + (SUMMARY_HEADER_IN - 0.1) / height,
                 fill(fig, "Published summaries: OncoDB (TCGA) and GEPIA2 (TCGA + GTEx "
                      "normals; 'not called DE': fails GEPIA2's |log2 FC| or q-value "
                      "cut-off)", 9), fontsize=9, va="top")
        sources = [(s, h) for p in parts.values() if not isinstance(p, Unavailable)
                   for s, h in zip(p.provenance.source_ids, p.provenance.sha256s, strict=True)]
        sources += list(zip(summary_ds.provenance.source_ids, summary_ds.provenance.sha256s,
                            strict=True))
        n = sum(p.test.n_tumour + p.test.n_normal for p in parts.values()
                if not isinstance(p, Unavailable))
        caption = provenance_caption(sources, f"{n} samples with per-sample data")
        footnote(fig, caption)
    data = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    return DataFigure(fig, data, caption,
                      provenance_note("expression.tumour_normal_figure", sources))
