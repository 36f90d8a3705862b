"""The data layer: a pinned registry, verified fetching, tidy loaders with provenance.

Typical use in a chapter::

    from xpo1review.data import loaders
    expr = loaders.xpo1_expression("CHOL")      # Dataset or Unavailable (falsy)
    surv = loaders.survival(["CHOL"])
    joined, report = loaders.join_expression_survival(expr, surv)
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are resolved lazily (PEP 562) so that `xpo1review data verify` does not import
# pandas/pandera; submodules: registry, fetch, loaders, provenance, commands.
_EXPORTS = {
    "Source": "registry", "get_source": "registry",
    "load_registry": "registry",
    "cache_dir": "cachedir", "mirror_dir": "mirror", "verify": "pins",
    "Provenance": "provenance",
    "Dataset": "loaders", "DropReport": "loaders", "Unavailable": "loaders",
    "expression_matrix": "loaders", "join_expression_survival": "loaders",
    "pdac_curated": "loaders", "select_source": "loaders", "survival": "loaders",
    "tumour_normal_summary": "loaders", "xpo1_expression": "loaders",
}
_SUBMODULES = {"registry", "fetch", "loaders", "provenance", "commands"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"xpo1review.data.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"xpo1review.data.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'xpo1review.data' has no attribute {name!r}")
