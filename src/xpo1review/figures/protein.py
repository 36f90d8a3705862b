"""The XPO1 protein (the review's Fig. 1) drawn from data/xpo1_features.csv.

Only features whose position is cited (``position_refs``) are drawn to scale: single residues
as markers, domains as bands on the chain, repeats as boxes under it and regions as a bracket
above it. Features named without positions (today the domains, HEAT repeats and NES-binding
groove) are listed beside the map, never placed by guess.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewbuild.exceptions import CuratedDataError
from xpo1review.figures.style import (
    FIGURE_WIDTH_IN,
    MUTED,
    OKABE_ITO,
    SMALL_PT,
    DataFigure,
    footnote,
    new_figure,
)
from xpo1review.trials import curated

KIND_COLOURS = {"residue": OKABE_ITO["blue"], "filter": OKABE_ITO["green"],
                "hotspot": OKABE_ITO["vermillion"]}
KIND_LABELS = {"residue": "inhibitor-binding residue", "filter": "NES selectivity filter",
               "hotspot": "mutation hotspot"}
#: Heights of the residue markers, cycled N- to C-terminal so that close labels do not touch.
MARKER_HEIGHTS = (1.0, 1.3, 1.6)
#: Residues closer than this to a position already on the axis get no tick of their own
#: (their label carries the number, e.g. K568 beside E571).
MIN_TICK_GAP = 50
#: Extended features: colour, legend label, and the band's (bottom, height) on the y axis.
RANGE_STYLE = {
    "domain": (OKABE_ITO["green"], "domain", (0.3, 0.2)),
    "repeat": (OKABE_ITO["orange"], "repeat", (0.1, 0.12)),
    "region": (OKABE_ITO["purple"], "region", (0.56, 0.06)),
}


def _chain(features: pd.DataFrame) -> pd.Series:
    chain = features[features["kind"] == "chain"]
    if len(chain) != 1:
        raise CuratedDataError(f"data/xpo1_features.csv needs exactly one 'chain' row, has "
                               f"{len(chain)}: keep one row of kind 'chain' with its length")
    return chain.iloc[0]


def positioned(features: pd.DataFrame) -> pd.DataFrame:
    """Single-residue features with a cited position, N- to C-terminal."""
    sites = features[features["kind"].isin(list(KIND_COLOURS)) & features["start"].notna()]
    return sites.sort_values("start").reset_index(drop=True)


def ranges(features: pd.DataFrame) -> pd.DataFrame:
    """Domains, repeats and regions with a cited residue range, N- to C-terminal."""
    spans = features[features["kind"].isin(list(RANGE_STYLE)) & features["start"].notna()]
    return spans.sort_values("start").reset_index(drop=True)


def unpositioned(features: pd.DataFrame) -> pd.DataFrame:
    """Features the sources name without residue positions."""
    rest = features[features["start"].isna()]
    return rest.sort_values(["kind", "order"], na_position="last").reset_index(drop=True)


def _short_name(feature: str) -> str:
    return feature.split(" (")[0]


def alt_text(features: pd.DataFrame | None = None, root: Path | None = None) -> str:
    """Alternative text of the figure, written from the data it shows."""
    features = curated.features(root) if features is None else features
    chain = _chain(features)
    sites = positioned(features)
    marks = ", ".join(f"{_short_name(s.feature)} ({KIND_LABELS[s.kind]})"
                      for s in sites.itertuples())
    spans = "".join(f" A {RANGE_STYLE[r.kind][1]} spans {r.feature}, residues {int(r.start)} "
                    f"to {int(r.end)}." for r in ranges(features).itertuples())
    rest = unpositioned(features)
    listed = ", ".join(rest[rest["kind"] != "shape"]["feature"])
    tail = f" Listed beside the map without positions: {listed}." if listed else ""
    return (f"Linear map of the XPO1 protein, residues 1 to {int(chain.end)}, with markers at "
            f"{marks}.{spans}{tail}")


#: What the side text says about each feature drawn without positions (our own words; the
#: review's sentences stay in data/xpo1_features.csv as the record of what it states).
SIDE_NOTES = {
    "heat": "HEAT repeats: 20 or 21 (H1 to H21, by numbering scheme), each a pair of "
            "antiparallel α-helices joined by a short loop",
    "ring": "Overall shape: a ring, because the N- and C-terminal HEAT repeats lie next to "
            "each other",
    "nes_groove": "NES-binding groove: a hydrophobic cleft between repeats H11 and H12 that "
                  "holds the export signal of cargo proteins",
}


def _side_text(features: pd.DataFrame) -> str:
    rest = unpositioned(features)
    domains = rest[rest["kind"] == "domain"]["feature"].tolist()
    lines = ["Named without residue positions (not drawn):"]
    if domains:
        lines.append("Domains, N- to C-terminal: " + "; ".join(domains))
    for row in rest[rest["kind"] != "domain"].itertuples():
        lines.append(SIDE_NOTES.get(row.feature_id, row.feature))
    return "\n".join(_wrap(line, 100) for line in lines)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width, subsequent_indent="   "))


def protein_map(root: Path | None = None) -> DataFigure:
    """Draw the XPO1 domain map; returns the figure and the rows it drew."""
    features = curated.features(root)
    chain = _chain(features)
    length = int(chain.end)
    sites = positioned(features)
    spans = ranges(features)
    fig, ax = new_figure(figsize=(FIGURE_WIDTH_IN, 3.8))
    ax.add_patch(_bar(length))
    _draw_ranges(ax, spans)
    heights = [MARKER_HEIGHTS[i % len(MARKER_HEIGHTS)] for i in range(len(sites))]
    for site, height in zip(sites.itertuples(), heights, strict=True):
        colour = KIND_COLOURS[site.kind]
        ax.plot([site.start, site.start], [0.5, height], color=colour, lw=1.2, zorder=2)
        ax.plot(site.start, height, "o", color=colour, ms=6, zorder=3)
        ax.annotate(_short_name(site.feature), (site.start, height), xytext=(0, 6),
                    textcoords="offset points", ha="center", fontsize=8)
    for kind, colour in KIND_COLOURS.items():
        ax.plot([], [], "o", color=colour, label=KIND_LABELS[kind])
    ax.legend(loc="upper left", fontsize=SMALL_PT, ncols=3)
    ax.set_xlim(-20, length + 20)
    ax.set_ylim(-0.1, 2.2)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xticks(tick_positions([1, *sites["start"].astype(int).tolist(), length]))
    ax.tick_params(axis="x", labelsize=SMALL_PT, rotation=0)
    ax.set_xlabel("residue")
    ax.set_title(f"{chain.feature}: {length} amino acids", loc="left")
    fig.text(0.01, 0.02, _side_text(features), fontsize=SMALL_PT, va="bottom", ha="left")
    fig.subplots_adjust(bottom=0.42, top=0.9, left=0.03, right=0.97)
    footnote(fig, _position_sources(sites))
    drawn = pd.concat([features[features["kind"] == "chain"], spans, sites], ignore_index=True)
    caption = alt_text(features)
    return DataFigure(fig, drawn, caption, "curated table data/xpo1_features.csv; drawn by "
                      "xpo1review.figures.protein.protein_map")


#: How data/xpo1_features.csv marks a feature that the review does not state.
NOT_IN_REVIEW = "not stated in the review"


def _position_sources(sites: pd.DataFrame) -> str:
    """The footnote: where the positions come from, naming sources beyond the review."""
    from reviewbuild.tables.render import reference_labels

    extra = sites[sites["statement_as_stated"].str.startswith(NOT_IN_REVIEW)]
    added = "; ".join(f"{_short_name(r.feature)} from {reference_labels(r.position_refs)}"
                      for r in extra.itertuples())
    return ("Positions as stated in the review and the works it cites"
            + (f"; {added}." if added else "."))


def tick_positions(positions: list[int], min_gap: int = MIN_TICK_GAP) -> list[int]:
    """Positions for axis ticks, N- to C-terminal, leaving out any closer than ``min_gap`` to
    the previous tick (the chain's end is always kept, in place of a crowded neighbour)."""
    kept: list[int] = []
    ordered = sorted(set(positions))
    for pos in ordered:
        if kept and pos - kept[-1] < min_gap:
            if pos != ordered[-1]:
                continue
            kept.pop()
        kept.append(pos)
    return kept


def _bar(length: int):
    from matplotlib.patches import Rectangle

    return Rectangle((1, 0.3), length - 1, 0.2, facecolor="#e6e6e6", edgecolor=MUTED, lw=0.8)


def _draw_ranges(ax, spans: pd.DataFrame) -> None:
    """Bands, boxes and brackets for cited residue ranges, drawn from start to end; domains
    and regions are labelled with their range (repeats rely on the legend)."""
    from matplotlib.patches import Rectangle

    for kind, (colour, label, (bottom, height)) in RANGE_STYLE.items():
        rows = spans[spans["kind"] == kind]
        for row in rows.itertuples():
            ax.add_patch(Rectangle((row.start, bottom), row.end - row.start + 1, height,
                                   facecolor=colour, edgecolor=MUTED, lw=0.5, alpha=0.8,
                                   gid=row.feature_id))
            if kind != "repeat":
                text = f"{_short_name(row.feature)} ({int(row.start)}\u2013{int(row.end)})"
                ax.annotate(text, ((row.start + row.end) / 2, bottom),
                            xytext=(0, -9 if kind == "domain" else 8),
                            textcoords="offset points", ha="center", fontsize=SMALL_PT)
        if len(rows):
            ax.plot([], [], "s", color=colour, label=label)
