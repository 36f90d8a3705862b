"""Loader building blocks that need no data: barcodes, aliquot rule, results, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from reviewbuild import session
from reviewbuild.data import declared, provenance
from reviewbuild.data.provenance import Provenance
from reviewbuild.exceptions import DataError, SchemaError
from xpo1review.data import loaders
from xpo1review.data.loaders import Dataset, Unavailable


def test_barcode_parts_dashes_and_dots():
    parsed = loaders.parse_barcodes(
        ["TCGA-W5-AA2I-11A-11R-A41I-07", "TCGA.BR.6453.01A.11R.1802.13", "TCGA-3X-AAV9-01"])
    assert parsed["patient"].tolist() == ["TCGA-W5-AA2I", "TCGA-BR-6453", "TCGA-3X-AAV9"]
    assert parsed["sample"].tolist() == ["TCGA-W5-AA2I-11", "TCGA-BR-6453-01", "TCGA-3X-AAV9-01"]
    assert parsed["sample_type_code"].tolist() == ["11", "01", "01"]
    assert parsed["tissue"].tolist() == ["normal", "tumour", "tumour"]
    assert parsed["sample_type"].iloc[0] == "Solid Tissue Normal"
    assert parsed["aliquot"].iloc[1] == "TCGA-BR-6453-01A-11R-1802-13"
    assert (parsed["plate"].iloc[1], parsed["analyte"].iloc[1]) == ("1802", "R")


@pytest.mark.parametrize("bad", ["TCGA-W5-AA2I", "TCGA-W5-AA2I-1A", "GTEX-1117F-0226",
                                 "TCGA_W5_AA2I_01A", "", "TCGA-W5-AA2I-01A-11R-A41I-07-99"])
def test_unparsable_barcode_names_source_and_value(bad):
    with pytest.raises(SchemaError, match=r"firehose-CHOL: 1 TCGA barcode") as info:
        loaders.parse_barcodes(["TCGA-3X-AAV9-01A-72R-A41I-07", bad], "firehose-CHOL")
    assert repr(bad) in str(info.value)


def test_one_aliquot_per_sample_rule():
    barcodes = [
        "TCGA-AA-0001-01B-11R-A001-07",  # vial B loses to vial A
        "TCGA-AA-0001-01A-11R-A001-07",  # kept... unless a later plate exists
        "TCGA-AA-0001-01A-11R-A999-07",  # same vial, later plate: kept
        "TCGA-AA-0001-01A-11T-B000-07",  # total RNA (T) loses to R
        "TCGA-AA-0001-11A-11R-A001-07",  # the normal sample is a different sample
    ]
    parsed = loaders.parse_barcodes(barcodes)
    keep = loaders.one_aliquot_per_sample(parsed)
    assert parsed.loc[keep, "aliquot"].tolist() == [barcodes[2], barcodes[4]]


def test_unavailable_is_falsy_and_says_why():
    u = Unavailable("ESCA", "firehose-ESCA", "no such data yet", "survival")
    assert not u and u.available is False
    assert str(u) == "ESCA survival: no per-sample data used in this book (no such data yet)"


def test_unknown_cohort_and_analysis():
    with pytest.raises(DataError, match="unknown cohort"):
        loaders.candidates("COAD")
    with pytest.raises(DataError, match="unknown analysis"):
        loaders.candidates("CHOL", "methylation")


def test_candidates_are_the_registered_sources_that_fit():
    assert loaders.candidates("STAD") == ["firehose-STAD", "metagsca-STAD"]
    assert loaders.candidates("COADREAD") == ["firehose-COADREAD", "metagsca-COAD"]
    assert loaders.candidates("PAAD", "survival") == ["firehose-PAAD", "pdac-curated"]
    assert loaders.candidates("PAAD", "differential-expression") == ["firehose-PAAD"]
    assert loaders.candidates("ESCA") == ["firehose-ESCA"]


def test_selection_is_the_declaration_not_the_cache():
    """Today's declarations: the paired subsets, full CHOL, curated PDAC survival, no ESCA."""
    session.reset()
    ANALYSES = declared.declarations().analyses
    chosen = {(c, a): loaders.select_source(c, a) for c in ("STAD", "PAAD", "ESCA")
              for a in ANALYSES}
    assert {k: v.id for k, v in chosen.items() if v} == {
        **{("STAD", a): "metagsca-STAD" for a in ANALYSES},
        ("PAAD", "survival"): "pdac-curated"}
    esca = chosen[("ESCA", "survival")]
    assert isinstance(esca, Unavailable) and esca.source_id == "firehose-ESCA"
    assert "oesophageal" in esca.reason and str(esca).startswith("ESCA survival: no per-sample")
    uses = dict(provenance.uses())
    assert uses["STAD/tumour-normal"] == "metagsca-STAD"
    assert uses["ESCA/survival"].startswith("none: ") and len(uses) == 9


def _ds(frame, sid, sha="a" * 64):
    return Dataset(frame, Provenance((sid,), (sha,), "u", len(frame), None))


def test_join_reports_every_drop_with_its_reason():
    expr = pd.DataFrame({
        "cohort": "CHOL",
        "sample": ["TCGA-AA-0001-01", "TCGA-AA-0001-11", "TCGA-AA-0002-01",
                   "TCGA-AA-0003-01", "TCGA-AA-0004-01", "TCGA-AA-0005-01"],
        "patient": ["TCGA-AA-0001", "TCGA-AA-0001", "TCGA-AA-0002", "TCGA-AA-0003",
                    "TCGA-AA-0004", "TCGA-AA-0005"],
        "sample_type_code": ["01", "11", "01", "01", "01", "01"],
        "xpo1": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })
    surv = pd.DataFrame({
        "cohort": "CHOL", "patient": ["TCGA-AA-0001", "TCGA-AA-0003", "TCGA-AA-0004",
                                      "TCGA-AA-0005"],
        "OS": pd.array([1, 0, None, 1], dtype="Int64"),
        "OS_time_days": [100.0, 200.0, 50.0, 10.0],
        "redacted": [False, False, False, True],
    })
    joined, report = loaders.join_expression_survival(_ds(expr, "e"), _ds(surv, "s", "b" * 64))
    assert joined.frame["sample"].tolist() == ["TCGA-AA-0001-01", "TCGA-AA-0003-01"]
    assert report.reasons == {"not a primary tumour sample": 1,
                              "no TCGA-CDR record for the patient": 1,
                              "redacted in TCGA-CDR": 1, "OS event or time missing": 1}
    assert (report.n_in, report.n_kept, len(report.dropped)) == (6, 2, 4)
    assert joined.provenance.source_ids == ("e", "s")
    assert joined.provenance.n_patients == 2
    assert "kept 2 of 6 samples" in str(report)


def test_provenance_reads_and_reset():
    session.reset()
    provenance.record("a", "1" * 64)
    provenance.record("b", None)
    provenance.record("a", "1" * 64)
    assert provenance.reads() == [("a", "1" * 64), ("b", None)]
    session.reset()
    assert provenance.reads() == []


def test_provenance_describe():
    p = Provenance(("firehose-CHOL",), ("5668d7d15d74ad9b" + "0" * 48,), "RSEM", 45, 36, "x")
    assert p.describe() == ("Source: firehose-CHOL (sha256 5668d7d15d74); 45 samples, "
                            "36 patients; units: RSEM. x")
