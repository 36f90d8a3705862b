"""XPO1 in gastrointestinal cancers: the package behind the reproducible review."""

__version__ = "0.1.0"
