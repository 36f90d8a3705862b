"""Tumour-vs-normal summaries for one gene from OncoDB and GEPIA2 (no per-sample data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewbuild.data.provenance import Provenance
from reviewbuild.data.reading import Dataset, derived, open_source, refuse
from reviewbuild.data.registry import Source, load_registry
from reviewbuild.exceptions import DataError
from xpo1review.data.tcga import GI_TCGA_TYPES, TCGA_TO_COHORT

ONCODB_COLUMNS = {
    "Cancer type": "tcga_type", "Gene symbol": "gene", "Cancer Sample Med": "tumour_median",
    "Normal Sample Med": "normal_median", "log2 fold change": "log2fc", "p-value": "p_value",
    "FDR adjusted p-value": "fdr",
}
SUMMARY_COLUMNS = ("resource", "source_id", "tcga_type", "cohort", "gene", "tumour_median",
                   "normal_median", "log2fc", "p_value", "fdr")


def _oncodb(gene: str) -> tuple[list[pd.DataFrame], list[tuple[str, str]]]:
    frames, used = [], []
    for src in load_registry().values():
        if not (src.id.startswith("oncodb-") and src.role == "summary"):
            continue
        _, path, sha = open_source(src.id)
        rows = derived(src, sha, f"gene-{gene}", lambda s=src, p=path: _oncodb_rows(s, p, gene))
        frames.append(rows.assign(resource="OncoDB", source_id=src.id))
        used.append((src.id, sha))
    return frames, used


def _oncodb_rows(src: Source, path: Path, gene: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, sep="\t")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise refuse(src, path, f"cannot be parsed as a tab-separated table ({err})") from None
    missing = [c for c in ONCODB_COLUMNS if c not in raw.columns]
    if missing:
        raise refuse(src, path, f"lacks column(s) {', '.join(missing)}")
    return raw.rename(columns=ONCODB_COLUMNS).loc[lambda d: d["gene"] == gene].head(1)


def _gepia2(gene: str) -> tuple[pd.DataFrame, tuple[str, str]]:
    src, path, sha = open_source("gepia2")
    long = derived(src, sha, f"gene-{gene}", lambda: _gepia2_rows(src, path, gene))
    return long.assign(gene=gene, resource="GEPIA2", source_id=src.id), (src.id, sha)


def _gepia2_rows(src: Source, path: Path, gene: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, compression="xz")
    except (ValueError, EOFError, OSError, pd.errors.ParserError) as err:
        raise refuse(src, path, f"cannot be read as xz-compressed CSV ({err})") from None
    if "Gene.Symbol" not in raw.columns or "COAD" not in raw.columns:
        raise refuse(src, path, "lacks the Gene.Symbol column or the cohort columns")
    types = [c for c in raw.columns if c.isupper() and c.isalpha() and 2 <= len(c) <= 4]
    rows = raw.loc[raw["Gene.Symbol"] == gene, types].head(1)  # symbol duplicates: first
    return rows.melt(var_name="tcga_type", value_name="log2fc")


def tumour_normal_summary(gene: str = "XPO1", pan_cancer: bool = False) -> Dataset:
    """OncoDB + GEPIA2 tumour-vs-normal summaries for one gene, one row per resource x study.

    GEPIA2 gives only log2fc (NaN where GEPIA2 did not call the gene differential);
    OncoDB gives medians (units not stated), log2fc, t-test p and FDR.
    ``pan_cancer``: all GEPIA2 studies, else GI studies only.
    """
    frames, used = _oncodb(gene)
    gep, gep_used = _gepia2(gene)
    used.append(gep_used)
    frame = pd.concat([*frames, gep], ignore_index=True)
    if frame.empty:
        raise DataError(f"gene {gene!r} is in neither OncoDB nor GEPIA2 (check the symbol)")
    if not pan_cancer:
        frame = frame[frame["tcga_type"].isin(GI_TCGA_TYPES)]
    frame = frame.assign(cohort=frame["tcga_type"].map(lambda t: TCGA_TO_COHORT.get(t, t)))
    frame = frame.reindex(columns=list(SUMMARY_COLUMNS)).reset_index(drop=True)
    for col in ("tumour_median", "normal_median", "log2fc", "p_value", "fdr"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    ids, shas = zip(*used, strict=True)
    prov = Provenance(ids, shas, "log2 fold change tumour/normal; OncoDB medians unitless",
                      len(frame), None, "OncoDB (Tang 2022) and GEPIA2 (Tang 2019) summaries")
    return Dataset(frame, prov)
