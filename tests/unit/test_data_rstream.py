"""The streaming .rda column reader agrees with pyreadr and refuses what it cannot read."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pyreadr
import pytest

from xpo1review.data import rstream

FRAME = pd.DataFrame({
    "bcr_patient_barcode": pd.Categorical(["TCGA-AA-0001-01A", "TCGA-AA-0002-11A", "x"]),
    "A|1": [1.5, 0.0, 2.25],
    "XPO1|7514": [1e3, np.nan, -0.5],
    "label": ["a", None, "c"],
    "n": pd.array([1, 2, None], dtype="Int32"),
})


@pytest.fixture
def rda(tmp_path):
    path = tmp_path / "f.rda"
    pyreadr.write_rdata(str(path), FRAME, df_name="obj", compress="gzip")
    return path


def test_columns_match_pyreadr(rda):
    got = rstream.read_columns(rda, "obj", ["bcr_patient_barcode", "XPO1|7514", "label"])
    ref = pyreadr.read_r(str(rda))["obj"]
    assert got["bcr_patient_barcode"] == ref["bcr_patient_barcode"].astype(str).tolist()
    np.testing.assert_array_equal(got["XPO1|7514"], ref["XPO1|7514"].to_numpy())
    assert got["label"] == ["a", None, "c"]


def test_uncompressed_file(rda, tmp_path):
    plain = tmp_path / "plain.rda"
    plain.write_bytes(gzip.decompress(rda.read_bytes()))
    assert rstream.read_columns(plain, "obj", ["A|1"])["A|1"].tolist() == [1.5, 0.0, 2.25]


@pytest.mark.parametrize(("obj", "cols", "message"), [
    ("other", ["A|1"], "no object 'other'"),
    ("obj", ["B|2"], "no column"),
])
def test_missing_object_or_column(rda, obj, cols, message):
    with pytest.raises(rstream.UnsupportedRData, match=message):
        rstream.read_columns(rda, obj, cols)


def test_truncated_and_foreign_files(rda, tmp_path):
    cut = tmp_path / "cut.rda"
    cut.write_bytes(rda.read_bytes()[:-40])
    with pytest.raises(rstream.UnsupportedRData):
        rstream.read_columns(cut, "obj", ["A|1"])
    text = tmp_path / "text.rda"
    text.write_text("not R data at all\n")
    with pytest.raises(rstream.UnsupportedRData, match="compression"):
        rstream.read_columns(text, "obj", ["A|1"])
