"""XPO1 in gastrointestinal cancers: the review's own content (TCGA loaders, analyses,
figures, tables, curated trials), built by the engine :mod:`reviewbuild`."""

__version__ = "0.1.0"
