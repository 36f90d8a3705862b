"""Tables (trials, compounds, mutations), the protein map and the chapter cells that use them."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.text import Text

from reviewbuild.tables.render import cite_span
from xpo1review.tables import compounds, mutations, trials
from xpo1review.trials import curated
from xpo1review.trials.schemas import ENTITIES

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[2]
NCT = re.compile(r"NCT\d{8}")


def _html(table) -> str:
    """The website's form of a table."""
    return table.web


def test_trials_table_lists_every_curated_trial() -> None:
    html = _html(trials.trials_table(root=ROOT))
    assert set(NCT.findall(html)) == set(curated.trials(ROOT)["nct_id"])
    assert trials.n_trials(root=ROOT) == len(curated.trials(ROOT))


@pytest.mark.parametrize("entity", [e for e in ENTITIES if e != "CHOL"])
def test_entity_tables_hold_only_that_entitys_trials(entity: str) -> None:
    raw = pd.read_csv(ROOT / "data" / "trials.csv", dtype=str)
    expected = {n for n, e in zip(raw["nct_id"], raw["entities"], strict=True)
                if entity in e.split(";")}
    html = _html(trials.trials_table(entity, ROOT))
    assert set(NCT.findall(html)) == expected
    assert trials.n_trials(entity, ROOT) == len(expected)


def test_entity_without_trials_says_so() -> None:
    if trials.n_trials("CHOL", ROOT):
        pytest.skip("data/trials.csv now has a CHOL trial")
    assert "names no clinical trial" in _html(trials.trials_table("CHOL", ROOT))


@pytest.mark.parametrize("make", [
    lambda: trials.trials_table(root=ROOT),
    lambda: compounds.compounds_table(ROOT),
    lambda: mutations.mutations_table(ROOT),
], ids=["trials", "compounds", "mutations"])
def test_tables_show_no_missing_value_markers_and_cite_with_data_qmd(make) -> None:
    html = _html(make())
    assert not re.search(r">\s*(nan|NaN|<NA>|None)\s*<", html)
    assert 'data-qmd="[@' in html


def test_cite_span_turns_refs_into_a_pandoc_citation() -> None:
    span = cite_span("kudo1999leptomycin; sun2013nuclear")
    assert 'data-qmd="[@kudo1999leptomycin; @sun2013nuclear]"' in span
    assert cite_span("") == ""


def test_compounds_table_has_every_compound() -> None:
    html = _html(compounds.compounds_table(ROOT))
    for name in curated.compounds(ROOT)["name"]:
        assert name in html
    frame = curated.compounds(ROOT)
    assert compounds.n_compounds(root=ROOT) == len(frame)
    assert compounds.n_compounds("approved", ROOT) == int((frame["stage"] == "approved").sum())


def test_compounds_table_lists_only_xpo1_inhibitors() -> None:
    # KPT-9274 inhibits PAK4/NAMPT, not XPO1 (conclusion, departures appendix)
    frame = curated.compounds(ROOT)
    assert "KPT-9274" not in set(frame["name"]) | set(frame["code"])
    assert not frame["inhibitor_class"].str.contains("as named", regex=False).any()


def test_mutations_table_and_helpers_come_from_the_file() -> None:
    frame = curated.mutations(ROOT)
    patients, entities = mutations.pan_cancer_cohort(ROOT)
    assert (patients, entities) == tuple(
        int(v) for v in frame[["cohort_patients", "cohort_entities"]].dropna().iloc[0])
    html = _html(mutations.mutations_table(ROOT))
    assert f"{patients:,} patients" in html
    freq = mutations.e571k_frequencies(ROOT)
    expected = frame[(frame["alteration"] == "E571K") & frame["frequency_pct"].notna()]
    assert list(freq["entity"]) == list(expected["entity"])


def test_interactive_trials_table() -> None:
    pytest.importorskip("itables")
    html = trials.trials_interactive("COADREAD", ROOT)
    assert "itables-trials-coadread" in html


# --- the protein map ---------------------------------------------------------------
def test_protein_map_draws_only_cited_positions() -> None:
    from xpo1review.figures import protein

    features = curated.features(ROOT)
    figure = protein.protein_map(ROOT)
    drawn = set(figure.data["feature_id"])
    with_positions = set(features.loc[features["start"].notna(), "feature_id"])
    assert drawn <= with_positions
    assert drawn >= set(features.loc[features["kind"].isin(["chain", "residue", "hotspot"])
                                     & features["start"].notna(), "feature_id"])
    ticks = sorted(int(t) for t in figure.figure.axes[0].get_xticks())
    points = figure.data[~figure.data["kind"].isin(list(protein.RANGE_STYLE))]
    positions = {int(v) for v in points[["start", "end"]].stack()}
    assert set(ticks) <= positions and {1, 1071} <= set(ticks)
    assert min(b - a for a, b in zip(ticks, ticks[1:], strict=False)) >= protein.MIN_TICK_GAP
    sites = points[points["kind"].isin(list(protein.KIND_COLOURS))]
    for site in sites.itertuples():  # a residue without a tick names its number in its label
        assert int(site.start) in ticks or str(int(site.start)) in site.feature
    figure.figure.clf()


def test_tick_positions_keep_the_ends_and_drop_crowded_neighbours() -> None:
    from xpo1review.figures.protein import tick_positions

    assert tick_positions([1, 528, 568, 571, 624, 749, 1071]) == [1, 528, 624, 749, 1071]
    assert tick_positions([1, 1050, 1071]) == [1, 1071]


def test_k568_is_drawn_from_fung_2017_beside_c528_and_e571() -> None:
    from xpo1review.figures import protein

    figure = protein.protein_map(ROOT)
    drawn = figure.data.set_index("feature_id")
    assert {"cys528", "k568", "e571"} <= set(drawn.index)
    assert drawn.loc["k568", "position_refs"] == "fung2017nuclear"
    assert int(drawn.loc["k568", "start"]) == 568
    texts = [t.get_text() for t in figure.figure.findobj(Text)]
    assert any("K568 from Fung et al. 2017" in t for t in texts)
    assert "NES selectivity filter" in texts
    figure.figure.clf()


def _features_with_ranges(tmp_path: Path) -> Path:
    """A copy of the features table with two made-up cited ranges, only to exercise the
    drawing code (these positions are not data and appear nowhere in the book)."""
    (tmp_path / "data").mkdir()
    frame = pd.read_csv(ROOT / "data" / "xpo1_features.csv", dtype=str, keep_default_na=False)
    for fid, start, end in [("dom_ibn", "40", "120"), ("nes_groove", "500", "580")]:
        frame.loc[frame["feature_id"] == fid, ["start", "end", "position_refs"]] = \
            [start, end, "paysanlafosse2023interpro"]
    frame.to_csv(tmp_path / "data" / "xpo1_features.csv", index=False)
    return tmp_path


def test_protein_map_draws_cited_ranges_to_scale(tmp_path: Path) -> None:
    from xpo1review.figures import protein

    root = _features_with_ranges(tmp_path)
    figure = protein.protein_map(root)
    ax = figure.figure.axes[0]
    patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert set(patches) == {"dom_ibn", "nes_groove"}
    for fid, start, end in [("dom_ibn", 40, 120), ("nes_groove", 500, 580)]:
        assert patches[fid].get_x() == start
        assert patches[fid].get_width() == end - start + 1
    labels = {t.get_text() for t in ax.texts}
    assert {"importin-beta N-terminal domain (40\u2013120)",
            "NES-binding groove (500\u2013580)"} <= labels
    assert {"dom_ibn", "nes_groove"} <= set(figure.data["feature_id"])
    alt = protein.alt_text(root=root)
    assert "importin-beta N-terminal domain, residues 40 to 120" in alt
    assert "NES-binding groove, residues 500 to 580" in alt
    assert "NES-binding groove" not in alt.split("without positions")[-1]
    figure.figure.clf()


def test_protein_alt_text_and_chapter_caption_match_the_data() -> None:
    from xpo1review.figures import protein

    features = curated.features(ROOT)
    alt = protein.alt_text(features)
    chapter = (ROOT / "chapters" / "02-structure.qmd").read_text(encoding="utf-8")
    fig_alt = re.search(r"#\| fig-alt: \"([^\"]+)\"", chapter)
    assert fig_alt, "02-structure.qmd has no fig-alt for the protein map"
    for row in pd.concat([protein.positioned(features), protein.ranges(features)]).itertuples():
        short = row.feature.split(" (")[0]
        assert short in alt
        assert short in fig_alt.group(1)
    assert str(int(features.loc[features["kind"] == "chain", "end"].iloc[0])) in fig_alt.group(1)


# --- chapter cells -------------------------------------------------------------------
@pytest.mark.parametrize(("stem", "label"), [
    ("03-function", "fig-export-cycle"), ("05-malignancies", "fig-sine-mechanism")])
def test_mechanism_diagrams_are_text_with_caption_and_alt(stem: str, label: str) -> None:
    text = (ROOT / "chapters" / f"{stem}.qmd").read_text(encoding="utf-8")
    block = re.search(r"```\{mermaid\}\n(.*?)```", text, re.S)
    assert block, f"{stem}: no mermaid diagram"
    body = block.group(1)
    for option in (f"%%| label: {label}", "%%| fig-cap:", "%%| fig-alt:"):
        assert option in body


@pytest.mark.parametrize(("stem", "call"), [
    ("02-structure", "protein_map("), ("04-alterations", "mutations_table("),
    ("06-therapeutics", "compounds_table("), ("06-therapeutics", "trials_table("),
    ("08-esophageal", 'trials_table("ESCA")'), ("09-gastric", 'trials_table("STAD")'),
    ("10-hepatocellular", 'trials_table("LIHC")'), ("12-pancreatic", 'trials_table("PAAD")'),
    ("13-colorectal", 'trials_table("COADREAD")')])
def test_chapters_build_tables_from_the_package(stem: str, call: str) -> None:
    text = (ROOT / "chapters" / f"{stem}.qmd").read_text(encoding="utf-8")
    assert call in text
    assert f'begin_chapter("{stem}")' in text
    assert "<!-- table: trials" not in text and "<!-- figure: protein" not in text
