"""Curated files: schemas, line-accurate errors, citation keys, NCT ids in the chapters."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from reviewbuild.citations.bib import split_keys
from reviewbuild.exceptions import CuratedDataError
from xpo1review.trials import curated, curated_check, schemas

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tmp_root(tmp_path: Path) -> Path:
    """A copy of the project's data files (and no chapters) to break on purpose."""
    (tmp_path / "data").mkdir()
    (tmp_path / "chapters").mkdir()
    for name in [*schemas.CURATED_FILES.values(), "references.csv"]:
        shutil.copy(ROOT / "data" / name, tmp_path / "data" / name)
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")  # keys beyond the review's
    return tmp_path


def _edit_cell(root: Path, name: str, row: int, column: str, value: str) -> int:
    """Set one cell (0-based data row) in a copied file; return that row's line number."""
    path = root / "data" / schemas.CURATED_FILES[name]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)
    return row + 2


@pytest.mark.parametrize("name", list(schemas.SCHEMAS))
def test_curated_files_validate(name: str) -> None:
    frame = curated.load(name, ROOT)
    assert len(frame) > 0
    assert list(frame.columns) == list(schemas.SCHEMAS[name].columns)


def test_gate_is_clean_on_the_project() -> None:
    assert curated_check.check(ROOT) == []


BAD_CELLS = [
    ("trials", 3, "nct_id", "NCT123"),
    ("trials", 1, "gi_entity", "STOMACH"),
    ("trials", 2, "entities", "ESCA;LUNG"),
    ("trials", 4, "enrolment", "nine"),
    ("trials", 0, "status", "recruiting"),
    ("trials", 5, "refs", ""),
    ("compounds", 2, "binding", "sticky"),
    ("compounds", 1, "target_residue", "C528"),
    ("mutations", 0, "frequency_pct", "150"),
    ("mutations", 3, "position", "2000"),
    ("xpo1_features", 7, "start", "900"),  # start > end
    ("xpo1_features", 1, "start", "10"),  # start without end
    ("xpo1_features", 7, "position_refs", ""),  # a position without the source stating it
    ("xpo1_features", 6, "position_refs", "dong2009leucine"),  # a citation, no position
    ("xpo1_features", 10, "end", "1100"),  # range runs past the chain's last residue
    ("xpo1_features", 8, "start", "0"),  # before residue 1
]


@pytest.mark.parametrize(("name", "row", "column", "value"), BAD_CELLS)
def test_schema_rejects_malformed_row_naming_file_and_line(
        tmp_root: Path, name: str, row: int, column: str, value: str) -> None:
    line = _edit_cell(tmp_root, name, row, column, value)
    where = f"data/{schemas.CURATED_FILES[name]}:{line}"
    with pytest.raises(CuratedDataError, match=where):
        curated.load(name, tmp_root)
    problems = curated_check.check(tmp_root)
    assert any(p.startswith(f"{where}:") for p in problems), problems


def test_feature_outside_a_shortened_chain_names_the_feature_line(tmp_root: Path) -> None:
    _edit_cell(tmp_root, "xpo1_features", 0, "end", "700")  # chain now ends before R749
    r749 = curated.read_raw(tmp_root / "data" / "xpo1_features.csv")
    line = int(r749.index[r749["feature_id"] == "r749"][0]) + 2
    with pytest.raises(CuratedDataError, match=rf"xpo1_features.csv:{line}: .*outside the "
                                               "chain"):
        curated.load("xpo1_features", tmp_root)


def test_unknown_position_citation_key_is_reported(tmp_root: Path) -> None:
    line = _edit_cell(tmp_root, "xpo1_features", 7, "position_refs", "nobody2099made")
    problems = curated_check.check(tmp_root)
    assert any(p.startswith(f"data/xpo1_features.csv:{line}: position_refs") and
               "nobody2099made" in p for p in problems), problems


def test_duplicate_nct_id_is_rejected(tmp_root: Path) -> None:
    first = curated.load("trials", tmp_root)["nct_id"].iloc[0]
    line = _edit_cell(tmp_root, "trials", 1, "nct_id", first)
    with pytest.raises(CuratedDataError, match=f"data/trials.csv:{line}"):
        curated.load("trials", tmp_root)


def test_a_file_is_validated_once_until_it_changes(tmp_root: Path, monkeypatch) -> None:
    calls: list[str] = []
    real = curated.validate
    monkeypatch.setattr(curated, "validate", lambda *a: calls.append(a[1]) or real(*a))
    first = curated.load("compounds", tmp_root)
    first.loc[0, "name"] = "changed by a caller"
    second = curated.load("compounds", tmp_root)
    assert calls == ["compounds"] and second.loc[0, "name"] != "changed by a caller"
    path = tmp_root / "data" / "compounds.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    curated.load("compounds", tmp_root)
    assert calls == ["compounds", "compounds"]


def test_line_numbers_follow_multiline_fields(tmp_root: Path) -> None:
    path = tmp_root / "data" / "trials.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "note"] = "first line\nsecond line"  # record 1 now spans lines 2-3
    frame.loc[1, "phase"] = "IV"
    frame.to_csv(path, index=False)
    with pytest.raises(CuratedDataError, match=r"data/trials.csv:4: column 'phase'"):
        curated.load("trials", tmp_root)


def test_unparsable_csv_names_the_file(tmp_root: Path) -> None:
    path = tmp_root / "data" / "compounds.csv"
    path.write_text(path.read_text() + "x,y,z,1,2,3,4,5,6,7,8,9,10,11,12,13\n")
    with pytest.raises(CuratedDataError, match="data/compounds.csv: not a valid CSV"):
        curated.load("compounds", tmp_root)
    assert any(p.startswith("data/compounds.csv:") for p in curated_check.check(tmp_root))


def test_missing_file_is_reported(tmp_root: Path) -> None:
    (tmp_root / "data" / "mutations.csv").unlink()
    with pytest.raises(CuratedDataError, match="mutations.csv: file not found"):
        curated.load("mutations", tmp_root)


def test_unknown_citation_key_is_reported(tmp_root: Path) -> None:
    line = _edit_cell(tmp_root, "compounds", 0, "refs", "kudo1999leptomycin;nobody2099made")
    problems = curated_check.check(tmp_root)
    assert any(p.startswith(f"data/compounds.csv:{line}:") and "nobody2099made" in p
               for p in problems), problems


def test_nct_in_chapter_but_not_in_trials_csv_is_reported(tmp_root: Path) -> None:
    chapter = tmp_root / "chapters" / "99-test.qmd"
    chapter.write_text("# Test\n\nA trial NCT00000001 is discussed here.\n")
    assert "chapters/99-test.qmd:3: NCT00000001 is not in data/trials.csv" in \
        " ".join(curated_check.check(tmp_root))


def test_every_refs_key_exists_in_the_bibliography() -> None:
    keys = curated_check.known_keys(ROOT)
    refs_csv = set(pd.read_csv(ROOT / "data" / "references.csv", dtype=str)["key"])
    assert refs_csv <= keys
    for name in schemas.SCHEMAS:
        for value in curated.load(name, ROOT)["refs"]:
            cited = split_keys(value)
            assert cited, f"{name}: a row without refs"
            assert set(cited) <= keys, f"{name}: unknown keys {set(cited) - keys}"


def test_bib_keys_are_read_when_the_bib_exists(tmp_root: Path) -> None:
    (tmp_root / "references.bib").write_text("@article{extra2020key,\n  title={x}\n}\n")
    assert "extra2020key" in curated_check.known_keys(tmp_root)


def test_chapters_and_trials_csv_name_the_same_trials() -> None:
    mentioned = {nct for _, _, nct in curated_check.chapter_nct_mentions(ROOT)}
    curated_ids = set(curated.trials(ROOT)["nct_id"])
    assert mentioned, "no NCT id found in the chapters"
    assert mentioned - curated_ids == set(), "NCT ids in chapters but not in data/trials.csv"
    assert curated_ids - mentioned == set(), "curated trials that no chapter mentions"


def test_trials_csv_names_every_nct_id_of_the_source_review() -> None:
    seed = ROOT.parent / "shared" / "seeds" / "000_8a170167bfddcf10.txt"
    if not seed.is_file():
        pytest.skip(f"SOURCE REVIEW TEXT NOT FOUND at {seed} (SKIPPED, NOT PASSED)")
    in_review = set(schemas.NCT_PATTERN.findall(seed.read_text(encoding="utf-8")))
    assert in_review == set(curated.trials(ROOT)["nct_id"])


def test_trials_for_entity_filters_on_entities_column() -> None:
    frame = curated.trials(ROOT)
    for entity in schemas.ENTITIES:
        expected = {n for n, e in zip(frame["nct_id"], frame["entities"], strict=True)
                    if entity in e.split(";")}
        assert set(curated.trials_for(entity, ROOT)["nct_id"]) == expected
    with pytest.raises(CuratedDataError, match="unknown entity"):
        curated.trials_for("LUNG", ROOT)


def test_gi_entity_is_consistent_with_entities() -> None:
    frame = curated.trials(ROOT)
    for gi, entities in zip(frame["gi_entity"], frame["entities"], strict=True):
        parts = entities.split(";")
        assert (gi == "multiple") == (len(parts) > 1)
        if gi != "multiple":
            assert parts == [gi]


def test_gi_entity_disagreeing_with_entities_is_rejected(tmp_root: Path) -> None:
    frame = curated.trials(tmp_root)
    row = int(frame.index[frame["gi_entity"] == "multiple"][0])
    line = _edit_cell(tmp_root, "trials", row, "gi_entity", "ESCA")
    with pytest.raises(CuratedDataError, match=f"data/trials.csv:{line}"):
        curated.load("trials", tmp_root)


# --- provenance: each row's source_lines really say what the row records ---------------
@pytest.fixture(scope="module")
def review_lines() -> list[str]:
    seed = ROOT.parent / "shared" / "seeds" / "000_8a170167bfddcf10.txt"
    if not seed.is_file():
        pytest.skip(f"SOURCE REVIEW TEXT NOT FOUND at {seed} (SKIPPED, NOT PASSED)")
    return seed.read_text(encoding="utf-8").splitlines()


def _lines(review: list[str], value: str) -> list[str]:
    return [review[int(n) - 1] for n in value.split(";")]


def test_trial_source_lines_name_the_trial(review_lines: list[str]) -> None:
    for row in curated.trials(ROOT).itertuples():
        for text in _lines(review_lines, row.source_lines):
            assert row.nct_id in text, f"{row.nct_id}: not on one of lines {row.source_lines}"


def test_compound_source_lines_name_the_compound(review_lines: list[str]) -> None:
    for row in curated.compounds(ROOT).itertuples():
        names = [row.name, row.code] if isinstance(row.code, str) else [row.name]
        texts = " ".join(_lines(review_lines, row.source_lines)).lower()
        assert any(n.lower() in texts for n in names), f"{row.name}: not on {row.source_lines}"


def test_mutation_source_lines_name_the_residue(review_lines: list[str]) -> None:
    for row in curated.mutations(ROOT).itertuples():
        token = row.residue if isinstance(row.residue, str) else "missense"
        for text in _lines(review_lines, row.source_lines):
            assert token in text, f"{row.alteration}/{row.entity}: {token} not on a source line"
        texts = " ".join(_lines(review_lines, row.source_lines))
        if pd.notna(row.frequency_pct):
            assert f"{row.entity} ({row.frequency_pct:g}%)" in texts
        if pd.notna(row.cohort_patients):
            assert f"{int(row.cohort_patients):,}" in texts and str(row.cohort_entities) in texts


def test_feature_positions_are_stated_on_their_source_lines(review_lines: list[str]) -> None:
    """A position cited to the review's own references must be printed on its source line;
    one cited to another source (a database release, a structure paper) is checked there,
    as is a feature the review does not state at all (K568, Fung et al. 2017)."""
    from xpo1review.figures.protein import NOT_IN_REVIEW

    frame = curated.features(ROOT)
    for row in frame[frame["start"].notna()].itertuples():
        if row.statement_as_stated.startswith(NOT_IN_REVIEW):
            assert "sokolova2025prognostic" not in row.refs, row.feature_id
            continue
        if not set(split_keys(row.position_refs)) <= set(split_keys(row.refs)):
            continue
        texts = " ".join(_lines(review_lines, row.source_lines))
        assert str(int(row.end)) in texts, f"{row.feature_id}: {row.end} not on a source line"


# --- issue 20: every bad curated value is a clear error ----------------------------------
def test_a_semicolon_separated_file_is_named_as_such(tmp_root: Path) -> None:
    path = tmp_root / "data" / "trials.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.to_csv(path, index=False, sep=";")
    with pytest.raises(CuratedDataError, match=r"data/trials.csv:1: fields are separated by "
                                               r"';', not commas"):
        curated.load("trials", tmp_root)
    assert curated_check.check(tmp_root) == [
        "data/trials.csv:1: fields are separated by ';', not commas: save the file as "
        "comma-separated CSV"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.drop(columns=["drugs"]), r"data/trials.csv:1: column\(s\) drugs missing "
                                          r"\(data/README-curated.md lists them; the header "
                                          r"must be: nct_id,drugs,"),
    (lambda f: f.rename(columns={"drugs": "drug"}), r"data/trials.csv:1: column\(s\) drugs "
                                                    r"missing; unknown column\(s\) drug"),
    (lambda f: f[[f.columns[1], f.columns[0], *f.columns[2:]]],
     r"data/trials.csv:1: the columns are in another order"),
])
def test_a_wrong_header_is_one_plain_message_with_the_line(tmp_root: Path, change,
                                                           message) -> None:
    path = tmp_root / "data" / "trials.csv"
    change(pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    problems = curated_check.check(tmp_root)
    assert len(problems) == 1 and re.match(message, problems[0]), problems
    assert "pandera" not in problems[0] and "SchemaError" not in problems[0]


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+cmd", "-2+3", "@SUM(A1)",
                                   "plain\ttab", "carriage\rreturn"])
def test_text_a_spreadsheet_would_run_is_refused(tmp_root: Path, value: str) -> None:
    path = tmp_root / "data" / "trials.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[2, "note"] = value
    frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # a carriage return stays in a cell
    line = 4
    with pytest.raises(CuratedDataError, match=rf"data/trials.csv:{line}: column 'note': .* "
                                               "would run as a formula"):
        curated.load("trials", tmp_root)
    assert any(p.startswith(f"data/trials.csv:{line}: column 'note'")
               for p in curated_check.check(tmp_root))


def test_a_negative_number_is_not_a_formula(tmp_root: Path) -> None:
    _edit_cell(tmp_root, "trials", 2, "note", "-3.5")
    assert curated.load("trials", tmp_root).loc[2, "note"] == "-3.5"


@pytest.mark.parametrize("name", ["trials.csv", "references.csv"])
def test_a_byte_that_is_not_utf8_names_the_file_and_line(tmp_root: Path, name: str) -> None:
    path = tmp_root / "data" / name
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b",caf\xe9 ", 1)
    path.write_bytes(b"\n".join(lines))
    assert curated_check.check(tmp_root)[0].startswith(
        f"data/{name}:4: byte 0xe9 is not UTF-8")


def test_a_chapter_that_is_not_utf8_is_a_problem_not_a_traceback(tmp_root: Path) -> None:
    (tmp_root / "chapters" / "99-test.qmd").write_bytes(b"# Test\n\nCaf\xe9 NCT00000001.\n")
    assert curated_check.check(tmp_root) == [
        "chapters/99-test.qmd:3: not valid UTF-8 (save the file as UTF-8)"]


def test_nct_ids_in_code_are_not_mentions(tmp_root: Path) -> None:
    (tmp_root / "chapters" / "99-test.qmd").write_text(
        "# Test\n\n```{python}\nx = 'NCT00000001'\n```\n\nSee NCT00000002 and `NCT00000003`.\n")
    assert curated_check.chapter_nct_mentions(tmp_root) == [
        ("chapters/99-test.qmd", 7, "NCT00000002")]


def test_a_byte_order_mark_from_a_spreadsheet_is_not_a_column_name(tmp_root: Path) -> None:
    path = tmp_root / "data" / "trials.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert list(curated.load("trials", tmp_root).columns)[0] == "nct_id"


def test_a_nul_byte_names_its_line(tmp_root: Path) -> None:
    path = tmp_root / "data" / "compounds.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\x00"
    path.write_bytes(b"\n".join(lines))
    assert curated_check.check(tmp_root) == [
        "data/compounds.csv:3: contains a NUL character (remove it)"]
