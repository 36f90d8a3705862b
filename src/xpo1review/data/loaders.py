"""Loaders: registered files -> validated, tidy pandas frames with provenance.

The one import chapters and analyses use (``from xpo1review.data import loaders``); each
family of sources lives in its own module:

- :mod:`~xpo1review.data.tcga` — TCGA barcodes and sample types;
- :mod:`~reviewbuild.data.reading` — result types, verified reading, parsed-frame cache;
- :mod:`~xpo1review.data.clinical` — TCGA-CDR survival;
- :mod:`~xpo1review.data.expression` — per-sample expression (Firehose, MetaGSCA);
- :mod:`~xpo1review.data.pdac` — the curated PDAC series;
- :mod:`~xpo1review.data.summaries` — OncoDB and GEPIA2 tumour-vs-normal summaries;
- :mod:`~xpo1review.data.oncolnc` — OncoLnc's published whole-cohort Cox models and the
  patients behind them;
- :mod:`~xpo1review.data.join` — expression joined to survival.

Every loader fetches through :func:`reviewbuild.data.fetch.fetch` (sha256-verified), records
the read in :mod:`reviewbuild.data.provenance`, validates what it parsed (pandera) and
raises :class:`~reviewbuild.exceptions.SchemaError` naming the source and file when the
content is not what the registry promises. Columns and units: data/README.md.

Which per-sample source serves a cohort and analysis is declared in ``data/analyses.yaml``
(:mod:`reviewbuild.data.declared`), never inferred from what is cached. A declared source that
is missing, unreadable or fails its hash raises an error naming the source, the file and the
fix. Only what the commit declares unused (``none``) gives :class:`Unavailable`, which says
so and why.
"""

from __future__ import annotations

from reviewbuild.data.reading import (
    Dataset,
    DropReport,
    Unavailable,
    read_rdata,
)
from reviewbuild.data.registry import get_source
from xpo1review.data.clinical import CDR_SHEET, ENDPOINTS, SURVIVAL_SCHEMA, survival
from xpo1review.data.expression import (
    ANNOTATION_COLUMNS,
    FIREHOSE_UNITS,
    METAGSCA_UNITS,
    candidates,
    expression_matrix,
    gene_expression,
    select_source,
    xpo1_expression,
)
from xpo1review.data.join import join_expression_survival
from xpo1review.data.oncolnc import XPO1_ENTREZ, cox_coefficients, model_patients
from xpo1review.data.pdac import PDAC_SCHEMA, pdac_curated
from xpo1review.data.summaries import ONCODB_COLUMNS, SUMMARY_COLUMNS, tumour_normal_summary
from xpo1review.data.tcga import (
    BARCODE_RE,
    GI_TCGA_TYPES,
    SAMPLE_TYPES,
    TCGA_TO_COHORT,
    one_aliquot_per_sample,
    parse_barcodes,
)

__all__ = [
    "ANNOTATION_COLUMNS", "BARCODE_RE", "CDR_SHEET", "ENDPOINTS", "FIREHOSE_UNITS",
    "GI_TCGA_TYPES", "METAGSCA_UNITS", "ONCODB_COLUMNS", "PDAC_SCHEMA",
    "SAMPLE_TYPES", "SUMMARY_COLUMNS", "SURVIVAL_SCHEMA", "TCGA_TO_COHORT", "XPO1_ENTREZ",
    "Dataset", "DropReport", "Unavailable", "candidates", "cox_coefficients",
    "expression_matrix", "gene_expression", "get_source", "join_expression_survival",
    "model_patients", "one_aliquot_per_sample", "parse_barcodes",
    "pdac_curated", "read_rdata", "select_source", "survival", "tumour_normal_summary",
    "xpo1_expression",
]
