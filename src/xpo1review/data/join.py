"""Expression joined to TCGA-CDR survival, with every dropped sample and its reason."""

from __future__ import annotations

import pandas as pd

from reviewbuild.data.reading import Dataset, DropReport
from reviewbuild.exceptions import DataError
from xpo1review.data.clinical import ENDPOINTS


def join_expression_survival(expr: Dataset, surv: Dataset, endpoint: str = "OS",
                             keep_redacted: bool = False) -> tuple[Dataset, DropReport]:
    """Primary tumours (code 01) joined to TCGA-CDR by patient; reports every dropped row.

    Drop reasons, in order: not a primary tumour sample; no TCGA-CDR record; redacted in
    TCGA-CDR (kept instead with ``keep_redacted``, for a sensitivity analysis only);
    ``endpoint`` event or time missing.
    """
    if endpoint not in ENDPOINTS:
        raise DataError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
    left = expr.frame
    right = surv.frame.drop(columns=["cohort"])
    merged = left.merge(right, on="patient", how="left", validate="many_to_one",
                        indicator=True)
    reason = pd.Series(pd.NA, index=merged.index, dtype="string")
    rules = [
        (merged["sample_type_code"] != "01", "not a primary tumour sample"),
        (merged["_merge"] == "left_only", "no TCGA-CDR record for the patient"),
        (merged["redacted"].eq(True) & (not keep_redacted), "redacted in TCGA-CDR"),
        (merged[endpoint].isna() | merged[f"{endpoint}_time_days"].isna(),
         f"{endpoint} event or time missing"),
    ]
    for mask, text in rules:
        reason = reason.mask(reason.isna() & mask, text)
    kept = merged[reason.isna()].drop(columns="_merge").reset_index(drop=True)
    dropped = merged.loc[reason.notna(), ["sample", "patient"]].assign(reason=reason.dropna())
    counts = {text: int((reason == text).sum()) for _, text in rules if (reason == text).any()}
    report = DropReport(len(left), len(kept), counts, dropped.reset_index(drop=True))
    prov = expr.provenance.merge(
        surv.provenance, units=f"{expr.provenance.units}; {endpoint} time in days",
        n_samples=len(kept), n_patients=kept["patient"].nunique(), note=str(report))
    return Dataset(kept, prov), report
