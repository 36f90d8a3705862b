"""The curated TCGA-PAAD subset: 130 tumours with complete covariates.

The ShrinkageTrees R package (Jacobs) distributes it as ``data/pdac.rda``, documented as a
reduced and cleaned subset of the TCGA-PAAD data harmonised in pdacR (Torre-Healy et al.
2023; TCGA: Raphael et al. 2017): about 3,000 most variable genes plus driver genes. How the
patients were chosen is not documented, and the rows carry no TCGA barcodes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import Dataset, derived, open_source, read_rdata, refuse, validate
from reviewbuild.data.registry import Source
from xpo1review.data.expression import FIREHOSE_UNITS

PDAC_SCHEMA = pa.DataFrameSchema(
    {
        "sample": pa.Column(str, unique=True),
        "time_months": pa.Column(float, pa.Check.ge(0)),
        "status": pa.Column("Int64", pa.Check.isin([0, 1])),
        "XPO1": pa.Column(float, pa.Check.ge(0)),
    },
    checks=pa.Check(lambda df: len(df) == 130, error="expected 130 tumours"),
)


def _parse_pdac(src: Source, path: Path) -> pd.DataFrame:
    raw = read_rdata(src, path)
    for col in ("time", "status", "XPO1"):
        if col not in raw.columns:
            raise refuse(src, path, f"has no column {col!r}")
    frame = raw.rename(columns={"time": "time_months"}).reset_index(drop=True)
    frame["status"] = pd.to_numeric(frame["status"]).astype("Int64")
    frame.insert(0, "sample", [f"pdac-{i:03d}" for i in range(1, len(frame) + 1)])
    return validate(frame, PDAC_SCHEMA, src, path)


def pdac_curated() -> Dataset:
    """The curated TCGA-PAAD subset (ShrinkageTrees): 130 tumours, ``time_months``,
    ``status`` (1 = death), covariates and ~3,000 genes (RSEM normalised, linear; XPO1 is
    ``XPO1``). No barcodes."""
    src, path, sha = open_source("pdac-curated")
    frame = derived(src, sha, "pdac", lambda: _parse_pdac(src, path))
    prov = Provenance((src.id,), (sha,), "OS time in months; expression " + FIREHOSE_UNITS,
                      len(frame), len(frame),
                      "curated TCGA-PAAD subset (ShrinkageTrees, from pdacR); no TCGA barcodes, "
                      "not joinable to TCGA-CDR")
    return Dataset(frame, prov)
