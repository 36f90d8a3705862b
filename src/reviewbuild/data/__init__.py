"""The engine's data layer: a pinned registry, verified fetching, declared sources, provenance.

The book's own loaders build on :func:`reviewbuild.data.reading.open_source`; submodules:
registry, fetch, declared, reading, provenance, commands.
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are resolved lazily (PEP 562) so that `reviewbuild data verify` does not import
# pandas/pandera.
_EXPORTS = {
    "Source": "registry", "get_source": "registry", "load_registry": "registry",
    "cache_dir": "fetch", "mirror_dir": "fetch", "verify": "fetch",
    "Provenance": "provenance",
    "Dataset": "reading", "DropReport": "reading", "Unavailable": "reading",
}
_SUBMODULES = {"registry", "fetch", "declared", "reading", "provenance", "commands"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"reviewbuild.data.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"reviewbuild.data.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'reviewbuild.data' has no attribute {name!r}")
