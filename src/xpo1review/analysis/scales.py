"""The scale of a source's XPO1 values (linear RSEM or log2) and short words for the source."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reviewbuild.data.provenance import Provenance


def is_linear(prov: Provenance) -> bool:
    """True when the source's expression is not log-transformed (Firehose RSEM)."""
    return "linear" in prov.units or "not log" in prov.units


def log2_xpo1(values: pd.Series, linear: bool) -> pd.Series:
    """XPO1 on the log2 scale: ``log2(x + 1)`` of linear values, log values as they are."""
    return np.log2(values.astype(float) + 1.0) if linear else values.astype(float)


def scale_label(linear: bool) -> str:
    """Words for the scale :func:`log2_xpo1` puts a source on."""
    return "log2(RSEM + 1)" if linear else "log2 expression as distributed (MetaGSCA)"


def describe_source(prov: Provenance) -> str:
    """Short words for the kind of source: full cohort or paired subset."""
    first = prov.source_ids[0]
    if first.startswith("firehose"):
        return "whole TCGA cohort (Firehose)"
    if first.startswith("metagsca"):
        return "tumour-normal paired subset" + (" (colon only)" if "COAD" in first else "")
    return prov.note.split(";")[0] if prov.note else ", ".join(prov.source_ids)
