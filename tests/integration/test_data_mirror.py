"""Loaders against the real mirrored files, and against broken copies of them.

Expected counts are those stated in ../shared/data/SOURCES.md; values are cross-checked
against the raw files read independently (pyreadr / pandas), not hard-coded.
"""

from __future__ import annotations

import lzma
import socket
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadr
import pytest

from reviewbuild import session
from reviewbuild.data import provenance, registry
from reviewbuild.exceptions import DataError, SchemaError
from xpo1review.data import loaders
from xpo1review.data.loaders import Dataset, Unavailable

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
REAL = registry.load_registry(ROOT / "data" / "sources.yaml")


# --- the real files -------------------------------------------------------------------
def test_survival_from_tcga_cdr(mirror):
    ds = loaders.survival(["ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COADREAD"])
    f = ds.frame
    per_type = f["tcga_type"].value_counts().to_dict()
    assert per_type == {"COAD": 459, "STAD": 443, "LIHC": 377, "ESCA": 185, "PAAD": 185,
                        "READ": 170, "CHOL": 45}
    assert (f.loc[f["tcga_type"].isin(["COAD", "READ"]), "cohort"] == "COADREAD").all()
    assert str(f["OS"].dtype) == "Int64" and f["OS_time_days"].dtype == float
    raw = pd.read_excel(mirror / REAL["tcga-cdr"].mirror_path, sheet_name="TCGA-CDR")
    one = raw.loc[raw["bcr_patient_barcode"] == f["patient"].iloc[0]].iloc[0]
    assert f["OS_time_days"].iloc[0] == one["OS.time"] and f["PFI"].iloc[0] == one["PFI"]
    assert ds.provenance.sha256s == (REAL["tcga-cdr"].sha256,)


def test_survival_all_cohorts_and_unknown(mirror):
    assert loaders.survival().frame["tcga_type"].nunique() == 33
    with pytest.raises(DataError, match="no patients"):
        loaders.survival(["NOPE"])


def test_chol_xpo1_from_firehose(mirror):
    ds = loaders.xpo1_expression("CHOL")
    f = ds.frame
    assert list(f.columns[:8]) == [*loaders.ANNOTATION_COLUMNS, "xpo1"]
    assert (len(f), (f["tissue"] == "tumour").sum(), (f["tissue"] == "normal").sum()) == (
        45, 36, 9)
    assert set(f["sample_type_code"]) == {"01", "11"}
    raw = pyreadr.read_r(str(mirror / REAL["firehose-CHOL"].mirror_path))[
        "CHOL.rnaseq.20160128"]
    expected = dict(zip(raw["bcr_patient_barcode"].astype(str), raw["XPO1|7514"], strict=True))
    assert dict(zip(f["aliquot"], f["xpo1"], strict=True)) == expected
    assert (ds.provenance.n_samples, ds.provenance.n_patients) == (45, 36)
    assert "linear" in ds.provenance.units


def test_xpo1_vector_is_read_once_then_cached(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))  # cold: no parsed cache
    cold = loaders.xpo1_expression("CHOL").frame

    def whole_frame(*args, **kwargs):
        raise AssertionError("the expression frame was read again although it is cached")

    monkeypatch.setattr(pyreadr, "read_r", whole_frame)
    warm = loaders.xpo1_expression("CHOL").frame
    pd.testing.assert_frame_equal(warm, cold)


@pytest.mark.parametrize(("cohort", "sid", "pairs"),
                         [("COADREAD", "metagsca-COAD", 40), ("LIHC", "metagsca-LIHC", 50),
                          ("STAD", "metagsca-STAD", 32)])
def test_paired_subsets_offline(mirror, cohort, sid, pairs):
    ds = loaders.xpo1_expression(cohort)
    f = ds.frame
    assert ds.provenance.source_ids == (sid,) and "log2" in ds.provenance.units
    assert f["tissue"].value_counts().to_dict() == {"tumour": pairs, "normal": pairs}
    assert f.groupby("patient")["tissue"].nunique().eq(2).all()  # really paired
    raw = pyreadr.read_r(str(mirror / REAL[sid].mirror_path))[sid.split("-")[1]]
    expected = {c.replace(".", "-"): v for c, v in raw.loc["XPO1"].items()}
    assert dict(zip(f["aliquot"], f["xpo1"], strict=True)) == expected


def test_esca_is_declared_unavailable(mirror):
    result = loaders.xpo1_expression("ESCA")
    assert isinstance(result, Unavailable) and not result
    assert str(result).startswith("ESCA tumour-normal: no per-sample data used in this book (")
    assert isinstance(loaders.expression_matrix("ESCA", "differential-expression"), Unavailable)


def test_paad_survival_is_declared_to_use_the_curated_set(mirror):
    assert isinstance(loaders.xpo1_expression("PAAD"), Unavailable)
    choice = loaders.select_source("PAAD", "survival")
    assert choice.id == "pdac-curated"
    with pytest.raises(DataError, match=r"pdac-curated, a curated cohort .*pdac_curated\(\)"):
        loaders.xpo1_expression("PAAD", analysis="survival")


def test_pdac_curated(mirror):
    ds = loaders.pdac_curated()
    f = ds.frame
    raw = pyreadr.read_r(str(mirror / REAL["pdac-curated"].mirror_path))["pdac"]
    assert len(f) == 130 and f["sample"].is_unique
    assert f["time_months"].tolist() == raw["time"].tolist()
    assert f["status"].tolist() == raw["status"].tolist()
    assert f["XPO1"].tolist() == raw["XPO1"].tolist()
    assert "months" in ds.provenance.units


def test_expression_matrix(mirror):
    ds = loaders.expression_matrix("CHOL")
    genes = ds.frame.drop(columns=list(loaders.ANNOTATION_COLUMNS))
    assert len(ds.frame) == 45 and "XPO1" in genes.columns and genes.columns.is_unique
    assert not any(c.startswith("?") or "|" in c for c in genes.columns)
    xpo1 = loaders.xpo1_expression("CHOL").frame
    assert ds.frame["XPO1"].tolist() == xpo1["xpo1"].tolist()
    sub = loaders.expression_matrix("LIHC")
    assert sub.frame.shape[0] == 100 and "XPO1" in sub.frame.columns


def test_tumour_normal_summary(mirror):
    ds = loaders.tumour_normal_summary("XPO1")
    f = ds.frame
    onc = f[f["resource"] == "OncoDB"].set_index("tcga_type")
    assert set(onc.index) == {"CHOL", "COAD", "READ", "LIHC", "PAAD"}
    raw = pd.read_csv(mirror / REAL["oncodb-CHOL"].mirror_path, sep="\t")
    row = raw[raw["Gene symbol"] == "XPO1"].iloc[0]
    assert onc.loc["CHOL", "log2fc"] == row["log2 fold change"]
    assert onc.loc["CHOL", "fdr"] == row["FDR adjusted p-value"]
    gep = f[f["resource"] == "GEPIA2"].set_index("tcga_type")
    assert "CHOL" not in gep.index and set(gep.index) >= {"ESCA", "STAD", "COAD", "READ"}
    raw = pd.read_csv(mirror / REAL["gepia2"].mirror_path)
    row = raw[raw["Gene.Symbol"] == "XPO1"].iloc[0]
    assert gep.loc["ESCA", "log2fc"] == row["ESCA"]
    assert (f.loc[f["tcga_type"] == "READ", "cohort"] == "COADREAD").all()
    pan = loaders.tumour_normal_summary("XPO1", pan_cancer=True).frame
    assert (pan["resource"] == "GEPIA2").sum() > (f["resource"] == "GEPIA2").sum()


def test_summary_of_an_unknown_gene(mirror):
    with pytest.raises(DataError, match="'NOTAGENE1' is in neither OncoDB nor GEPIA2"):
        loaders.tumour_normal_summary("NOTAGENE1")


def test_join_chol(mirror):
    joined, report = loaders.join_expression_survival(loaders.xpo1_expression("CHOL"),
                                                      loaders.survival(["CHOL"]))
    assert report.reasons == {"not a primary tumour sample": 9}
    assert joined.frame["patient"].is_unique and len(joined.frame) == 36
    assert joined.provenance.source_ids == ("firehose-CHOL", "tcga-cdr")


def test_reads_are_recorded(mirror):
    session.reset()
    loaders.xpo1_expression("CHOL")
    loaders.survival(["CHOL"])
    assert provenance.reads() == [("firehose-CHOL", REAL["firehose-CHOL"].sha256),
                                  ("tcga-cdr", REAL["tcga-cdr"].sha256)]


# --- broken copies (the `register` fixture: tests/integration/conftest.py) -----------
def rdata_bytes(tmp_path: Path, frame: pd.DataFrame, name: str) -> bytes:
    path = tmp_path / "made.rda"
    pyreadr.write_rdata(str(path), frame, df_name=name, compress="gzip")
    return path.read_bytes()


def test_truncated_rda(mirror, register):
    data = (mirror / REAL["firehose-CHOL"].mirror_path).read_bytes()
    register("firehose-CHOL", data[: len(data) // 3])
    with pytest.raises(SchemaError, match=r"firehose-CHOL .*cannot be read as R data"):
        loaders.xpo1_expression("CHOL")


def test_wrong_rdata_under_the_right_name(mirror, register):
    register("firehose-CHOL", (mirror / REAL["metagsca-COAD"].mirror_path).read_bytes())
    with pytest.raises(SchemaError, match=r"no R object 'CHOL.rnaseq.20160128'.*COAD"):
        loaders.xpo1_expression("CHOL")


def test_rda_without_the_expected_object(tmp_path, register):
    frame = pd.DataFrame({"bcr_patient_barcode": ["TCGA-AA-0001-01A"], "XPO1|7514": [1.0]})
    register("firehose-CHOL", rdata_bytes(tmp_path, frame, "something_else"))
    with pytest.raises(SchemaError, match="something_else"):
        loaders.xpo1_expression("CHOL")


def test_rda_with_an_unparsable_barcode(tmp_path, register):
    frame = pd.DataFrame({"bcr_patient_barcode": ["TCGA-AA-0001-01A-11R-A001-07", "TCGA-XX"],
                          "XPO1|7514": [1.0, 2.0]})
    register("firehose-CHOL", rdata_bytes(tmp_path, frame, "CHOL.rnaseq.20160128"))
    with pytest.raises(SchemaError, match=r"firehose-CHOL: 1 TCGA barcode.*'TCGA-XX'"):
        loaders.xpo1_expression("CHOL")


def test_rda_with_impossible_values(tmp_path, register):
    frame = pd.DataFrame({"bcr_patient_barcode": ["TCGA-AA-0001-01A-11R-A001-07"],
                          "XPO1|7514": [-5.0]})
    register("firehose-CHOL", rdata_bytes(tmp_path, frame, "CHOL.rnaseq.20160128"))
    with pytest.raises(SchemaError, match=r"firehose-CHOL .*fails validation.*xpo1"):
        loaders.xpo1_expression("CHOL")


def test_truncated_xlsx(mirror, register):
    data = (mirror / REAL["tcga-cdr"].mirror_path).read_bytes()
    register("tcga-cdr", data[:100_000])
    with pytest.raises(SchemaError, match=r"tcga-cdr .*cannot read sheet 'TCGA-CDR'"):
        loaders.survival()


def test_xlsx_without_the_endpoints(tmp_path, register):
    wb = openpyxl.Workbook()
    wb.active.title = "TCGA-CDR"
    wb.active.append(["bcr_patient_barcode", "type", "OS"])
    wb.active.append(["TCGA-AA-0001", "CHOL", 1])
    wb.save(tmp_path / "x.xlsx")
    register("tcga-cdr", (tmp_path / "x.xlsx").read_bytes())
    with pytest.raises(SchemaError, match=r"tcga-cdr .*lacks column\(s\).*OS.time"):
        loaders.survival()


def test_pdac_with_a_missing_tumour(mirror, tmp_path, register):
    raw = pyreadr.read_r(str(mirror / REAL["pdac-curated"].mirror_path))["pdac"]
    register("pdac-curated", rdata_bytes(tmp_path, raw.iloc[:129], "pdac"))
    with pytest.raises(SchemaError, match=r"pdac-curated .*expected 130 tumours"):
        loaders.pdac_curated()


def test_oncodb_table_with_wrong_columns(mirror, register):
    for sid in REAL:
        if sid.startswith("oncodb-") and sid != "oncodb-README":
            register(sid, (mirror / REAL[sid].mirror_path).read_bytes())
    register("gepia2", (mirror / REAL["gepia2"].mirror_path).read_bytes())
    assert isinstance(loaders.tumour_normal_summary(), Dataset)
    register("oncodb-LIHC", b"gene\tvalue\nXPO1\t1\n")
    with pytest.raises(SchemaError, match=r"oncodb-LIHC .*lacks column"):
        loaders.tumour_normal_summary()


def test_truncated_gepia2(mirror, register):
    for sid in REAL:
        if sid.startswith("oncodb-") and sid != "oncodb-README":
            register(sid, (mirror / REAL[sid].mirror_path).read_bytes())
    data = (mirror / REAL["gepia2"].mirror_path).read_bytes()
    assert lzma.decompress(data)  # the real one is fine
    register("gepia2", data[: len(data) // 2])
    with pytest.raises(SchemaError, match=r"gepia2 .*cannot be read as xz-compressed CSV"):
        loaders.tumour_normal_summary()


def test_a_declared_source_that_cannot_be_fetched_is_an_error(mirror, register, monkeypatch,
                                                               tmp_path):
    with socket.socket() as sock:  # a local port nobody listens on: refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = (mirror / REAL["firehose-CHOL"].mirror_path).read_bytes()
    register("firehose-CHOL", data, url=f"http://127.0.0.1:{port}/CHOL.rda")
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    with pytest.raises(DataError) as info:  # never Unavailable: the commit declares it
        loaders.xpo1_expression("CHOL")
    msg = str(info.value)
    assert msg.startswith("firehose-CHOL (cache file ") and "CHOL.rnaseq.20160128.rda" in msg
    assert "download" in msg and "REVIEWBUILD_MIRROR" in msg


def test_a_corrupt_parsed_cache_is_rebuilt(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))
    first = loaders.xpo1_expression("CHOL").frame
    (parsed,) = (tmp_path / ".derived").glob("firehose-CHOL-*.pkl")
    parsed.write_bytes(b"not a pickle")
    pd.testing.assert_frame_equal(loaders.xpo1_expression("CHOL").frame, first)
