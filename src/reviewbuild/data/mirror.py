"""Copying a source from the offline mirror (``REVIEWBUILD_MIRROR=DIR``) instead of the network.

With a mirror set, fetching copies ``DIR/<mirror path>``; there is no network fallback, so
an offline build stays offline.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from reviewbuild.data.pins import CHUNK, install
from reviewbuild.data.registry import Source
from reviewbuild.exceptions import SourceUnavailable
from reviewbuild.paths import inside


def mirror_dir() -> Path | None:
    """The offline mirror (``REVIEWBUILD_MIRROR``), or None for network mode."""
    env = os.environ.get("REVIEWBUILD_MIRROR")
    return Path(env) if env else None


def copy_from_mirror(src: Source, mirror: Path, target: Path, progress: bool) -> None:
    """Copy ``src``'s file from ``mirror`` to a temp file and install it as ``target``."""
    if not mirror.is_dir():
        raise SourceUnavailable(
            f"the mirror directory {mirror} (REVIEWBUILD_MIRROR) does not exist; point "
            "REVIEWBUILD_MIRROR at a mirror (e.g. ../shared/data) or unset it to download"
        )
    origin = inside(mirror, src.mirror_path, f"data/sources.yaml: {src.id}: mirror",
                    links=False)  # only read: a mirror may be made of symlinks
    if not origin.is_file():
        raise SourceUnavailable(
            f"{src.id} is not in the mirror ({origin} missing); unset REVIEWBUILD_MIRROR "
            f"and run `reviewbuild data fetch {src.id}` on a machine with network access"
        )
    if origin.stat().st_size > src.max_bytes:
        raise SourceUnavailable(
            f"{src.id}: {origin} in the mirror has {origin.stat().st_size:,} bytes, more than "
            f"the {src.max_bytes:,} data/sources.yaml allows for it (`size:`, else "
            "`max_size:`); the mirror holds another file: restore the registered one")
    try:
        inp = origin.open("rb")
    except OSError as err:
        raise SourceUnavailable(f"{src.id}: cannot read {origin} in the mirror "
                                f"({err.strerror}); check the mirror's permissions") from err
    with inp:
        if progress:
            print(f"copying {src.id} from {origin} ({origin.stat().st_size:,} bytes)",
                  file=sys.stderr)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(inp, out, CHUNK)
            install(tmp, target, src, origin)
        finally:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
