"""The registry: data/sources.yaml parses, is complete, and malformed entries are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xpo1review.data import registry
from xpo1review.exceptions import DataError, UnknownSource

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
                *(f"oncodb-{c}" for c in ("CHOL", "COAD", "READ", "LIHC", "PAAD"))}
    assert expected | FULL_COHORTS == set(reg)
    assert reg["metagsca-COAD"].cohorts == ("COADREAD",)
    assert "CHOL" not in reg["gepia2"].cohorts
    assert reg["pdac-curated"].citation == "[@raphael2017pdac; @torrehealy2023pdacr]"


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
        ("sources:" + ENTRY.format(id="a", sha="null", cohort="CHOL") + "    git_blob: abc\n",
         r"\(a\): git_blob 'abc' must be 40 lowercase hex digits"),
        ("sources:" + ENTRY.format(id="a", sha="null", cohort="XXXX"), "unknown cohort"),
        ("sources:" + ENTRY.format(id="a", sha="null", cohort="CHOL") * 2, "duplicate"),
        ("sources:\n  - id: a\n    url: u\n", "missing field"),
        ("sources: {a: 1}\n", "top-level `sources:` list"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_malformed_registry_is_refused(tmp_path, body, message):
    with pytest.raises(DataError, match=message):
        registry.load_registry(_write(tmp_path, body))


def test_unknown_source_suggests_close_ids(reg):
    with pytest.raises(UnknownSource, match="firehose-CHOL"):
        registry.get_source("firehose-CHLO", reg)
