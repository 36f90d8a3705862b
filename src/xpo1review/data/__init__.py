"""The data layer: a pinned registry, verified fetching, tidy loaders with provenance.

Typical use in a chapter::

    from xpo1review.data import loaders
    expr = loaders.xpo1_expression("CHOL")      # Dataset or Unavailable
    surv = loaders.survival(["CHOL"])
    joined, report = loaders.join_expression_survival(expr, surv)
"""

from xpo1review.data import provenance
from xpo1review.data.fetch import cache_dir, fetch, mirror_dir, verify
from xpo1review.data.loaders import (
    Dataset,
    DropReport,
    Unavailable,
    expression_matrix,
    join_expression_survival,
    pdac_curated,
    select_source,
    survival,
    tumour_normal_summary,
    xpo1_expression,
)
from xpo1review.data.provenance import Provenance
from xpo1review.data.registry import COHORTS, Source, get_source, load_registry

__all__ = [
    "COHORTS", "Dataset", "DropReport", "Provenance", "Source", "Unavailable", "cache_dir",
    "expression_matrix", "fetch", "get_source", "join_expression_survival", "load_registry",
    "mirror_dir", "pdac_curated", "provenance", "select_source", "survival",
    "tumour_normal_summary", "verify", "xpo1_expression",
]
