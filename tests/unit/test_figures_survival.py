"""Survival and volcano figures on small synthetic inputs: data behind them and captions."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from xpo1review.analysis import survival as sv
from xpo1review.analysis import survival_analysis as sa
from xpo1review.analysis.differential import moderated_t
from xpo1review.figures.style import provenance_caption, provenance_note, reader_source, short_sha
from xpo1review.figures.survival import at_risk, km_figure
from xpo1review.figures.volcano import volcano_figure


def test_caption_speaks_to_readers_and_the_note_keeps_the_build_detail():
    sources = [("tcga-cdr", "f9324865e3b9"), ("metagsca-STAD", None)]
    text = provenance_caption(sources, "36 patients")
    assert text == ("Data: TCGA Pan-Cancer Clinical Data Resource (survival); TCGA-STAD "
                    "tumour–normal pairs (as distributed by MetaGSCA); 36 patients.")
    note = provenance_note("survival.km_figure", sources)
    assert note == ("sources: tcga-cdr (sha256 f9324865), metagsca-STAD (sha256 unpinned); "
                    "drawn by xpo1review.figures.survival.km_figure")
    assert short_sha(None) == "unpinned"


def test_every_registered_source_has_a_reader_name():
    import yaml

    from reviewbuild.paths import project_root

    registry = yaml.safe_load((project_root() / "data" / "sources.yaml").read_text())
    for source in registry["sources"]:
        name = reader_source(source["id"])
        assert source["id"] not in name and "build appendix" not in name, source["id"]


def test_at_risk_counts_follow_up_at_least_t():
    f = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 0], "xpo1": [0, 1, 0, 1]})
    risk = at_risk(f, 0.5, np.array([0.0, 2.0, 4.0]))
    high = risk[risk["group"] == sv.HIGH]["at_risk"].tolist()
    low = risk[risk["group"] == sv.LOW]["at_risk"].tolist()
    assert high == [2, 2, 1] and low == [2, 1, 0]


def test_km_figure_data_matches_the_analysis(simulated_survival):
    f = simulated_survival()
    a = sa.analyse(f, "SIM", time_unit="months", sources=(("sim", None),), n_permutations=99)
    fig = km_figure(a)
    assert len(fig.figure.axes) == 2
    med = fig.data[fig.data["cutpoint"] == "median"]
    first = med.groupby("group")["at_risk"].first()
    assert first[sv.HIGH] == a.median.high.n and first[sv.LOW] == a.median.low.n
    assert med["observed"].sum() == a.events
    assert "80 patients" in fig.caption and "sim (sha256 unpinned)" in fig.provenance
    assert "sim" not in fig.caption and "xpo1review" not in fig.caption
    assert repr(fig).startswith("<figure: Data:")


def test_volcano_labels_xpo1_and_top_genes():
    rng = np.random.default_rng(1)
    genes = ["XPO1", *[f"G{i}" for i in range(299)]]
    m = pd.DataFrame(rng.normal(8, 1, (300, 20)) * np.sqrt(rng.chisquare(4, 300) / 4)[:, None],
                     index=genes, columns=[f"s{i}" for i in range(20)])
    high = pd.Series(m.loc["XPO1"] > m.loc["XPO1"].median())
    de = moderated_t(m, high, min_mean=None)
    fig = volcano_figure(de, "SIM", [("sim", None)], n_label=5)
    labelled = set(fig.data.loc[fig.data["labelled"], "gene"])
    assert "XPO1" in labelled and set(de.top(5).index) <= labelled
    assert len(fig.data) == de.n_genes


def test_annotation_gives_monte_carlo_error_and_marks_the_nominal_interval(
        simulated_survival):
    from xpo1review.figures.survival import annotation

    a = sa.analyse(simulated_survival(), "SIM", time_unit="months", n_permutations=999)
    text = annotation(a, a.optimal)
    assert f"Monte Carlo standard error {a.maxstat.mc_se:.1g}" in text
    assert "nominal, biased away from 1 by the search" in text
    assert "(Lausen 1994 bound)" in text and "(Lausen 1992)" in text
    assert "biased" not in annotation(a, a.median)


def test_threshold_labels_tell_close_cut_points_apart():
    from xpo1review.figures.survival import threshold_labels

    assert threshold_labels((11.665471, 11.707153)) == ("11.67", "11.71")
    assert threshold_labels((11.925, 11.99)) == ("11.93", "11.99")  # never "12"
    assert threshold_labels((11.5831, 11.5787)) == ("11.583", "11.579")
    assert threshold_labels((11.6, 11.6)) == ("11.60", "11.60")


def test_annotation_words_one_death_and_a_median_on_the_last_patient():
    from xpo1review.analysis.comparison import compare
    from xpo1review.figures.survival import _deaths, annotation

    # XPO1-high: two deaths, the second the last patient; XPO1-low: deaths throughout.
    frame = pd.DataFrame({
        "time": [1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 6, 7, 10, 12, 14, 30],
        "event": [1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
        "xpo1": [0.0] * 8 + [1.0] * 8,
    })
    a = sa.analyse(frame, "SIM", time_unit="months", n_permutations=99, min_prop=0.3)
    c = compare(frame, 0.5, "median", "months")
    text = annotation(a, c)
    assert "XPO1-high: n=8, 2 deaths, median 30 months, resting on the last patient" in text
    assert "profile-likelihood CI" in text
    assert (_deaths(1), _deaths(3)) == ("1 death", "3 deaths")


def test_km_figure_names_colon_only_data_and_the_scale(simulated_survival):
    from dataclasses import replace

    a = sa.analyse(simulated_survival(), "COADREAD", time_unit="months", n_permutations=99)
    a = replace(a, sources=(("metagsca-COAD", None),), scale="log2(RSEM + 1)")
    title = km_figure(a).figure._suptitle.get_text()
    assert title.startswith("COAD") and "COADREAD" not in title
    assert title.count("colon only") == (0 if "colon only" in a.description else 1)
    assert "XPO1 expression scale: log2(RSEM + 1)" in title
