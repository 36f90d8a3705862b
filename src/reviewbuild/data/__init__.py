"""The engine's data layer: a pinned registry, verified fetching, declared sources, provenance.

Submodules: registry, fetch (over mirror, download, pins, cachedir), declared, reading (the
result types and the safe read of a registered file every loader starts from), remembered
(values kept in the cache under their inputs and code: parsed frames, costly results),
provenance, commands. The book's own loaders build on :func:`reviewbuild.data.reading.open_source`.
"""
