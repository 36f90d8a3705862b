"""The entity analyses on the real offline mirror, cross-checked by an independent pipeline."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pyreadr
import pytest
from lifelines.statistics import logrank_test

from xpo1review.analysis import cohort_tables, entity, parts
from xpo1review.analysis.cohorts import COHORTS
from xpo1review.data.loaders import Unavailable

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _mirror_env(mirror, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(mirror))
    yield
    for f in (entity.run, parts.expression_part, parts.survival_input, parts.survival_part,
              parts.median_part, parts.de_part):
        f.cache_clear()


def _chol_independent(mirror) -> pd.DataFrame:
    """CHOL tumours joined to TCGA-CDR OS, read straight from the files (no package code)."""
    raw = pyreadr.read_r(str(mirror / "firehose-rnaseq/CHOL.rnaseq.20160128.rda"))
    expr = next(iter(raw.values()))
    bc = expr["bcr_patient_barcode"].str.upper()
    tum = pd.DataFrame({"patient": bc.str[:12], "code": bc.str[13:15],
                        "xpo1": expr["XPO1|7514"].astype(float)})
    tum = tum[tum["code"] == "01"].drop_duplicates("patient")
    cdr = pd.read_excel(mirror / "tcga-cdr/TCGA-CDR-SupplementalTableS1.xlsx",
                        sheet_name="TCGA-CDR", na_values=["#N/A", "[Not Available]"])
    cdr = cdr[cdr["type"] == "CHOL"][["bcr_patient_barcode", "OS", "OS.time"]]
    out = tum.merge(cdr, left_on="patient", right_on="bcr_patient_barcode")
    return out.dropna(subset=["OS", "OS.time"])


def test_chol_full_cohort_matches_independent_pipeline(mirror):
    res = entity.chol()
    ref = _chol_independent(mirror)
    s = res.survival
    assert not isinstance(s, Unavailable)
    assert s.n == len(ref) and s.events == int(ref["OS"].sum())
    high = ref["xpo1"] > ref["xpo1"].median()
    lr = logrank_test(ref.loc[high, "OS.time"], ref.loc[~high, "OS.time"],
                      ref.loc[high, "OS"], ref.loc[~high, "OS"])
    assert s.median.logrank_p == pytest.approx(lr.p_value, rel=1e-6)
    assert s.median.high.n == int(high.sum())
    assert any(sid.startswith("firehose-CHOL") for sid, _ in s.sources)


def test_chol_expression_and_de(mirror):
    res = entity.chol()
    e, d = res.expression, res.de
    raw = next(iter(pyreadr.read_r(str(mirror / "firehose-rnaseq/CHOL.rnaseq.20160128.rda"))
                    .values()))
    codes = raw["bcr_patient_barcode"].str[13:15]
    assert (e.test.n_tumour, e.test.n_normal) == ((codes == "01").sum(), (codes == "11").sum())
    assert e.test.scale == "log2(RSEM + 1)"
    assert d.result.n_high + d.result.n_low == (codes == "01").sum()
    assert d.result.n_genes > 10_000  # a full transcriptome, not a gene panel
    assert "XPO1" in d.result.table.index
    assert d.result.gene("XPO1")["log2fc"] > 0  # grouping is by XPO1 itself


@pytest.mark.parametrize("cohort", ["STAD", "LIHC", "COADREAD"])
def test_paired_subsets_run_with_cdr_survival(cohort):
    res = entity.run(cohort)
    e, s = res.expression, res.survival
    assert e.provenance.source_ids[0].startswith("metagsca-")
    assert e.test.n_pairs == e.test.n_tumour == e.test.n_normal
    assert "tcga-cdr" in [sid for sid, _ in s.sources]
    assert 0 < s.n <= e.test.n_tumour
    assert s.time_unit == "months"
    for c in s.comparisons():
        assert 0 <= c.logrank_p <= 1 and c.low.n >= 0.2 * s.n - 1e-9
        assert c.low.n + c.high.n == s.n


def test_paad_uses_curated_set_in_months(mirror):
    res = entity.paad()
    raw = next(iter(pyreadr.read_r(str(mirror / "pdac-shrinkagetrees/pdac.rda")).values()))
    s = res.survival
    assert s.n == len(raw) and s.events == int(raw["status"].sum())
    assert s.time_unit == "months" and s.sources[0][0] == "pdac-curated"
    assert s.frame["time"].max() == pytest.approx(raw["time"].max())
    assert isinstance(res.expression, Unavailable)  # no PAAD per-sample normals offline


@pytest.mark.parametrize("cohort", COHORTS)
def test_median_part_is_the_survival_part_s_median_split(cohort):
    """The whole-cohort comparison skips the cut-point search; its median split is the same."""
    full, median = parts.survival_part(cohort), parts.median_part(cohort)
    if isinstance(full, Unavailable):
        assert isinstance(median, Unavailable)
        return
    assert median == full.median
    assert parts.survival_input(cohort).sources == full.sources


def test_esca_is_plainly_unavailable():
    res = entity.esca()
    for part in (res.expression, res.survival, res.de):
        assert isinstance(part, Unavailable)
        assert "no per-sample data used in this book" in str(part)
        assert "oesophageal" in part.reason  # the declared why, for readers
    assert (res.summary()["status"] != "ok").all()


def test_optimal_cut_is_search_corrected():
    for cohort in ("CHOL", "PAAD", "STAD"):
        s = entity.run(cohort).survival
        ms = s.maxstat
        assert ms.p_permutation >= s.optimal.logrank_p - 1e-12 or ms.n_candidates == 1
        assert ms.min_prop == 0.2
        assert min(s.optimal.low.n, s.optimal.high.n) >= 0.2 * s.n - 1e-9


def test_figures_expose_their_data():
    from xpo1review.figures.expression import tumour_normal_figure
    from xpo1review.figures.survival import km_figure
    from xpo1review.figures.volcano import volcano_figure

    tn = tumour_normal_figure()
    per_sample = tn.data[tn.data["kind"] == "per-sample"]
    assert set(per_sample["cohort"]) == {"STAD", "COADREAD", "LIHC", "CHOL"}
    assert set(tn.data["cohort"]) == set(COHORTS)
    assert "drawn by xpo1review.figures.expression" in tn.provenance
    assert tn.caption.startswith("Data: ") and "xpo1review" not in tn.caption
    km = km_figure(entity.chol().survival)
    assert set(km.data["cutpoint"]) == {"median", "optimal"}
    for _, g in km.data.groupby(["cutpoint", "group"]):
        assert g["survival"].between(0, 1).all() and g["survival"].is_monotonic_decreasing
    v = volcano_figure(entity.chol().de.result, "CHOL", entity.chol().de.sources)
    assert v.data.loc[v.data["gene"] == "XPO1", "labelled"].item()
    for fig in (tn, km, v):
        assert fig._repr_png_()[:4] == b"\x89PNG"


@pytest.mark.parametrize("cohort", ["LIHC", "COADREAD"])
def test_volcano_fingerprint_survives_kernel_noise_in_the_real_fit(cohort):
    """The limma fit perturbed by 1e-12 relative noise (and signed noise at its exact zeros)
    gives the same golden fingerprint: the record does not depend on the BLAS kernel."""
    import dataclasses

    import numpy as np

    from reviewbuild.notebooks.runtime import data_figure_fingerprint
    from xpo1review.figures.volcano import volcano_figure

    de = parts.de_part(cohort)
    result = de.result
    rng = np.random.default_rng(11)
    table = result.table.copy()
    for col in ("log2fc", "t", "p", "p_adj"):
        values = table[col].to_numpy()
        noisy = values * (1 + rng.normal(0, 1e-12, len(values)))
        table[col] = np.where(values == 0, rng.normal(0, 2e-16, len(values)), noisy)
    noisy_result = dataclasses.replace(result, table=table)
    before = data_figure_fingerprint(volcano_figure(de.result, cohort))
    after = data_figure_fingerprint(volcano_figure(noisy_result, cohort))
    assert after == before
    table.iloc[0, table.columns.get_loc("log2fc")] *= 1.01  # a change a reader could see
    changed = data_figure_fingerprint(volcano_figure(dataclasses.replace(result, table=table),
                                                     cohort))
    assert changed != before


def test_tumour_normal_row_comes_from_one_study(mirror):
    """The colorectal row pairs OncoDB's COAD fold change with OncoDB's COAD p, nothing else."""
    onc = pd.read_csv(mirror / "oncodb/COAD_Differential_Gene_Expression_Table.txt", sep="\t")
    tn = cohort_tables.tumour_normal_table()
    row = tn.loc["COADREAD"]
    assert row["summary_study"] == "COAD"
    [xpo1] = onc[onc["Gene symbol"] == "XPO1"].to_dict("records")
    assert row["oncodb_log2fc"] == pytest.approx(float(xpo1["log2 fold change"]))
    assert row["oncodb_p"] == pytest.approx(float(xpo1["p-value"]))
    assert tn.loc["CHOL", "gepia2_status"] == cohort_tables.NOT_IN_EXPORT
    assert tn.loc["LIHC", "gepia2_status"] == cohort_tables.NOT_CALLED
    assert tn.loc["PAAD", "gepia2_status"] == cohort_tables.CALLED


def test_survival_choices_act_where_stated():
    lihc, coad, stad = entity.lihc().survival, entity.coadread().survival, entity.stad().survival
    assert lihc.dropped_for("redacted") == ("TCGA-DD-A116",)
    assert (coad.n_zero_followup, stad.n_zero_followup) == (2, 1)
    assert (coad.frame["time"] > 0).all() and (stad.frame["time"] > 0).all()
    assert coad.optimal.sparse_groups == ("XPO1-high",)
    summary = cohort_tables.maxstat_summary()
    assert list(summary["Cohort"]) == ["STAD", "COAD (colon only)", "LIHC", "CHOL", "PAAD"]
    assert (summary["Monte Carlo standard error"] <= 0.0005).all()


def test_panel_label_says_colon_only():
    from xpo1review.figures.expression import panel_label

    assert panel_label("COADREAD", entity.coadread().expression) == "COAD (colon only)"
    assert panel_label("STAD", entity.stad().expression) == "STAD"
