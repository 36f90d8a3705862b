"""Downloading a source with pooch and requests, within network limits.

Limits, in seconds: ``REVIEWBUILD_CONNECT_TIMEOUT`` (default 5) to connect,
``REVIEWBUILD_TIMEOUT`` (default 15) for a server to send anything, ``REVIEWBUILD_DEADLINE``
(default 900) for a whole file. A download stops at the most bytes the registry allows
(:attr:`Source.max_bytes`: its declared ``size``, else the registry's ``max_size``), counted
after any Content-Encoding is decoded. Redirects are followed to http(s) URLs only. A failed
request becomes a clear error (malformed url, redirect, silent server, size, deadline or
network).
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit

from reviewbuild.data.pins import install
from reviewbuild.data.registry import Source
from reviewbuild.exceptions import (
    DataError,
    DeadlineExceeded,
    DownloadTooLarge,
    NetworkTimeout,
    SourceUnavailable,
)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 15.0
DEFAULT_DEADLINE = 900.0
_BLOCK = 1 << 16
_MAX_REDIRECTS = 10


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not (seconds > 0 and math.isfinite(seconds)):
        raise DataError(f"{name}={value!r} is not a positive, finite number of seconds "
                        f"(e.g. {name}={default:g}, the default)")
    return seconds


def timeout() -> float:
    """Seconds a server may stay silent (``REVIEWBUILD_TIMEOUT``)."""
    return _seconds("REVIEWBUILD_TIMEOUT", DEFAULT_TIMEOUT)


def connect_timeout() -> float:
    """Seconds to establish a connection (``REVIEWBUILD_CONNECT_TIMEOUT``)."""
    return _seconds("REVIEWBUILD_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)


def deadline() -> float:
    """Seconds one file's download may take in all (``REVIEWBUILD_DEADLINE``)."""
    return _seconds("REVIEWBUILD_DEADLINE", DEFAULT_DEADLINE)


def download(src: Source, target: Path, progress: bool) -> None:
    """Download ``src``'s url into a staging folder beside ``target`` and install it."""
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
        install(Path(got), target, src, src.url)
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
            "(REVIEWBUILD_CONNECT_TIMEOUT). Check the network, or set REVIEWBUILD_MIRROR=DIR "
            "to use an offline mirror")
    if isinstance(err, requests.exceptions.Timeout):
        return NetworkTimeout(
            f"{src.id}: {host} accepted the connection but sent nothing for {timeout():g} s "
            "(REVIEWBUILD_TIMEOUT). Try again later, or set REVIEWBUILD_MIRROR=DIR to use an "
            "offline mirror")
    return SourceUnavailable(
        f"{src.id}: download from {src.url} failed ({why}). Check the network, or set "
        "REVIEWBUILD_MIRROR=DIR to use an offline mirror")


def _http_get(url: str, output: str | IO[bytes], _pooch: object = None, *, src: Source,
              progress: bool = False) -> None:
    """A pooch downloader: requests with a connect timeout, a stall timeout (between any two
    bytes), a total deadline for the file (DeadlineExceeded when it is reached) and at most
    ``src.max_bytes`` bytes (DownloadTooLarge beyond)."""
    import requests
    import urllib3

    limit, start, received = deadline(), time.monotonic(), 0
    with _get(url, src) as resp:
        resp.raise_for_status()
        length = resp.headers.get("content-length")
        if length and length.isdigit() and int(length) > src.max_bytes:
            raise _too_large(src, url, int(length), "announces a body of", "")
        bar = _progress_bar(length, progress)
        with (open(output, "wb") if isinstance(output, str)  # noqa: SIM115
              else nullcontext(output)) as out:
            while True:
                if time.monotonic() - start > limit:
                    raise DeadlineExceeded(
                        f"{src.id}: the download from {url} did not finish within its "
                        f"deadline of {limit:g} s ({received:,} bytes received; "
                        "REVIEWBUILD_DEADLINE). Try again on a faster connection, raise "
                        "REVIEWBUILD_DEADLINE, or set REVIEWBUILD_MIRROR=DIR")
                try:
                    block = resp.raw.read1(_BLOCK, decode_content=True)
                except urllib3.exceptions.ReadTimeoutError as err:
                    raise requests.exceptions.ReadTimeout(str(err)) from err
                except urllib3.exceptions.HTTPError as err:
                    raise requests.exceptions.ConnectionError(str(err)) from err
                if not block:
                    break
                received += len(block)
                if received > src.max_bytes:
                    raise _too_large(src, url, received, "brought over",
                                     ", counted after any Content-Encoding is decoded")
                out.write(block)
                if bar is not None:
                    bar.update(len(block))
        if bar is not None:
            bar.close()


def _get(url: str, src: Source):  # noqa: ANN202 (a requests.Response)
    """``requests.get`` (streamed, with the timeouts), following redirects by hand so that
    only http(s) URLs are followed and a redirect elsewhere gets its own message."""
    import requests

    for _ in range(_MAX_REDIRECTS + 1):
        resp = requests.get(url, stream=True, timeout=(connect_timeout(), timeout()),
                            allow_redirects=False)
        if not resp.is_redirect:
            return resp
        target = urljoin(url, resp.headers["location"])
        resp.close()
        if urlsplit(target).scheme not in ("http", "https"):
            raise SourceUnavailable(
                f"{src.id}: the server redirected {url} to {target!r}, which is not an http(s) "
                "URL; downloads follow web redirects only. If the file has moved, register "
                "its new url in data/sources.yaml, or set REVIEWBUILD_MIRROR=DIR")
        url = target
    raise SourceUnavailable(f"{src.id}: {src.url} redirects more than {_MAX_REDIRECTS} times "
                            f"(last to {url}); register the file's final url in "
                            "data/sources.yaml, or set REVIEWBUILD_MIRROR=DIR")


def _too_large(src: Source, url: str, size: int, verb: str, how: str) -> DownloadTooLarge:
    """The server sends more than the registry allows for ``src``."""
    bound = (f"its declared size of {src.size:,} bytes (`size:` in data/sources.yaml)"
             if src.size else f"the registry's max_size of {src.max_bytes:,} bytes "
             "(data/sources.yaml)")
    return DownloadTooLarge(
        f"{src.id}: the download from {url} {verb} {size:,} bytes, more than {bound}{how}; "
        "stopped, nothing cached. The server "
        "is not sending the registered file (or sends a body that decompresses without end): "
        "check the url; if the file really is larger, declare its size in data/sources.yaml")


def _progress_bar(length: str | None, progress: bool):  # noqa: ANN202
    """A tqdm progress bar (tqdm is a dependency) when asked for, else None."""
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=int(length) if length and length.isdigit() else None, unit="B",
                unit_scale=True, file=sys.stderr, leave=False)
