"""Getting registered files into the cache: downloaded with pooch or copied from a mirror.

Every file is verified against its pinned sha256 *before* it is moved into place
(temp file, then ``os.replace``), so a partial, corrupt or wrong file never replaces a good
cached one. ``XPO1REVIEW_MIRROR=DIR`` makes fetching copy ``DIR/<mirror path>`` instead of
using the network (no network fallback: an offline build stays offline).
``XPO1REVIEW_CACHE`` sets the cache directory (default: ``pooch.os_cache("xpo1review")``);
``XPO1REVIEW_TIMEOUT`` the network timeout in seconds (default 30).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xpo1review.data.registry import Source, get_source, load_registry
from xpo1review.exceptions import ChecksumMismatch, SourceUnavailable
from xpo1review.paths import inside

DEFAULT_TIMEOUT = 30.0
_CHUNK = 1 << 20
_MEMO: dict[tuple[str, int, int], str] = {}


def cache_dir() -> Path:
    """Where fetched files live (``XPO1REVIEW_CACHE`` or the OS cache)."""
    env = os.environ.get("XPO1REVIEW_CACHE")
    if env:
        return Path(env)
    import pooch

    return Path(pooch.os_cache("xpo1review"))


def mirror_dir() -> Path | None:
    """The offline mirror (``XPO1REVIEW_MIRROR``), or None for network mode."""
    env = os.environ.get("XPO1REVIEW_MIRROR")
    return Path(env) if env else None


def timeout() -> float:
    return float(os.environ.get("XPO1REVIEW_TIMEOUT", DEFAULT_TIMEOUT))


def cached_path(source: Source) -> Path:
    """Where a source lives in the cache; UnsafePath if that would be outside the cache."""
    return inside(cache_dir(), source.mirror_path, f"data/sources.yaml: {source.id}: mirror")


def sha256_file(path: Path, *, memo: bool = True) -> str:
    """Hex sha256 of a file; memoised per (path, size, mtime) unless ``memo=False``."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if memo and key in _MEMO:
        return _MEMO[key]
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    _MEMO[key] = digest.hexdigest()
    return _MEMO[key]


def mismatch(label: str, path: Path | str, expected: str, actual: str,
             source_id: str) -> ChecksumMismatch:
    """A ChecksumMismatch whose message says what to do."""
    err = ChecksumMismatch(
        f"{label}: sha256 mismatch for {path}\n"
        f"  expected {expected}\n  actual   {actual}\n"
        "  The file is truncated, corrupt or not the registered file; nothing cached was "
        "replaced.\n  What to do: delete the bad file and run "
        f"`xpo1review data fetch {source_id}` (or fix the mirror); if the source really "
        "changed upstream, review it and update its sha256 in data/sources.yaml."
    )
    err.path, err.expected, err.actual, err.source_id = path, expected, actual, source_id
    return err


def fetch(source_id: str, *, allow_unpinned: bool = False, progress: bool = False) -> Path:
    """Path to the verified cached copy of a source, fetching it if needed.

    Unpinned sources are only fetched when ``allow_unpinned`` (the ``data fetch`` command);
    otherwise an unpinned source that is not cached raises SourceUnavailable.
    """
    src = get_source(source_id)
    target = cached_path(src)
    if target.is_file():
        if src.sha256 is None or sha256_file(target) == src.sha256:
            return target
        print(f"xpo1review: cached {target} fails its checksum; fetching {src.id} again",
              file=sys.stderr)
    elif src.sha256 is None and not allow_unpinned:
        raise SourceUnavailable(
            f"{src.id} is registered but not pinned (sha256: unpinned) and not cached; "
            f"run `xpo1review data fetch {src.id}` to download it, then pin the printed "
            "sha256 in data/sources.yaml"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    mirror = mirror_dir()
    if mirror is not None:
        _copy_from_mirror(src, mirror, target, progress)
    else:
        _download(src, target, progress)
    if src.sha256 is None:
        print(f"xpo1review: {src.id} is unpinned; its sha256 is {sha256_file(target)} — "
              "pin it in data/sources.yaml", file=sys.stderr)
    return target


def _install(tmp: Path, target: Path, src: Source, origin: Path | str) -> None:
    """Move a verified temp file into place; delete it and raise if it fails the check."""
    actual = sha256_file(tmp, memo=False)
    if src.sha256 is not None and actual != src.sha256:
        tmp.unlink(missing_ok=True)
        raise mismatch(src.id, origin, src.sha256, actual, src.id)
    os.replace(tmp, target)


def _copy_from_mirror(src: Source, mirror: Path, target: Path, progress: bool) -> None:
    if not mirror.is_dir():
        raise SourceUnavailable(
            f"the mirror directory {mirror} (XPO1REVIEW_MIRROR) does not exist; point "
            "XPO1REVIEW_MIRROR at a mirror (e.g. ../shared/data) or unset it to download"
        )
    origin = inside(mirror, src.mirror_path, f"data/sources.yaml: {src.id}: mirror")
    if not origin.is_file():
        raise SourceUnavailable(
            f"{src.id} is not in the mirror ({origin} missing); unset XPO1REVIEW_MIRROR "
            f"and run `xpo1review data fetch {src.id}` on a machine with network access"
        )
    if progress:
        print(f"copying {src.id} from {origin} ({origin.stat().st_size:,} bytes)",
              file=sys.stderr)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, origin.open("rb") as inp:
            shutil.copyfileobj(inp, out, _CHUNK)
        _install(tmp, target, src, origin)
    finally:
        tmp.unlink(missing_ok=True)


def _download(src: Source, target: Path, progress: bool) -> None:
    import pooch
    import requests

    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".staging-"))
    try:
        downloader = pooch.HTTPDownloader(progressbar=progress and _has_tqdm(),
                                          timeout=timeout())
        if progress:
            print(f"downloading {src.id} from {src.url}", file=sys.stderr)
        logger = pooch.get_logger()
        level = logger.level
        logger.setLevel("WARNING")  # its hash hint names pooch.retrieve; we verify ourselves
        try:
            got = pooch.retrieve(src.url, known_hash=None, fname=src.filename,
                                 path=staging, downloader=downloader)
        except (requests.exceptions.RequestException, OSError) as err:
            raise SourceUnavailable(
                f"{src.id}: download from {src.url} failed ({type(err).__name__}: {err}). "
                "Check the network (timeout: XPO1REVIEW_TIMEOUT) or set "
                "XPO1REVIEW_MIRROR=DIR to use an offline mirror"
            ) from err
        finally:
            logger.setLevel(level)
        _install(Path(got), target, src, src.url)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _has_tqdm() -> bool:
    """pooch draws progress bars with tqdm; without it, only the stderr lines are shown."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Check:
    """The state of one source's file: ok, mismatch, missing or unpinned."""

    source_id: str
    path: Path
    state: str
    expected: str | None
    actual: str | None
    size: int | None


def check(source: Source, root: Path | None = None) -> Check:
    """Re-hash one source's file under ``root`` (default: the cache)."""
    path = (inside(root, source.mirror_path, f"data/sources.yaml: {source.id}: mirror")
            if root is not None else cached_path(source))
    if not path.is_file():
        return Check(source.id, path, "missing", source.sha256, None, None)
    actual = sha256_file(path, memo=False)
    state = "ok" if actual == source.sha256 else "mismatch"
    if source.sha256 is None:
        state = "unpinned"
    return Check(source.id, path, state, source.sha256, actual, path.stat().st_size)


def verify(ids: list[str] | None = None, root: Path | None = None) -> list[Check]:
    """Re-hash every (or the given) source under ``root`` (default: the cache)."""
    sources = [get_source(i) for i in ids] if ids else list(load_registry().values())
    return [check(s, root) for s in sources]
