"""XPO1 in tumour vs non-tumour tissue across the six GI entities (the review's Fig. 3a).

Top row: per-sample XPO1 where per-sample data exist (pairs joined by a line), with the
source and n in the panel. Bottom row: the published tumour-vs-normal summaries (OncoDB,
GEPIA2 log2 fold changes) of the same entity. A cohort without per-sample data says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reviewbuild.format import fmt_p
from xpo1review.analysis.cohorts import COHORTS
from xpo1review.analysis.expression import paired
from xpo1review.analysis.parts import expression_part
from xpo1review.data import loaders
from xpo1review.data.loaders import Unavailable
from xpo1review.figures.style import (
    MUTED,
    SOURCE_COLOURS,
    TISSUE_COLOURS,
    DataFigure,
    footnote,
    house_style,
    new_figure,
    provenance_caption,
    provenance_note,
    unavailable_panel,
)

TCGA_TYPES = {"COADREAD": ("COAD", "READ")}
RESOURCES = ("OncoDB", "GEPIA2")


def panel_label(cohort: str, part) -> str:
    """The panel title: the cohort, or what its per-sample data actually cover."""
    if cohort == "COADREAD" and not isinstance(part, Unavailable) and not any(
            "COADREAD" in sid or "READ" in sid.split("-") for sid in part.provenance.source_ids):
        return "COAD (colon only)"
    return cohort


def _samples_panel(ax, cohort: str, part) -> pd.DataFrame:
    ax.set_title(panel_label(cohort, part), loc="left", fontweight="bold")
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
    ax.set_ylabel(t.scale, fontsize=7)
    test = (f"paired Wilcoxon {fmt_p(t.wilcoxon_p)}" if t.n_pairs >= 5
            else f"Mann-Whitney {fmt_p(t.mannwhitney_p)}")
    ax.text(0.0, -0.30, f"{part.description}\n{test}",
            transform=ax.transAxes, va="top", fontsize=6.5)
    out = f[["patient", "sample", "tissue", "xpo1"]].assign(
        cohort=cohort, kind="per-sample", resource=part.provenance.source_ids[0],
        scale=t.scale)
    return out.rename(columns={"xpo1": "value"})


def _summary_panel(ax, cohort: str, summary: pd.DataFrame) -> pd.DataFrame:
    types = TCGA_TYPES.get(cohort, (cohort,))
    rows, labels, x = [], [], 0
    for tcga in types:
        for res in RESOURCES:
            hit = summary[(summary["tcga_type"] == tcga) & (summary["resource"] == res)]
            label = f"{res}\n{tcga}" if len(types) > 1 else res
            if hit.empty:
                note = "not in export"
                ax.text(x, 0.05, note, rotation=90, ha="center", va="bottom", fontsize=6,
                        color=MUTED)
                value = np.nan
            else:
                value = float(hit["log2fc"].iloc[0])
                if np.isnan(value):
                    note = "not called DE"
                    ax.text(x, 0.05, note, rotation=90, ha="center", va="bottom", fontsize=6,
                            color=MUTED)
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
    ax.set_xticks(range(len(labels)), labels, fontsize=6)
    return pd.DataFrame(rows)


def tumour_normal_figure(cohorts: tuple[str, ...] = COHORTS) -> DataFigure:
    """One figure: per-sample distributions (top) and published summaries (bottom)."""
    summary_ds = loaders.tumour_normal_summary("XPO1")
    summary = summary_ds.frame
    parts = {c: expression_part(c) for c in cohorts}
    with house_style():
        fig, axes = new_figure(2, len(cohorts), figsize=(2.0 * len(cohorts), 7.0),
                               gridspec_kw={"height_ratios": [3, 2]})
        frames = []
        for j, c in enumerate(cohorts):
            frames.append(_samples_panel(axes[0, j], c, parts[c]))
            frames.append(_summary_panel(axes[1, j], c, summary))
        top = max(1.0, float(np.nanmax(summary["log2fc"].to_numpy(dtype=float))) * 1.15)
        for ax in axes[1]:
            ax.set_ylim(min(0.0, float(np.nanmin(summary["log2fc"])) * 1.15), top)
        axes[1, 0].set_ylabel("published log2 FC\ntumour vs normal", fontsize=7)
        fig.text(0.01, 0.985, "XPO1 per sample (TCGA)", fontsize=9, va="top")
        fig.text(0.01, 0.36, "Published summaries: OncoDB (TCGA) and GEPIA2 (TCGA + GTEx "
                 "normals; 'not called DE': fails GEPIA2's |log2 FC| or q-value cut-off)",
                 fontsize=9)
        fig.subplots_adjust(hspace=1.0, wspace=0.55, top=0.9, bottom=0.14, left=0.06,
                            right=0.99)
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
