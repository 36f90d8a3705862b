"""Fetching: verified, atomic, from a mirror or over HTTP (local only), with clear errors.

Every test runs against a throw-away project (XPO1REVIEW_ROOT) whose sources.yaml
registers small files in a throw-away mirror; nothing leaves this machine.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from xpo1review.data import commands, fetch
from xpo1review.exceptions import ChecksumMismatch, SourceUnavailable, UnknownSource

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
    monkeypatch.setenv("XPO1REVIEW_ROOT", str(root))
    monkeypatch.setenv("XPO1REVIEW_MIRROR", str(mirror))
    monkeypatch.setenv("XPO1REVIEW_CACHE", str(cache))
    return {"root": root, "mirror": mirror, "cache": cache}


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.name.endswith(".part") or ".staging-" in str(p)]


def test_mirror_copy_is_verified_into_the_cache(project):
    path = fetch.fetch("good")
    assert path == project["cache"] / "x" / "good.txt"
    assert path.read_bytes() == GOOD


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
    monkeypatch.setenv("XPO1REVIEW_MIRROR", str(project["mirror"] / "nope"))
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
    monkeypatch.delenv("XPO1REVIEW_MIRROR")
    set_url(project, f"http://127.0.0.1:{free_port()}/x/good.txt")
    start = time.monotonic()
    with pytest.raises(SourceUnavailable, match="download .* failed"):
        fetch.fetch("good")
    assert time.monotonic() - start < 10
    assert not (project["cache"] / "x" / "good.txt").exists()
    assert leftovers(project["cache"]) == []


def test_network_timeout_is_set_and_reported(project, monkeypatch):
    monkeypatch.delenv("XPO1REVIEW_MIRROR")
    monkeypatch.setenv("XPO1REVIEW_TIMEOUT", "0.5")
    seen = {}

    def hang(url, **kwargs):
        seen.update(kwargs)
        raise requests.exceptions.ConnectTimeout("simulated: no route")

    monkeypatch.setattr(requests, "get", hang)
    with pytest.raises(SourceUnavailable, match="ConnectTimeout"):
        fetch.fetch("good")
    assert seen["timeout"] == 0.5


@pytest.fixture
def server(tmp_path):
    """A local HTTP server serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_verifies_the_hash(project, server, monkeypatch):
    monkeypatch.delenv("XPO1REVIEW_MIRROR")
    www, base = server
    set_url(project, f"{base}/good.txt")
    (www / "good.txt").write_bytes(GOOD)
    assert fetch.fetch("good", progress=True).read_bytes() == GOOD


def test_download_of_a_wrong_file_is_refused(project, server, monkeypatch):
    monkeypatch.delenv("XPO1REVIEW_MIRROR")
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
    states = {c.source_id: c.state for c in fetch.verify()}
    assert states == {"good": "ok", "other": "missing", "loose": "missing"}
    (project["cache"] / "x" / "good.txt").write_bytes(GOOD[:10])
    assert fetch.verify(["good"])[0].state == "mismatch"


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
