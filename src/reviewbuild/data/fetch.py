"""Getting registered files into the cache: downloaded with pooch or copied from a mirror.

:func:`fetch` returns the verified cached copy of a source, getting it if it is missing or
fails its pins. The parts: :mod:`~reviewbuild.data.cachedir` (where the cache is, locking,
leftovers of interrupted fetches, disk errors), :mod:`~reviewbuild.data.pins` (sha256 and git
blob checks before anything is moved into place), :mod:`~reviewbuild.data.mirror`
(``REVIEWBUILD_MIRROR``, no network fallback) and :mod:`~reviewbuild.data.download` (the
network, with its timeouts and deadline).
"""

from __future__ import annotations

import sys
from pathlib import Path

from reviewbuild import session
from reviewbuild.data.cachedir import cached_path, clean_quietly, writing
from reviewbuild.data.download import deadline, download
from reviewbuild.data.mirror import copy_from_mirror, mirror_dir
from reviewbuild.data.pins import mismatch, pin_problem, record_sha256, sha256_file
from reviewbuild.data.registry import get_source
from reviewbuild.exceptions import SourceUnavailable


def fetch(source_id: str, *, allow_unpinned: bool = False, progress: bool = False) -> Path:
    """Path to the verified cached copy of a source, fetching it if needed.

    Unpinned sources are only fetched when ``allow_unpinned`` (the ``data fetch`` command);
    otherwise an unpinned source that is not cached raises SourceUnavailable.
    """
    src = get_source(source_id)
    target = cached_path(src)
    stale = None
    if target.is_file():
        stale = pin_problem(src, target)
        if stale is None:
            record_sha256(src, target)
            clean_quietly(target)
            return target
        print(f"reviewbuild: cached {target} fails its checksum; fetching {src.id} again",
              file=sys.stderr)
    elif not src.pinned and not allow_unpinned:
        raise SourceUnavailable(
            f"{src.id} is registered but not pinned (sha256: unpinned) and not cached; "
            f"run `reviewbuild data fetch {src.id}` to download it, then pin the printed "
            "sha256 in data/sources.yaml"
        )
    mirror = mirror_dir()
    try:
        with writing(target, deadline() + 60):
            if mirror is not None:
                copy_from_mirror(src, mirror, target, progress)
            else:
                with session.fetching():
                    download(src, target, progress)
    except SourceUnavailable as err:
        if stale is None:
            raise
        bad = mismatch(src.id, target, stale[1], stale[2], src.id, kind=stale[0])
        bad.args = (f"{bad}\n  Fetching it again failed: {err}",)
        raise bad from err
    if not src.pinned:
        print(f"reviewbuild: {src.id} is unpinned; its sha256 is {sha256_file(target)} — "
              "pin it in data/sources.yaml", file=sys.stderr)
    return target
