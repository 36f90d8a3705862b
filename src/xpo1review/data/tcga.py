"""TCGA identifiers: barcodes, sample type codes, and the book cohort of a TCGA study."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from reviewbuild.exceptions import SchemaError

#: Book cohort of a TCGA study (colon and rectum form one entity).
TCGA_TO_COHORT = {"COAD": "COADREAD", "READ": "COADREAD"}
GI_TCGA_TYPES = ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COAD", "READ")

#: TCGA sample type codes (GDC code tables).
SAMPLE_TYPES = {
    "01": "Primary Solid Tumor", "02": "Recurrent Solid Tumor",
    "03": "Primary Blood Derived Cancer - Peripheral Blood",
    "04": "Recurrent Blood Derived Cancer - Bone Marrow", "05": "Additional - New Primary",
    "06": "Metastatic", "07": "Additional Metastatic", "08": "Human Tumor Original Cells",
    "09": "Primary Blood Derived Cancer - Bone Marrow", "10": "Blood Derived Normal",
    "11": "Solid Tissue Normal", "12": "Buccal Cell Normal", "13": "EBV Immortalized Normal",
    "14": "Bone Marrow Normal", "20": "Control Analyte",
    "40": "Recurrent Blood Derived Cancer - Peripheral Blood", "50": "Cell Lines",
    "60": "Primary Xenograft Tissue", "61": "Cell Line Derived Xenograft Tissue",
}
BARCODE_RE = (
    r"^(?P<patient>TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})-(?P<code>\d{2})(?P<vial>[A-Z])?"
    r"(?:-(?P<portion>\d{2})(?P<analyte>[A-Z])(?:-(?P<plate>[A-Z0-9]{4})"
    r"(?:-(?P<center>\d{2}))?)?)?$"
)
#: A TCGA patient barcode (``TCGA-XX-XXXX``).
PATIENT_RE = r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}$"


def parse_barcodes(barcodes: Iterable[str], source_id: str = "?") -> pd.DataFrame:
    """Split TCGA barcodes (dashes or dots) into parts; SchemaError on any that do not parse.

    Columns: aliquot (dashed barcode), patient, sample (``TCGA-XX-XXXX-NN``),
    sample_type_code, sample_type, tissue (tumour | normal | other), vial, portion,
    analyte, plate, center.
    """
    raw = pd.Series(list(barcodes), dtype="string")
    dashed = raw.str.replace(".", "-", regex=False).str.strip().str.upper()
    parts = dashed.str.extract(BARCODE_RE)
    bad = raw[parts["patient"].isna()]
    if len(bad):
        shown = ", ".join(repr(b) for b in bad.head(5))
        raise SchemaError(
            f"{source_id}: {len(bad)} TCGA barcode(s) do not parse ({shown}); expected "
            "TCGA-XX-XXXX-NNx[-NNx-XXXX-NN]"
        )
    code = parts["code"].astype(str)
    num = code.astype(int)
    out = pd.DataFrame({
        "aliquot": dashed.astype(str),
        "patient": parts["patient"].astype(str),
        "sample": (parts["patient"] + "-" + code).astype(str),
        "sample_type_code": code,
        "sample_type": code.map(SAMPLE_TYPES).fillna("Unknown (" + code + ")"),
        "tissue": np.select([num < 10, num < 20], ["tumour", "normal"], "other"),
    })
    for col in ("vial", "portion", "analyte", "plate", "center"):
        out[col] = parts[col].fillna("").astype(str)
    return out


_ANALYTE_RANK = {"R": 0, "H": 1, "T": 2}


def one_aliquot_per_sample(parsed: pd.DataFrame) -> pd.Series:
    """Boolean mask keeping one aliquot per (patient, sample type code).

    Rule: lowest vial letter (A first), then analyte R > H > T > other, then the latest
    plate (highest plate id), then the highest portion number.
    """
    order = parsed.assign(
        _vial=parsed["vial"].replace("", "Z"),
        _an=parsed["analyte"].map(_ANALYTE_RANK).fillna(9),
    ).sort_values(["_vial", "_an", "plate", "portion"], ascending=[True, True, False, False])
    keep = ~order.duplicated(["patient", "sample_type_code"], keep="first")
    return keep.reindex(parsed.index)
