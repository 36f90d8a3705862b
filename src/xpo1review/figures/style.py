"""One house style for the book's figures, their reader-facing data line, and provenance.

A figure carries two texts about its data: a footer for readers (which data, how many
samples) drawn under the plot, and a provenance note (source ids, file hashes, the function
that drew it) that the website shows collapsed beside the figure's data download.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import cbook
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from reviewbuild.paths import inside, project_root
from reviewbuild.published import WithFile

#: Where figures' data are saved for download (a Quarto resource; not committed).
FIGURE_DATA_DIR = "figure-data"

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "skyblue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
GROUP_COLOURS = {"XPO1-low": OKABE_ITO["blue"], "XPO1-high": OKABE_ITO["vermillion"]}
TISSUE_COLOURS = {"normal": OKABE_ITO["skyblue"], "tumour": OKABE_ITO["orange"]}
SOURCE_COLOURS = {"OncoDB": OKABE_ITO["green"], "GEPIA2": OKABE_ITO["purple"]}
MUTED = "#767676"  # the lightest grey with 4.5:1 on white (text in figures)

#: The widest a figure is drawn, in inches: with the 0.1 in margin of the saved image on
#: each side, within the PDF's text width (425 pt, 5.91 in), so the PDF prints figures at
#: 100% and the sizes below are the sizes readers see.
FIGURE_WIDTH_IN = 5.7
#: The smallest text in a figure (points at the drawn size): footnotes, tables, tick notes.
SMALL_PT = 7.0

RC = {
    "figure.dpi": 110,
    "savefig.dpi": 200,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values())[1:]),
}


#: Reader-facing names of the data sources, by source-id prefix ("{}" = the cohort).
READER_SOURCES = {
    "tcga-cdr": "TCGA Pan-Cancer Clinical Data Resource (survival)",
    "firehose-": "TCGA-{} RNA-seq (Broad Firehose, 2016-01-28 release)",
    "metagsca-": "TCGA-{} tumour–normal pairs (as distributed by MetaGSCA)",
    "pdac-curated": "curated TCGA-PAAD pancreatic adenocarcinoma series",
    "oncodb-": "OncoDB tumour-versus-normal summary ({})",
    "gepia2": "GEPIA2 tumour-versus-normal summaries (TCGA and GTEx)",
    "oncolnc-": "OncoLnc whole-cohort survival models and clinical files (TCGA-{})",
}


def reader_source(source_id: str) -> str:
    """A source as readers should see it (``firehose-STAD`` -> ``TCGA-STAD RNA-seq ...``;
    the cohort is the id's part after the prefix, up to a further ``-``)."""
    for prefix, name in READER_SOURCES.items():
        if source_id == prefix or (prefix.endswith("-") and source_id.startswith(prefix)):
            return name.format(source_id.removeprefix(prefix).split("-")[0])
    return "public data (see the build appendix)"


@dataclass
class DataFigure:
    """A figure, the data drawn in it (CSV download, stable tests) and its provenance."""

    figure: Figure
    data: pd.DataFrame
    caption: str
    provenance: str = ""

    def _repr_png_(self) -> bytes | None:  # shown by Jupyter/Quarto like a plain figure
        from io import BytesIO

        buf = BytesIO()  # house resolution: the figure's own dpi (110) would blur the PDF
        self.figure.savefig(buf, format="png", bbox_inches="tight", dpi=RC["savefig.dpi"])
        plt.close(self.figure)
        return buf.getvalue()

    def _repr_fingerprint_(self) -> str:  # what golden notebooks compare (stable across BLAS)
        from reviewbuild.notebooks.runtime import data_figure_fingerprint

        return data_figure_fingerprint(self)

    def __repr__(self) -> str:  # stable text output for golden notebooks
        return f"<figure: {self.caption}>"

    def to_csv(self, path) -> None:
        self.data.to_csv(path, index=False)

    def download(self, name: str) -> WithFile:
        """On the website, a link to the data behind the figure (``figure-data/<name>.csv``,
        published with the page) and a collapsed provenance note; the PDF has neither.

        ``_quarto.yml`` lists ``figure-data/`` as a resource, so the website serves the file.
        """
        rel = inside(project_root() / FIGURE_DATA_DIR, f"{name}.csv", "figure download")
        path = rel.relative_to(project_root()).as_posix()
        link = Path(os.path.relpath(rel, Path.cwd())).as_posix()
        details = "; ".join(p for p in (self.provenance, f"data file: {path}") if p)
        return WithFile(
            '::: {.content-visible when-format="html"}\n'
            f"[Download the data behind this figure (CSV)]({link}){{.figure-data-download}}\n\n"
            '::: {.callout-note collapse="true" appearance="minimal"}\n'
            "## Provenance of this figure\n\n"
            f"{details}\n"
            ":::\n:::\n", path, self.data.to_csv(index=False, lineterminator="\n"))


@contextmanager
def house_style():
    """Context in which figures get the house style."""
    with mpl.rc_context(RC):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[Figure, object]:
    """``plt.subplots`` in the house style."""
    with house_style():
        return plt.subplots(nrows, ncols, **kwargs)


def short_sha(sha256: str | None) -> str:
    return (sha256 or "unpinned")[:8]


def provenance_caption(
    sources: Iterable[tuple[str, str | None]],
    n: str | int | None = None,
) -> str:
    """The reader's data line: ``Data: <sources as readers know them>; <n>.`` (the drawing
    function and hashes go in :func:`provenance_note`)."""
    names = list(dict.fromkeys(reader_source(s) for s, _ in sources))
    text = "Data: " + ("; ".join(names) if names else "none")
    return text + (f"; {n}." if n is not None else ".")


def provenance_note(func: str, sources: Iterable[tuple[str, str | None]]) -> str:
    """Build detail for the provenance note: source ids, hashes, the drawing function."""
    src = ", ".join(f"{s} (sha256 {short_sha(h)})" for s, h in sources) or "no data source"
    return f"sources: {src}; drawn by xpo1review.figures.{func}"


def unavailable_panel(ax, message: str) -> None:
    """Say plainly in a panel that its data are not available."""
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.text(
        0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=8, color=MUTED,
        transform=ax.transAxes,
    )


def footnote(fig: Figure, text: str) -> None:
    """The reader's data line under the figure."""
    fig.text(0.01, 0.0, fill(fig, text, SMALL_PT), ha="left", va="top", fontsize=SMALL_PT,
             color=MUTED)


def fill(fig: Figure, text: str, fontsize: float, left: float = 0.01) -> str:
    """``text`` broken into lines that, drawn left-aligned from ``left`` (a fraction of the
    figure's width), end inside the figure as it is saved.

    Broken once, here, instead of by matplotlib's ``wrap=True``, which measures every prefix
    of every line again on each drawing (twice per saved figure: a fifth of its time) and on
    the second wraps against the cropped, not the drawn, figure. Lines are filled word by word
    from each word's width; each line is then measured whole and gives back its last words
    while it is too wide."""
    renderer = RendererAgg(1, 1, RC["savefig.dpi"])
    prop = FontProperties(size=fontsize)

    @functools.cache
    def width(s: str) -> float:
        return math.ceil(renderer.get_text_width_height_descent(
            s, prop, ismath=cbook.is_math_text(s))[0])

    room = fig.get_figwidth() * (1 - left) * RC["savefig.dpi"]
    space = width("x x") - width("xx")
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        while words:
            taken, used = 1, width(words[0])
            while taken < len(words) and used + space + width(words[taken]) <= room:
                used += space + width(words[taken])
                taken += 1
            while taken > 1 and width(" ".join(words[:taken])) > room:
                taken -= 1
            lines.append(" ".join(words[:taken]))
            words = words[taken:]
    return "\n".join(lines)
