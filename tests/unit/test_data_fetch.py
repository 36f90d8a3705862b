"""Fetching: verified, atomic, from a mirror or over HTTP (local only), with clear errors.

Every test runs against a throw-away project (REVIEWBUILD_ROOT) whose sources.yaml
registers small files in a throw-away mirror; nothing leaves this machine.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import http.server
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from reviewbuild import session
from reviewbuild.data import cachedir, commands, download, fetch, pins
from reviewbuild.exceptions import (
    CacheUnwritable,
    ChecksumMismatch,
    DataError,
    DeadlineExceeded,
    NetworkTimeout,
    SourceUnavailable,
    UnknownSource,
    UnsafePath,
)

GOOD = b"cohort\tvalue\nCHOL\t1.5\n" * 50
OTHER = b"something else entirely\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with sources `good` (pinned to GOOD), `other` (pinned), `loose` (unpinned)."""
    root, mirror, cache = tmp_path / "root", tmp_path / "mirror", tmp_path / "cache"
    (root / "data").mkdir(parents=True)
    (mirror / "x").mkdir(parents=True)
    (mirror / "x" / "good.txt").write_bytes(GOOD)
    (mirror / "x" / "other.txt").write_bytes(OTHER)
    (mirror / "x" / "loose.txt").write_bytes(b"unpinned\n")
    entries = [("good", sha(GOOD)), ("other", sha(OTHER)), ("loose", "unpinned")]
    body = "sources:\n" + "".join(
        f"  - id: {i}\n    url: http://127.0.0.1:9/x/{i}.txt\n    sha256: {h}\n"
        f"    format: txt\n    licence: MIT\n    cite: [k]\n    description: d\n"
        f"    mirror: x/{i}.txt\n    cohorts: [CHOL]\n"
        for i, h in entries
    )
    (root / "data" / "sources.yaml").write_text(body)
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(mirror))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(cache))
    return {"root": root, "mirror": mirror, "cache": cache}


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.name.endswith(".part") or ".staging-" in str(p)]


def test_mirror_copy_is_verified_into_the_cache(project):
    path = fetch.fetch("good")
    assert path == project["cache"] / "x" / "good.txt"
    assert path.read_bytes() == GOOD


def test_a_cached_file_is_readable_by_others(project, server, monkeypatch):
    """Issue 20, also: copies and downloads land in the cache 0644 (umask 022), not 0600."""
    from reviewbuild import atomic

    copied = fetch.fetch("good")
    assert copied.stat().st_mode & 0o777 == 0o666 & ~atomic.umask()
    copied.unlink()
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    www, base = server
    set_url(project, f"{base}/good.txt")
    (www / "good.txt").write_bytes(GOOD)
    for path in [fetch.fetch("good")]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~atomic.umask(), path


def test_hash_mismatch_is_refused_and_nothing_cached(project):
    (project["mirror"] / "x" / "good.txt").write_bytes(GOOD + b"tampered")
    with pytest.raises(ChecksumMismatch) as info:
        fetch.fetch("good")
    msg = str(info.value)
    assert sha(GOOD) in msg and sha(GOOD + b"tampered") in msg and "What to do" in msg
    assert "good.txt" in msg
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []


def test_truncated_file_is_refused(project):
    (project["mirror"] / "x" / "good.txt").write_bytes(GOOD[: len(GOOD) // 2])
    with pytest.raises(ChecksumMismatch, match="truncated"):
        fetch.fetch("good")


def test_wrong_file_under_the_right_name_is_refused(project):
    (project["mirror"] / "x" / "good.txt").write_bytes(OTHER)
    with pytest.raises(ChecksumMismatch) as info:
        fetch.fetch("good")
    assert info.value.actual == sha(OTHER) and info.value.expected == sha(GOOD)


def test_bad_mirror_file_never_replaces_a_good_cached_one(project):
    good = fetch.fetch("good")
    (project["mirror"] / "x" / "good.txt").write_bytes(OTHER)
    assert fetch.fetch("good").read_bytes() == GOOD
    assert good.read_bytes() == GOOD


def test_corrupt_cached_file_is_replaced_by_a_verified_copy(project):
    path = fetch.fetch("good")
    path.write_bytes(b"garbage")
    assert fetch.fetch("good").read_bytes() == GOOD


def test_missing_mirror_directory(project, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(project["mirror"] / "nope"))
    with pytest.raises(SourceUnavailable, match=r"mirror directory .*nope .*does not exist"):
        fetch.fetch("good")


def test_file_missing_from_mirror(project):
    (project["mirror"] / "x" / "good.txt").unlink()
    with pytest.raises(SourceUnavailable, match="not in the mirror"):
        fetch.fetch("good")


def test_unknown_source_id(project):
    with pytest.raises(UnknownSource, match="'nope'"):
        fetch.fetch("nope")


def test_unpinned_source_is_not_fetched_implicitly(project, capsys):
    with pytest.raises(SourceUnavailable, match="not pinned"):
        fetch.fetch("loose")
    path = fetch.fetch("loose", allow_unpinned=True)
    assert path.read_bytes() == b"unpinned\n"
    assert sha(b"unpinned\n") in capsys.readouterr().err
    assert fetch.fetch("loose") == path  # cached now: available


# --- network (local only) -------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_url(project, url: str) -> None:
    path = project["root"] / "data" / "sources.yaml"
    path.write_text(path.read_text().replace("http://127.0.0.1:9/x/good.txt", url))


def test_network_unreachable_is_a_clear_error(project, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    set_url(project, f"http://127.0.0.1:{free_port()}/x/good.txt")
    start = time.monotonic()
    with pytest.raises(SourceUnavailable, match="download .* failed"):
        fetch.fetch("good")
    assert time.monotonic() - start < 10
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []


def test_network_timeout_is_set_and_reported(project, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    monkeypatch.setenv("REVIEWBUILD_TIMEOUT", "0.5")
    seen = {}

    def hang(url, **kwargs):
        seen.update(kwargs)
        raise requests.exceptions.ConnectTimeout("simulated: no route")

    monkeypatch.setattr(requests, "get", hang)
    with pytest.raises(NetworkTimeout, match=r"did not accept a connection within 5 s"):
        fetch.fetch("good")
    assert seen["timeout"] == (download.DEFAULT_CONNECT_TIMEOUT, 0.5)


@contextlib.contextmanager
def serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 with ``handler``; its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(tmp_path):
    """A local HTTP server serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    with serving(functools.partial(Quiet, directory=str(www))) as base:
        yield www, base


def test_download_verifies_the_hash(project, server, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    www, base = server
    set_url(project, f"{base}/good.txt")
    (www / "good.txt").write_bytes(GOOD)
    assert fetch.fetch("good", progress=True).read_bytes() == GOOD


def test_a_download_is_the_fetcher_s_network_use_not_the_chapter_s(project, server,
                                                                     monkeypatch):
    """A chapter that reads a registered source may download it (the network check in
    reviewbuild.notebooks.runtime ignores the fetcher's connections)."""
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    www, base = server
    set_url(project, f"{base}/good.txt")
    (www / "good.txt").write_bytes(GOOD)
    during = []
    get = fetch.download
    monkeypatch.setattr(fetch, "download", lambda *a, **k: during.append(
        session.current().fetching) or get(*a, **k))
    fetch.fetch("good")
    assert during == [1] and session.current().fetching == 0


def test_download_of_a_wrong_file_is_refused(project, server, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    www, base = server
    set_url(project, f"{base}/good.txt")
    (www / "good.txt").write_bytes(GOOD[:-7])
    with pytest.raises(ChecksumMismatch, match=base):
        fetch.fetch("good")
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []


# --- verify and status ------------------------------------------------------------
def test_verify_rehashes_the_cache(project):
    fetch.fetch("good")
    states = {c.source_id: c.state for c in pins.verify()}
    assert states == {"good": "ok", "other": "missing", "loose": "missing"}
    (project["cache"] / "x" / "good.txt").write_bytes(GOOD[:10])
    assert pins.verify(["good"])[0].state == "mismatch"


def test_verify_command_fails_on_mismatch(project, capsys):
    fetch.fetch("good")
    (project["cache"] / "x" / "good.txt").write_bytes(OTHER)
    args = type("A", (), {"ids": [], "mirror": None})()
    assert commands.cmd_verify(args) == 1
    err = capsys.readouterr().err
    assert sha(GOOD) in err and sha(OTHER) in err and "data fetch good" in err


def test_status_rows(project):
    fetch.fetch("good")
    rows = {r["source"]: r for r in commands.status_rows()}
    assert (rows["good"]["pinned"], rows["good"]["cached"], rows["good"]["verified"]) == (
        "yes", "yes", "yes")
    assert rows["loose"]["pinned"] == "NO" and rows["other"]["cached"] == "no"
    assert "licence" in commands.format_table(list(rows.values())).splitlines()[0]


def test_cohort_names_expand_to_sources(project):
    assert commands.resolve_ids(["CHOL", "good"]) == ["good", "other", "loose"]


# --- paths from the registry stay inside the cache (issue 12, item 2) ----------------
def test_a_mirror_path_out_of_the_cache_is_refused_naming_the_entry(project, capsys):
    from reviewbuild.cli import main

    precious = project["cache"].parent / "precious.txt"
    precious.write_text("mine\n")
    path = project["root"] / "data" / "sources.yaml"
    path.write_text(path.read_text().replace("mirror: x/good.txt", "mirror: ../precious.txt"))
    with pytest.raises(DataError, match=r"entry 1 \(good\): mirror '../precious.txt'"):
        fetch.fetch("good")
    assert main(["data", "fetch"]) == 1
    assert "entry 1 (good): mirror '../precious.txt' must be a path inside" in (
        capsys.readouterr().err)
    assert precious.read_text() == "mine\n"


def test_a_symlink_in_the_cache_cannot_lead_a_fetch_outside(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project["cache"].mkdir()
    (project["cache"] / "x").symlink_to(outside)
    with pytest.raises(UnsafePath, match=r"good: mirror: path 'x/good.txt' .*symbolic link"):
        fetch.fetch("good")
    assert list(outside.iterdir()) == []


# --- debris of interrupted fetches (item 9) ----------------------------------------
def _plant_debris(cache: Path) -> list[Path]:
    folder = cache / "x"
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / ".good.txt.k3j9x.part"
    part.write_bytes(GOOD[:10])
    staging = folder / ".good.txt.staging-a1b2"
    staging.mkdir()
    (staging / "good.txt").write_bytes(GOOD[:5])
    legacy = folder / ".staging-zz99"  # the earlier naming, from a run long ago
    legacy.mkdir()
    old = time.time() - 2 * cachedir.STALE_AFTER
    os.utime(legacy, (old, old))
    recent = folder / ".staging-now1"  # may belong to a fetch running right now: kept
    recent.mkdir()
    return [part, staging, legacy, recent]


def test_leftovers_of_an_interrupted_fetch_are_removed_by_the_next(project):
    part, staging, legacy, recent = _plant_debris(project["cache"])
    assert fetch.fetch("good").read_bytes() == GOOD
    assert not part.exists() and not staging.exists() and not legacy.exists()
    assert recent.is_dir()


def test_leftovers_beside_a_good_cached_file_are_removed_too(project):
    fetch.fetch("good")
    part, staging, *_ = _plant_debris(project["cache"])
    assert fetch.fetch("good").read_bytes() == GOOD
    assert not part.exists() and not staging.exists()


def test_an_interrupted_copy_leaves_nothing(project, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copyfileobj", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch.fetch("good")
    assert leftovers(project["cache"]) == []


# --- unwritable or full disks (item 10) ----------------------------------------------
def _disk_fails(monkeypatch, code: int, only: str = "") -> None:
    real = shutil.copyfileobj

    def copy(inp, out, *args):
        if only in getattr(inp, "name", ""):
            raise OSError(code, os.strerror(code))
        return real(inp, out, *args)

    monkeypatch.setattr(shutil, "copyfileobj", copy)


def test_a_full_disk_is_reported_with_the_path_and_what_to_do(project, monkeypatch):
    _disk_fails(monkeypatch, errno.ENOSPC)
    with pytest.raises(CacheUnwritable) as info:
        fetch.fetch("good")
    msg = str(info.value)
    assert msg.startswith(f"cannot write {project['cache'] / 'x'} (No space left on device, "
                          "errno 28): the disk is full: free space on it, or set "
                          "REVIEWBUILD_CACHE")
    assert leftovers(project["cache"]) == []


def test_a_read_only_cache_is_reported_with_the_path(project, monkeypatch):
    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(CacheUnwritable, match=r"cannot write .*cache/x \(Read-only file system, "
                                              r"errno 30\): the file system is read-only"):
        fetch.fetch("good")


def test_fetch_continues_after_a_disk_error_and_sums_up(project, monkeypatch, capsys):
    from reviewbuild.cli import main

    _disk_fails(monkeypatch, errno.ENOSPC, only="good.txt")
    assert main(["data", "fetch", "good", "other"]) == 1
    out, err = capsys.readouterr()
    assert "FAILED  good: cannot write" in err and "ok      other" in out
    assert "1 of 2 source(s) in" in out
    assert "  fetched or already cached: other\n  FAILED: good\n  not attempted: none" in err
    assert not (project["cache"] / "x" / "good.txt").exists()


# --- a network that never answers (item 11) --------------------------------------------
@pytest.fixture
def silent_server():
    """127.0.0.1 server that accepts connections and never answers; stops within 20 s."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    stop, held = threading.Event(), []

    def serve() -> None:
        end = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < end:
            try:
                held.append(sock.accept()[0])
            except TimeoutError:
                continue
        for conn in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(5)
    sock.close()


@pytest.fixture
def trickle_server():
    """127.0.0.1 server that answers 200 and then sends one byte every 0.1 s (for 20 s)."""
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            end = time.monotonic() + 20
            for byte in GOOD:
                if time.monotonic() > end:
                    return
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

        def log_message(self, *args) -> None:
            pass

    with serving(Slow) as base:
        yield base


def test_a_server_that_never_answers_costs_one_short_timeout(project, silent_server,
                                                              monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    monkeypatch.setenv("REVIEWBUILD_TIMEOUT", "1")
    set_url(project, f"{silent_server}/x/good.txt")
    start = time.monotonic()
    with pytest.raises(NetworkTimeout) as info:
        fetch.fetch("good")
    assert time.monotonic() - start < 8
    assert str(info.value).startswith(f"good: {silent_server[7:]} accepted the connection but "
                                      "sent nothing for 1 s (REVIEWBUILD_TIMEOUT)")
    assert leftovers(project["cache"]) == []


def test_a_download_that_trickles_stops_at_its_deadline(project, trickle_server, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    monkeypatch.setenv("REVIEWBUILD_DEADLINE", "1")
    set_url(project, f"{trickle_server}/x/good.txt")
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"^good: the download from .* did not finish "
                                             r"within its deadline of 1 s"):
        fetch.fetch("good")
    assert time.monotonic() - start < 8
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []


def test_every_source_outcome_is_reported_when_the_host_is_silent(project, silent_server,
                                                                   monkeypatch, capsys):
    from reviewbuild.cli import main

    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    monkeypatch.setenv("REVIEWBUILD_TIMEOUT", "1")
    path = project["root"] / "data" / "sources.yaml"
    path.write_text(path.read_text().replace("http://127.0.0.1:9", silent_server))
    start = time.monotonic()
    assert main(["data", "fetch", "good", "other"]) == 1
    assert time.monotonic() - start < 8  # one timeout, not one per source
    out, err = capsys.readouterr()
    assert "FAILED  good: " in err
    assert f"SKIPPED other: not attempted, {silent_server[7:]} did not answer for good" in err
    assert "0 of 2 source(s) in" in out
    assert "  FAILED: good\n  not attempted: other" in err


def test_a_malformed_url_is_not_called_a_network_problem(project, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")

    def invalid(url, **kwargs):
        raise requests.exceptions.InvalidURL(f"Failed to parse: {url}")

    monkeypatch.setattr(requests, "get", invalid)
    with pytest.raises(DataError) as info:
        fetch.fetch("good")
    assert "is malformed" in str(info.value) and "network" not in str(info.value)
    assert not isinstance(info.value, SourceUnavailable)


# --- smaller (item 12) ----------------------------------------------------------------
def test_a_bad_mirror_file_is_not_advised_away_with_data_fetch(project, capsys):
    (project["mirror"] / "x" / "good.txt").write_bytes(OTHER)
    args = type("A", (), {"ids": ["good"], "mirror": str(project["mirror"])})()
    assert commands.cmd_verify(args) == 1
    err = capsys.readouterr().err
    assert "What to do: this mirror's copy is not the registered file. Replace it" in err
    assert "data fetch" not in err


def test_a_lower_case_cohort_gets_the_upper_case_suggestion(project):
    with pytest.raises(UnknownSource, match="did you mean CHOL?"):
        commands.resolve_ids(["chol"])


def test_a_wrongly_cased_id_suggests_the_right_one(project):
    with pytest.raises(UnknownSource, match=r"Did you mean: good\b"):
        fetch.fetch("GOOD")


_KILLED_WRITER = """
import shutil, time
from reviewbuild.data import fetch

def slow(inp, out, *args):
    out.write(inp.read(100))
    out.flush()
    time.sleep(30)  # killed here, mid-copy

shutil.copyfileobj = slow
fetch.fetch("good")
"""


def test_a_fetch_killed_mid_copy_is_cleaned_up_by_the_next(project):
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER])
    try:
        end = time.monotonic() + 30
        while not leftovers(project["cache"]) and time.monotonic() < end:
            time.sleep(0.05)
        assert leftovers(project["cache"]), "the writer never started"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert fetch.fetch("good").read_bytes() == GOOD
    assert leftovers(project["cache"]) == []


def test_a_mirror_made_of_symlinks_is_fine(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project["mirror"] / "x" / "good.txt").rename(elsewhere / "good.txt")
    (project["mirror"] / "x" / "good.txt").symlink_to(elsewhere / "good.txt")
    assert fetch.fetch("good").read_bytes() == GOOD
    assert pins.verify(["good"], project["mirror"])[0].state == "ok"


# --- issue 20: bounded downloads ---------------------------------------------------------
@pytest.fixture
def endless_server():
    """127.0.0.1: /endless sends zeros without end; /gzip a small gzip body that decodes to
    64 MiB (Content-Encoding: gzip); /to-file redirects to file:///etc/passwd."""
    import gzip

    bomb = gzip.compress(bytes(64 << 20), compresslevel=9)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/to-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
                return
            self.send_response(200)
            if self.path == "/gzip":
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.end_headers()
                self.wfile.write(bomb)
                return
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(bytes(1 << 16))
            except OSError:
                return

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        yield base


def _declare_size(project, text: str) -> None:
    path = project["root"] / "data" / "sources.yaml"
    body = path.read_text()
    path.write_text(body.replace("    format: txt\n", f"    format: txt\n{text}", 1))


@pytest.mark.parametrize(("path", "declared", "message"), [
    ("/endless", f"    size: {len(GOOD)}\n",
     rf"more than its declared size of {len(GOOD):,} bytes \(`size:` in data/sources.yaml\)"),
    ("/gzip", "", r"more than the registry's max_size of 1,000,000 bytes"),
    ("/endless", "", r"more than the registry's max_size of 1,000,000 bytes"),
])
def test_a_download_stops_at_the_bound_the_registry_sets(project, endless_server, monkeypatch,
                                                         path, declared, message):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    body = (project["root"] / "data" / "sources.yaml").read_text()
    (project["root"] / "data" / "sources.yaml").write_text("max_size: 1000000\n" + body)
    _declare_size(project, declared)
    set_url(project, f"{endless_server}{path}")
    start = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"^good: the download from .* " + message):
        fetch.fetch("good")
    assert time.monotonic() - start < 8
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []
    assert sum(p.stat().st_size for p in project["cache"].rglob("*") if p.is_file()) == 0


def test_a_mirror_file_larger_than_declared_is_refused_before_copying(project):
    _declare_size(project, "    size: 10\n")
    with pytest.raises(SourceUnavailable, match=rf"has {len(GOOD):,} bytes, more than the 10 "):
        fetch.fetch("good")


def test_a_redirect_to_a_file_url_is_named_as_such(project, endless_server, monkeypatch):
    monkeypatch.delenv("REVIEWBUILD_MIRROR")
    set_url(project, f"{endless_server}/to-file")
    with pytest.raises(SourceUnavailable) as info:
        fetch.fetch("good")
    assert str(info.value).startswith(f"good: the server redirected {endless_server}/to-file "
                                      "to 'file:///etc/passwd', which is not an http(s) URL")
    assert "malformed" not in str(info.value)


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "Infinity", "1e999"])
def test_a_deadline_that_is_not_a_finite_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("REVIEWBUILD_DEADLINE", value)
    with pytest.raises(DataError, match=r"REVIEWBUILD_DEADLINE=.* is not a positive, finite"):
        download.deadline()
