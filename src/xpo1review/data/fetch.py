"""Getting registered files into the cache: downloaded with pooch or copied from a mirror.

Every file is verified against its pins (sha256 and/or git blob id) *before* it is moved
into place (temp file, then ``os.replace``), so a partial, corrupt or wrong file never
replaces a good cached one. A source pinned only by its git blob id gets the sha256 of its
verified file recorded in ``<cache>/.verified/<id>.json`` (written atomically, after the
blob check, keyed by url and blob id): only a file with exactly that sha256 is trusted
without recomputing the blob id, so the record never vouches for an unverified file.
``XPO1REVIEW_MIRROR=DIR`` makes fetching copy ``DIR/<mirror path>`` instead of
using the network (no network fallback: an offline build stays offline).
``XPO1REVIEW_CACHE`` sets the cache directory (default: ``pooch.os_cache("xpo1review")``).
Network limits, in seconds: ``XPO1REVIEW_CONNECT_TIMEOUT`` (default 5) to connect,
``XPO1REVIEW_TIMEOUT`` (default 15) for a server to send anything, ``XPO1REVIEW_DEADLINE``
(default 900) for a whole file.

A file is written under a per-file lock (``.<name>.lock`` beside it); whatever an
interrupted fetch left (``.<name>.*.part``, ``.<name>.staging-*``) is removed by the next
one. A cache that cannot be written (full, read-only) raises CacheUnwritable naming the path.
"""

from __future__ import annotations

import errno
import functools
import glob
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from filelock import FileLock, Timeout

from xpo1review import atomic
from xpo1review.data.registry import Source, get_source, load_registry
from xpo1review.exceptions import (
    CacheUnwritable,
    ChecksumMismatch,
    DataError,
    DeadlineExceeded,
    NetworkTimeout,
    SourceUnavailable,
)
from xpo1review.paths import inside

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 15.0
DEFAULT_DEADLINE = 900.0
#: Staging folders of the earlier naming (``.staging-*``) older than this are removed.
STALE_AFTER = 3600.0
_CHUNK = 1 << 20
_BLOCK = 1 << 16
_DISK_ADVICE = {
    errno.ENOSPC: "the disk is full: free space on it",
    errno.EDQUOT: "your disk quota is used up: free space",
    errno.EROFS: "the file system is read-only: make it writable",
    errno.EACCES: "there is no permission to write there: fix the permissions",
    errno.EPERM: "there is no permission to write there: fix the permissions",
}
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


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise DataError(f"{name}={value!r} is not a positive number of seconds")
    return seconds


def timeout() -> float:
    """Seconds a server may stay silent (``XPO1REVIEW_TIMEOUT``)."""
    return _seconds("XPO1REVIEW_TIMEOUT", DEFAULT_TIMEOUT)


def connect_timeout() -> float:
    """Seconds to establish a connection (``XPO1REVIEW_CONNECT_TIMEOUT``)."""
    return _seconds("XPO1REVIEW_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)


def deadline() -> float:
    """Seconds one file's download may take in all (``XPO1REVIEW_DEADLINE``)."""
    return _seconds("XPO1REVIEW_DEADLINE", DEFAULT_DEADLINE)


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


def git_blob_id(path: Path) -> str:
    """The file's git blob id, as ``git hash-object`` prints it: SHA-1 of
    ``b"blob <size>\\0"`` followed by the bytes (an object id, not a security hash)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def record_path(source: Source) -> Path:
    """Where the sha256 of a git-blob-verified file is recorded (beside the cache)."""
    return cache_dir() / ".verified" / f"{source.id}.json"


def recorded_sha256(source: Source) -> str | None:
    """The sha256 recorded when this source's file passed its git blob check, if any (a
    record for another url or blob id, or an unreadable one, counts as none)."""
    try:
        rec = json.loads(record_path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or (rec.get("url"), rec.get("git_blob")) != (
            source.url, source.git_blob):
        return None
    sha = rec.get("sha256")
    return sha if isinstance(sha, str) and len(sha) == 64 else None


def _record_sha256(src: Source, path: Path) -> None:
    """After ``path`` passed the git blob check: record its sha256 (once, atomically)."""
    if src.git_blob is None or src.sha256 is not None:
        return
    sha = sha256_file(path)
    if recorded_sha256(src) == sha:
        return
    rec = {"source": src.id, "url": src.url, "git_blob": src.git_blob, "sha256": sha,
           "size": path.stat().st_size}
    atomic.write_text(record_path(src), json.dumps(rec, indent=1) + "\n")
    print(f"xpo1review: {src.id} matches its git blob id {src.git_blob}; its sha256 {sha} is "
          f"recorded in {record_path(src)} (to pin it in the repository as well, add "
          "`sha256:` to its entry in data/sources.yaml)", file=sys.stderr)


def pin_problem(src: Source, path: Path, *, trust_record: bool = True,
                memo: bool = True) -> tuple[str, str, str] | None:
    """(kind, expected, actual) of the first pin ``path`` fails, or None if it passes them
    all (an unpinned source has none). ``trust_record``: a file whose sha256 is the one
    recorded after an earlier blob check passes without recomputing the blob id."""
    if src.sha256 is not None:
        actual = sha256_file(path, memo=memo)
        if actual != src.sha256:
            return "sha256", src.sha256, actual
    if src.git_blob is not None:
        if (trust_record and src.sha256 is None
                and recorded_sha256(src) == sha256_file(path, memo=memo)):
            return None
        actual = git_blob_id(path)
        if actual != src.git_blob:
            return "git blob id", src.git_blob, actual
    return None


def mismatch(label: str, path: Path | str, expected: str, actual: str,
             source_id: str, kind: str = "sha256") -> ChecksumMismatch:
    """A ChecksumMismatch whose message says what to do."""
    err = ChecksumMismatch(
        f"{label}: {kind} mismatch for {path}\n"
        f"  expected {expected}\n  actual   {actual}\n"
        "  The file is truncated, corrupt or not the registered file; nothing cached was "
        "replaced.\n  What to do: delete the bad file and run "
        f"`xpo1review data fetch {source_id}` (or fix the mirror); if the source really "
        f"changed upstream, review it and update its {kind} in data/sources.yaml."
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
    stale = None
    if target.is_file():
        stale = pin_problem(src, target)
        if stale is None:
            _record_sha256(src, target)
            _clean_quietly(target)
            return target
        print(f"xpo1review: cached {target} fails its checksum; fetching {src.id} again",
              file=sys.stderr)
    elif not src.pinned and not allow_unpinned:
        raise SourceUnavailable(
            f"{src.id} is registered but not pinned (sha256: unpinned) and not cached; "
            f"run `xpo1review data fetch {src.id}` to download it, then pin the printed "
            "sha256 in data/sources.yaml"
        )
    mirror = mirror_dir()
    try:
        with _writing(target):
            if mirror is not None:
                _copy_from_mirror(src, mirror, target, progress)
            else:
                _download(src, target, progress)
    except SourceUnavailable as err:
        if stale is None:
            raise
        bad = mismatch(src.id, target, stale[1], stale[2], src.id, kind=stale[0])
        bad.args = (f"{bad}\n  Fetching it again failed: {err}",)
        raise bad from err
    if not src.pinned:
        print(f"xpo1review: {src.id} is unpinned; its sha256 is {sha256_file(target)} — "
              "pin it in data/sources.yaml", file=sys.stderr)
    return target


def debris(target: Path) -> list[Path]:
    """What interrupted fetches of ``target`` left beside it: its ``.part`` files and staging
    folders, and staging folders of the earlier naming older than STALE_AFTER."""
    parent, name = target.parent, glob.escape(target.name)
    found = [*parent.glob(f".{name}.*.part"), *parent.glob(f".{name}.staging-*")]
    for path in parent.glob(".staging-*"):
        with suppress(OSError):
            if time.time() - path.stat().st_mtime > STALE_AFTER:
                found.append(path)
    return found


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with suppress(OSError):
                path.unlink(missing_ok=True)
    if paths:
        print(f"xpo1review: removed {len(paths)} leftover(s) of an interrupted fetch in "
              f"{paths[0].parent}", file=sys.stderr)


def _lock(target: Path, seconds: float) -> FileLock:
    return FileLock(target.parent / f".{target.name}.lock", timeout=seconds)


def _clean_quietly(target: Path) -> None:
    """Remove ``target``'s debris if there is any and no other process is fetching it."""
    if not debris(target):
        return
    with suppress(OSError, Timeout), _lock(target, 0):
        _remove(debris(target))


@contextmanager
def _writing(target: Path) -> Iterator[None]:
    """Create ``target``'s folder, hold its lock, remove debris of earlier interrupted
    fetches, and turn disk errors (full, read-only, no permission) into CacheUnwritable."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(target, deadline() + 60)
        try:
            lock.acquire()
        except Timeout:
            raise SourceUnavailable(
                f"{target}: another process has been fetching it for over {lock.timeout:g} s "
                f"(lock {lock.lock_file}); wait for it to finish or stop it") from None
        try:
            _remove(debris(target))
            yield
        finally:
            lock.release()
    except OSError as err:
        if err.errno not in _DISK_ADVICE:
            raise
        where = err.filename or target.parent
        raise CacheUnwritable(
            f"cannot write {where} ({err.strerror}, errno {err.errno}): "
            f"{_DISK_ADVICE[err.errno]}, or set XPO1REVIEW_CACHE to a writable directory "
            "with room; then run `xpo1review data fetch` again. Nothing cached was replaced."
        ) from err


def _install(tmp: Path, target: Path, src: Source, origin: Path | str) -> None:
    """Move a verified temp file into place; delete it and raise if it fails the check."""
    problem = pin_problem(src, tmp, trust_record=False, memo=False)
    if problem is not None:
        tmp.unlink(missing_ok=True)
        raise mismatch(src.id, origin, problem[1], problem[2], src.id, kind=problem[0])
    os.replace(tmp, target)
    _record_sha256(src, target)


def _copy_from_mirror(src: Source, mirror: Path, target: Path, progress: bool) -> None:
    if not mirror.is_dir():
        raise SourceUnavailable(
            f"the mirror directory {mirror} (XPO1REVIEW_MIRROR) does not exist; point "
            "XPO1REVIEW_MIRROR at a mirror (e.g. ../shared/data) or unset it to download"
        )
    origin = inside(mirror, src.mirror_path, f"data/sources.yaml: {src.id}: mirror",
                    links=False)  # only read: a mirror may be made of symlinks
    if not origin.is_file():
        raise SourceUnavailable(
            f"{src.id} is not in the mirror ({origin} missing); unset XPO1REVIEW_MIRROR "
            f"and run `xpo1review data fetch {src.id}` on a machine with network access"
        )
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
                shutil.copyfileobj(inp, out, _CHUNK)
            _install(tmp, target, src, origin)
        finally:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)


def _download(src: Source, target: Path, progress: bool) -> None:
    import pooch
    import requests

    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
    try:
        if progress:
            print(f"downloading {src.id} from {src.url}", file=sys.stderr)
        logger = pooch.get_logger()
        level = logger.level
        logger.setLevel("WARNING")  # its hash hint names pooch.retrieve; we verify ourselves
        try:
            got = pooch.retrieve(src.url, known_hash=None, fname=src.filename, path=staging,
                                 downloader=functools.partial(_http_get, src=src,
                                                              progress=progress))
        except requests.exceptions.RequestException as err:
            raise _network_error(src, err) from err
        finally:
            logger.setLevel(level)
        _install(Path(got), target, src, src.url)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _network_error(src: Source, err: Exception) -> DataError:
    """A clear error for a failed request: malformed url, silent server, or network."""
    import requests

    host = urlsplit(src.url).netloc or src.url
    why = f"{type(err).__name__}: {err}"
    if isinstance(err, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.URLRequired)):
        return DataError(f"{src.id}: its url {src.url!r} is malformed ({why}); fix the url "
                         "of this entry in data/sources.yaml")
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return NetworkTimeout(
            f"{src.id}: {host} did not accept a connection within {connect_timeout():g} s "
            "(XPO1REVIEW_CONNECT_TIMEOUT). Check the network, or set XPO1REVIEW_MIRROR=DIR "
            "to use an offline mirror")
    if isinstance(err, requests.exceptions.Timeout):
        return NetworkTimeout(
            f"{src.id}: {host} accepted the connection but sent nothing for {timeout():g} s "
            "(XPO1REVIEW_TIMEOUT). Try again later, or set XPO1REVIEW_MIRROR=DIR to use an "
            "offline mirror")
    return SourceUnavailable(
        f"{src.id}: download from {src.url} failed ({why}). Check the network, or set "
        "XPO1REVIEW_MIRROR=DIR to use an offline mirror")


def _http_get(url: str, output: str | IO[bytes], _pooch: object = None, *, src: Source,
              progress: bool = False) -> None:
    """A pooch downloader: requests with a connect timeout, a stall timeout (between any two
    bytes) and a total deadline for the file (DeadlineExceeded when it is reached)."""
    import requests
    import urllib3

    limit, start, received = deadline(), time.monotonic(), 0
    with requests.get(url, stream=True, timeout=(connect_timeout(), timeout())) as resp:
        resp.raise_for_status()
        bar = _progress_bar(resp.headers.get("content-length"), progress)
        with (open(output, "wb") if isinstance(output, str)  # noqa: SIM115
              else nullcontext(output)) as out:
            while True:
                if time.monotonic() - start > limit:
                    raise DeadlineExceeded(
                        f"{src.id}: the download from {url} did not finish within its "
                        f"deadline of {limit:g} s ({received:,} bytes received; "
                        "XPO1REVIEW_DEADLINE). Try again on a faster connection, raise "
                        "XPO1REVIEW_DEADLINE, or set XPO1REVIEW_MIRROR=DIR")
                try:
                    block = resp.raw.read1(_BLOCK, decode_content=True)
                except urllib3.exceptions.ReadTimeoutError as err:
                    raise requests.exceptions.ReadTimeout(str(err)) from err
                except urllib3.exceptions.HTTPError as err:
                    raise requests.exceptions.ConnectionError(str(err)) from err
                if not block:
                    break
                out.write(block)
                received += len(block)
                if bar is not None:
                    bar.update(len(block))
        if bar is not None:
            bar.close()


def _progress_bar(length: str | None, progress: bool):  # noqa: ANN202
    """A tqdm progress bar (tqdm is a dependency) when asked for, else None."""
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=int(length) if length and length.isdigit() else None, unit="B",
                unit_scale=True, file=sys.stderr, leave=False)


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
    path = (inside(root, source.mirror_path, f"data/sources.yaml: {source.id}: mirror",
                   links=False) if root is not None else cached_path(source))
    if not path.is_file():
        return Check(source.id, path, "missing", source.sha256, None, None)
    actual = sha256_file(path, memo=False)
    size = path.stat().st_size
    if not source.pinned:
        return Check(source.id, path, "unpinned", None, actual, size)
    problem = pin_problem(source, path)
    if problem is not None:
        kind, expected, got = problem
        label = "" if kind == "sha256" else f"{kind} "
        return Check(source.id, path, "mismatch", label + expected, label + got, size)
    return Check(source.id, path, "ok", source.sha256 or f"git blob id {source.git_blob}",
                 actual, size)


def verify(ids: list[str] | None = None, root: Path | None = None) -> list[Check]:
    """Re-hash every (or the given) source under ``root`` (default: the cache)."""
    sources = [get_source(i) for i in ids] if ids else list(load_registry().values())
    return [check(s, root) for s in sources]
