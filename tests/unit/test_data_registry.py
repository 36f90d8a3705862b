"""The registry: data/sources.yaml parses, is complete, and malformed entries are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbuild.data import registry
from reviewbuild.exceptions import DataError, UnknownSource

ROOT = Path(__file__).resolve().parents[2]
FULL_COHORTS = {f"firehose-{c}" for c in ("ESCA", "STAD", "LIHC", "PAAD", "COADREAD")}


@pytest.fixture
def reg():
    return registry.load_registry(ROOT / "data" / "sources.yaml")


def test_every_source_is_described(reg):
    for src in reg.values():
        assert re.search(r"/[0-9a-f]{40}/", src.url), f"{src.id}: url not pinned to a commit"
        assert src.cite and all(re.fullmatch(r"[a-z0-9]+", k) for k in src.cite), src.id
        assert src.licence and src.description and src.format, src.id
        assert not Path(src.mirror_path).is_absolute(), src.id


def test_every_source_is_pinned(reg):
    assert [s.id for s in reg.values() if not s.pinned] == []
    assert reg["tcga-cdr"].sha256 == (
        "f9324865e3b9e1f034a26eeebd87b7cc45e2f1a271ff5dceb5d9cde5e47f95ed")


def test_full_cohorts_are_pinned_by_git_blob_at_the_pinned_commit(reg):
    """Issue 11: the blob ids of data/<C>.rnaseq.20160128.rda at RTCGA commit a27dfdb."""
    assert {sid: reg[sid].git_blob for sid in FULL_COHORTS} == {
        "firehose-STAD": "b84964bda0883e1c5f21f908121ffa9e1c852cb4",
        "firehose-ESCA": "b07863e8ccb1cea249d7079a2429f66f9b1b3405",
        "firehose-LIHC": "f698e8b50513a6242d1a421a8cc234e3f4440e33",
        "firehose-PAAD": "a22470a4d17b722068c7832b7244ca2f791282d2",
        "firehose-COADREAD": "79667d79d21dfa1986d69bb489bb9af8e75480c1",
    }
    for sid in FULL_COHORTS:
        assert "/a27dfdb25a025aa4e3fb92bd311808300f0033e0/" in reg[sid].url, sid
        assert reg[sid].sha256 is None, f"{sid}: its sha256 is recorded, not committed"


def test_expected_sources_and_cohorts(reg):
    expected = {"tcga-cdr", "firehose-CHOL", "gepia2", "pdac-curated", "oncodb-README",
                *(f"metagsca-{c}" for c in ("COAD", "LIHC", "STAD")),
                *(f"oncodb-{c}" for c in ("CHOL", "COAD", "READ", "LIHC", "PAAD")),
                "oncolnc-LICENSE",
                *(f"oncolnc-{s}-{part}" for s in ("STAD", "ESCA", "LIHC", "COAD", "READ", "PAAD")
                  for part in ("cox", "samples", "follow-up", "patient"))}
    assert expected | FULL_COHORTS == set(reg)
    assert reg["oncolnc-READ-cox"].cohorts == ("COADREAD",)
    assert not any(s.id.startswith("oncolnc-") and "CHOL" in s.cohorts for s in reg.values())
    assert reg["metagsca-COAD"].cohorts == ("COADREAD",)
    assert "CHOL" not in reg["gepia2"].cohorts
    assert reg["pdac-curated"].citation == (
        "[@jacobs2026shrinkagetrees; @torrehealy2023pdacr; @raphael2017pdac]")


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(body)
    return path


ENTRY = """
  - id: {id}
    url: https://example.org/x
    sha256: {sha}
    format: txt
    licence: MIT
    cite: [k]
    description: d
    mirror: x/{id}.txt
    cohorts: [{cohort}]
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("sources:" + ENTRY.format(id="a", sha="abc", cohort="CHOL"), "64 lowercase hex"),
        ("sources:" + ENTRY.format(id="a", sha="unpinned", cohort="CHOL") + "    git_blob: abc\n",
         r"\(a\): git_blob 'abc' must be 40 lowercase hex digits"),
        ("sources:" + ENTRY.format(id="a", sha="unpinned", cohort="'no name'"), "are not names"),
        ("sources:" + ENTRY.format(id="a", sha="unpinned", cohort="CHOL") * 2, "duplicate"),
        ("sources:\n  - id: a\n    url: u\n", "missing field"),
        ("sources: {a: 1}\n", "top-level `sources:` list"),
        ("sources: [\n", r"sources.yaml:2: bad YAML"),
    ],
)
def test_malformed_registry_is_refused(tmp_path, body, message):
    with pytest.raises(DataError, match=message):
        registry.load_registry(_write(tmp_path, body))


GOOD_SHA = "ab" * 32


def _one(**changes: str) -> str:
    """A one-entry registry (source `a`) with some lines replaced, e.g. mirror='../x'."""
    body = "sources:" + ENTRY.format(id="a", sha=GOOD_SHA, cohort="CHOL")
    for key, value in changes.items():
        body = re.sub(rf"(?m)^(    |  - ){key}:.*$",
                      lambda m, k=key, v=value: f"{m[1]}{k}:{v}", body)
    return body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sha256": ""}, r"\(a\): sha256 is empty; .*`sha256: unpinned`"),
        ({"sha256": " null"}, r"\(a\): sha256 is empty"),
        ({"sha256": " ~"}, r"\(a\): sha256 is empty"),
        ({"sha256": " ''"}, r"\(a\): sha256 is empty"),
        ({"sha256": " " + "A" * 64}, r"\(a\): sha256 'A+' is not 64 lowercase hex"),
        ({"mirror": " ../precious.txt"}, r"\(a\): mirror '../precious.txt' .*contains '..'"),
        ({"mirror": " x/../../precious.txt"}, r"\(a\): mirror .*contains '..'"),
        ({"mirror": " /etc/passwd"}, r"\(a\): mirror '/etc/passwd' .*absolute"),
        ({"mirror": " 'C:\\x.txt'"}, r"\(a\): mirror .*forward slashes"),
        ({"mirror": " ''"}, r"\(a\): mirror '' .*empty"),
        ({"id": " ../../evil"}, r"entry 1: id '../../evil' must be letters"),
        ({"id": " a/b"}, r"entry 1: id 'a/b' must be letters"),
        ({"url": " htps//example.org/x"}, r"\(a\): url 'htps//example.org/x' is malformed"),
        ({"url": " file:///etc/passwd"}, r"\(a\): url .* is malformed .*not an http"),
        ({"url": " http://127.0.0.1:99999/x"}, r"\(a\): url .* is malformed .*[Pp]ort"),
        ({"url": " 'http://exa mple.org/x'"}, r"\(a\): url .* is malformed .*white space"),
        ({"url": " 'https://[::1/x'"}, r"\(a\): url .* is malformed .*IPv6"),
    ],
)
def test_unsafe_or_unpinning_entries_are_refused_naming_the_entry(tmp_path, changes, message):
    with pytest.raises(DataError, match=message):
        registry.load_registry(_write(tmp_path, _one(**changes)))


def test_unpinned_must_be_explicit(tmp_path):
    reg = registry.load_registry(_write(tmp_path, _one(sha256=" unpinned")))
    assert reg["a"].sha256 is None and not reg["a"].pinned
    assert registry.load_registry(_write(tmp_path, _one()))["a"].pinned


def test_unknown_source_suggests_close_ids(reg):
    with pytest.raises(UnknownSource, match="firehose-CHOL"):
        registry.get_source("firehose-CHLO", reg)
