"""Loader building blocks that need no data: barcodes, aliquot rule, results, provenance,
the cache of parsed frames."""

from __future__ import annotations

import errno
import importlib
import sys
import sysconfig
from types import SimpleNamespace

import pandas as pd
import pytest

from reviewbuild import session
from reviewbuild.data import declared, provenance
from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import derived
from reviewbuild.data.remembered import code_hash
from reviewbuild.exceptions import DataError, ReviewBuildError, SchemaError
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



@pytest.fixture
def parser_package(tmp_path, monkeypatch):
    """Writes a package ``parsers`` whose ``parse.build`` returns ``helpers.VALUE``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = tmp_path / "parsers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "parse.py").write_text(
        "import pandas as pd\nfrom parsers import helpers\nCALLS = []\n\n"
        "def build():\n    CALLS.append(1)\n    return pd.DataFrame({'x': [helpers.VALUE]})\n")

    def write(value: int) -> None:
        (pkg / "helpers.py").write_text(f"VALUE = {value}\n")
        for name in ("parsers.helpers", "parsers.parse"):
            if name in sys.modules:
                importlib.reload(sys.modules[name])

    yield write
    for name in ("parsers.parse", "parsers.helpers", "parsers"):
        sys.modules.pop(name, None)


def test_a_parsed_frame_is_rebuilt_when_its_parser_package_changes(parser_package, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    src, sha = SimpleNamespace(id="demo"), "ab" * 32
    parser_package(1)
    import parsers.parse as parse

    assert derived(src, sha, "x", parse.build)["x"].tolist() == [1]
    assert derived(src, sha, "x", parse.build)["x"].tolist() == [1]
    assert len(parse.CALLS) == 1  # the second read came from the cache
    parser_package(2)  # a helper of the parser changes, not the parser's own module
    assert derived(src, sha, "x", parse.build)["x"].tolist() == [2]
    assert len(list((tmp_path / "cache" / ".derived").glob("demo-*.pkl"))) == 1  # old one gone


def test_the_parser_code_changes_with_an_installed_distribution_version(tmp_path, monkeypatch):
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    (tmp_path / "calamine-0.3.1.dist-info").mkdir()
    before = code_hash(loaders.survival)
    (tmp_path / "calamine-0.3.1.dist-info").rename(tmp_path / "calamine-0.4.0.dist-info")
    assert code_hash(loaders.survival) != before


def test_a_cache_that_cannot_be_written_still_gives_the_frame(parser_package, tmp_path,
                                                               monkeypatch):
    from reviewbuild.data import remembered

    def full(target):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(remembered, "atomic_path", full)
    parser_package(3)
    import parsers.parse as parse

    assert derived(SimpleNamespace(id="demo"), "ab" * 32, "x", parse.build)["x"].tolist() == [3]


def test_a_value_computed_by_code_without_a_source_file_is_refused(tmp_path, monkeypatch):
    from reviewbuild.data.remembered import remembered

    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))
    cell = SimpleNamespace()  # as a function typed in a notebook cell: no module file
    exec("build = lambda: 1", {"__name__": "__main__"}, vars(cell))
    monkeypatch.setitem(sys.modules, "__main__", SimpleNamespace(__name__="__main__"))
    with pytest.raises(ReviewBuildError, match="defined in __main__, which has no source file"):
        remembered("cell", cell.build)
