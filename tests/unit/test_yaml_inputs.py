"""Issue 20 §4: every YAML file the engine reads gives ``file:line: what is wrong``.

Aliases (a few lines can expand into billions of values), wrong types, bytes that are not
UTF-8, NUL bytes; the registry's types, mirror paths and citation keys in every YAML form;
the analyses' roles and cohort keys; ``_quarto.yml`` without ``book:``.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from reviewbuild import book
from reviewbuild.citations import gate
from reviewbuild.data import declared, registry
from reviewbuild.exceptions import DataError, ReviewBuildError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "data" / "sources.yaml").read_text(encoding="utf-8")
ANALYSES = (ROOT / "data" / "analyses.yaml").read_text(encoding="utf-8")

ENTRY = """\
  - id: {id}
    url: https://example.org/{id}
    sha256: {sha}
    format: txt
    licence: MIT
    cite: [k]
    description: d
    mirror: {mirror}
    cohorts: [CHOL]
"""
BOMB = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 10))


def _entry(sid: str = "a", mirror: str | None = None, **changes: str) -> str:
    text = ENTRY.format(id=sid, sha="ab" * 32, mirror=mirror or f"x/{sid}.txt")
    for key, value in changes.items():
        text = re.sub(rf"(?m)^(    |  - ){key}:.*$", lambda m, k=key, v=value: f"{m[1]}{k}: {v}",
                      text)
    return text


def _registry(tmp_path: Path, body: str | bytes) -> Path:
    path = tmp_path / "sources.yaml"
    if isinstance(body, str):
        body = body.encode("utf-8")
    path.write_bytes(body)
    return path


def _refused(tmp_path: Path, body: str | bytes) -> str:
    path = _registry(tmp_path, body)
    with pytest.raises(DataError) as info:
        registry.load_registry(path)
    return str(info.value).replace(str(path.resolve()), "sources.yaml")


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    start = time.monotonic()
    message = _refused(tmp_path, "x0: &x0 [lol]\n" + BOMB + "sources:\n" + _entry(
        cohorts="*x9"))
    assert time.monotonic() - start < 2
    assert message.startswith("sources.yaml:2: bad YAML in the data registry: an alias (*x0) "
                              "is not allowed")


@pytest.mark.parametrize(("line", "value", "message"), [
    ("cohorts", "5", "sources.yaml:10: entry 1 (a): cohorts must be a list of names, e.g. "
                     "`cohorts: [STAD, LIHC]`, not 5"),
    ("cohorts", "CHOL", "sources.yaml:10: entry 1 (a): cohorts must be a list of names"),
    ("cohorts", "[CHOL, 7]", "sources.yaml:10: entry 1 (a): cohorts must be a list of names"),
    ("cite", "2018", "sources.yaml:7: entry 1 (a): cite must be a list of names, e.g. "
                     "`cite: [liu2018cdr]`, not 2018"),
    ("cite", "[]", "sources.yaml:7: entry 1 (a): cite must be a list of names"),
    ("licence", "2018-01-01", "sources.yaml:6: entry 1 (a): licence must be text, not "
                              "datetime.date(2018, 1, 1) (date); quote it"),
    ("id", "12", "sources.yaml:2: entry 1: id must be text, not 12 (int); quote it"),
    ("url", "[https://example.org/a]", "sources.yaml:3: entry 1 (a): url must be text"),
    ("format", "txt\n    sizee: 3", "sources.yaml:2: entry 1 (a): unknown field(s) sizee"),
    ("format", "txt\n    size: -3", "sources.yaml:6: entry 1 (a): size must be a positive whole "
                                   "number of bytes"),
    ("format", "txt\n    size: 1.5e3", "sources.yaml:6: entry 1 (a): size must be a positive "
                                      "whole number"),
])
def test_a_value_of_the_wrong_type_is_refused_at_its_line(tmp_path, line, value, message):
    assert _refused(tmp_path, "sources:\n" + _entry(**{line: value})).startswith(message)


def test_a_flow_list_over_several_lines_is_read_whole(tmp_path):
    body = "sources:\n" + _entry(cohorts="[CHOL,\n      STAD]", cite="[\n      k, j]")
    src = registry.load_registry(_registry(tmp_path, body))["a"]
    assert (src.cohorts, src.cite) == (("CHOL", "STAD"), ("k", "j"))


@pytest.mark.parametrize(("body", "message"), [
    ("sources:\n" + _entry(description="caf\xe9"), "sources.yaml:8: byte 0xe9 is not UTF-8"),
    ("sources:\n" + _entry(description="a\x00b"), "sources.yaml:8: bad YAML in the data "
                                                  "registry: unacceptable character #x0000"),
])
def test_bytes_that_are_not_text_are_refused_at_their_line(tmp_path, body, message):
    assert _refused(tmp_path, body.encode("latin-1")).startswith(message)


@pytest.mark.parametrize(("body", "message"), [
    (_entry("a") + _entry("b", mirror="x/a.txt"),
     "sources.yaml:18: b: mirror 'x/a.txt' is the file (or a folder of the file) of a"),
    (_entry("a") + _entry("b", mirror="x/a.txt/b.txt"), "sources.yaml:18: b: mirror"),
    (_entry("a", mirror="x/b.txt/c") + _entry("b", mirror="x/b.txt"), "sources.yaml:18: b:"),
    (_entry("a", mirror="'.'"), "sources.yaml:9: entry 1 (a): mirror '.' must be a path inside"),
    (_entry("a", mirror="x/./a.txt"), "sources.yaml:9: entry 1 (a): mirror 'x/./a.txt'"),
    (_entry("a", mirror="x/"), "sources.yaml:9: entry 1 (a): mirror 'x/'"),
    (_entry("a", mirror=".verified/a.json"), "names starting with '.' are the cache's own"),
])
def test_mirror_paths_that_would_share_or_escape_a_file_are_refused(tmp_path, body, message):
    assert message in _refused(tmp_path, "sources:\n" + body)


def test_the_download_bound_comes_from_the_registry(tmp_path):
    body = "max_size: 5000\nsources:\n" + _entry("a") + _entry("b").replace(
        "    format: txt\n", "    format: txt\n    size: 805\n")
    reg = registry.load_registry(_registry(tmp_path, body))
    assert (reg["a"].size, reg["a"].max_bytes, reg["b"].size, reg["b"].max_bytes) == (
        None, 5000, 805, 805)
    default = registry.load_registry(_registry(tmp_path, "sources:\n" + _entry("a")))["a"]
    assert default.max_bytes == registry.DEFAULT_MAX_SIZE


def test_every_committed_pinned_source_declares_its_size():
    reg = registry.load_registry(ROOT / "data" / "sources.yaml")
    assert [s.id for s in reg.values() if s.sha256 and s.size is None] == []


# --- the citation gate reads every form of `cite:` ---------------------------------------
@pytest.fixture
def book_root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path


@pytest.mark.parametrize(("cite", "line"), [
    ("\n      - k\n      - nosuchkey", 9),
    ("[k,\n      nosuchkey]", 8),
    ("nosuchkey", 7),
    ("[k, nosuchkey]", 7),
])
def test_unknown_cite_keys_fail_the_gate_in_every_yaml_form(book_root, cite, line):
    (book_root / "data" / "sources.yaml").write_text("sources:\n" + _entry(cite=cite))
    assert gate.check_sources(book_root, {"k"}) == [
        f"data/sources.yaml:{line}: cite key 'nosuchkey' is not in the bibliography"]


def test_an_alias_in_the_citation_settings_is_refused(book_root):
    (book_root / "data" / "citations.yaml").write_text("a: &a [x]\nnocite: *a\n")
    with pytest.raises(ReviewBuildError, match=r"citations.yaml:2: bad YAML: .*alias \(\*a\)"):
        gate.load_settings(book_root)


# --- data/analyses.yaml ------------------------------------------------------------------
@pytest.fixture
def decl_root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "sources.yaml", tmp_path / "data" / "sources.yaml")
    return tmp_path


def _declare(root: Path, old: str, new: str) -> str:
    assert old in ANALYSES
    path = root / "data" / "analyses.yaml"
    path.write_text(ANALYSES.replace(old, new), encoding="utf-8")
    with pytest.raises(DataError) as info:
        declared.load(root)
    return str(info.value).replace(str(path.resolve()), "analyses.yaml")


def _line(text: str) -> int:
    return ANALYSES[:ANALYSES.index("\n" + text)].count("\n") + 2


def test_a_summary_table_cannot_serve_per_sample_survival(decl_root):
    message = _declare(decl_root, "  survival: [expression, paired-subset, curated-cohort]",
                       "  survival: [expression, paired-subset, curated-cohort, summary]")
    line = _line("  survival: [")
    assert message.startswith(f"analyses.yaml:{line}: analysis survival: "
                              "role(s) summary do not hold per-sample data")


@pytest.mark.parametrize("key", ["7", "~", "null", "2020-01-01", "'a b'"])
def test_a_cohort_key_that_is_not_a_name_is_refused_at_its_line(decl_root, key):
    message = _declare(decl_root, "  ESCA: {use: none,", f"  {key}: {{use: none,")
    assert message.startswith(f"analyses.yaml:{_line('  ESCA:')}: cohort ")
    assert "is not a cohort name" in message


def test_errors_in_a_cohort_name_its_line(decl_root):
    message = _declare(decl_root, "STAD: {use: metagsca-STAD}", "STAD: {use: metagsca-STDA}")
    assert message.startswith(f"analyses.yaml:{_line('  STAD:')}: cohort STAD, tumour-normal:")


def test_an_alias_in_the_declarations_is_refused(decl_root):
    message = _declare(decl_root, "  STAD: {use: metagsca-STAD}",
                       "  STAD: &s {use: metagsca-STAD}\n  X: *s")
    assert message.startswith(f"analyses.yaml:{_line('  STAD:') + 1}: bad YAML")


# --- _quarto.yml -------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("project:\n  type: book\n", r"_quarto.yml:1: no `book:` mapping; .*chapters"),
    ("book: [a]\n", r"_quarto.yml:1: no `book:` mapping"),
    ("- a\n", r"_quarto.yml:1: must be a YAML mapping"),
    ("a: &a [x]\nbook: {chapters: *a}\n", r"_quarto.yml:2: bad YAML .*alias"),
    ("book:\n  title: caf\xe9\n", r"_quarto.yml:2: byte 0xe9 is not UTF-8"),
])
def test_a_book_configuration_without_chapters_says_what_to_write(tmp_path, text, message):
    (tmp_path / "_quarto.yml").write_bytes(text.encode("latin-1"))
    with pytest.raises(ReviewBuildError, match=message):
        book.chapter_files(tmp_path)


def test_the_gate_names_the_declarations_relative_to_the_book(decl_root):
    from reviewbuild import check

    _declare(decl_root, "  ESCA: {use: none,", "  7: {use: none,")
    [problem] = check.run_checks(decl_root, ["data"])
    assert problem.startswith(f"[data] data/analyses.yaml:{_line('  ESCA:')}: cohort '7' is "
                              "not a cohort name")
