"""references.bib parsing (bibtexparser v2), DOI and field helpers."""

from __future__ import annotations

import pytest

from reviewbuild.citations.bib import (
    first_author_family,
    format_entry,
    is_valid_doi,
    missing_fields,
    normalise_doi,
    parse_bib_string,
    split_authors,
)

GOOD = """% comment
@article{a2020x,
  author  = {M{\\"u}ller, A. and Smith, B. and others},
  title   = {{XPO1 in {GI} cancer}},
  journal = {J Test},
  year    = {2020},
  doi     = {10.1000/abc.1},
}
"""


def test_parse_entries_with_lines():
    bib = parse_bib_string(GOOD)
    assert bib.problems == []
    (entry,) = bib.entries
    assert (entry.key, entry.entry_type, entry.line) == ("a2020x", "article", 2)
    assert entry.doi == "10.1000/abc.1"


def test_duplicate_key_reported_with_both_lines():
    bib = parse_bib_string(GOOD + "\n@misc{a2020x, title={T}, year={2021}}\n")
    assert len(bib.problems) == 1
    problem = bib.problems[0]
    assert problem.line == 10 and "duplicate key 'a2020x'" in problem.message
    assert "line 2" in problem.message


def test_unparsable_block_reported_with_its_line():
    text = GOOD + "\n@article{broken, title = {unclosed\n\n@misc{ok, title={T}, year={2020}}\n"
    bib = parse_bib_string(text)
    assert [p.line for p in bib.problems] == [10]
    assert "unparsable" in bib.problems[0].message
    assert [e.key for e in bib.entries] == ["a2020x", "ok"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://doi.org/10.1038/36894", "10.1038/36894"),
        ("http://dx.doi.org/10.1038/36894.", "10.1038/36894"),
        ("doi: 10.3390/cells7110221.", "10.3390/cells7110221"),
        (" 10.1016/S0092-8674(00)80370-0 ", "10.1016/S0092-8674(00)80370-0"),
    ],
)
def test_normalise_doi(raw, expected):
    assert normalise_doi(raw) == expected
    assert is_valid_doi(expected)


@pytest.mark.parametrize(
    "bad",
    ["https://doi.org/10.1038/36894", "10.1038/36894.", "doi:10.1038/36894", "1038/36894",
     "10.12/x", "10.1038/ 36894", ""],
)
def test_malformed_dois(bad):
    assert not is_valid_doi(bad)


def test_required_fields_by_type():
    bib = parse_bib_string("@article{x, title={T}, year={2000}}\n@misc{y, year={2000}}\n"
                           "@book{z, editor={E}, title={T}, publisher={P}, year={1}}\n"
                           "@online{w, title={T}, year={2000}, url={}}")
    found = {e.key: missing_fields(e) for e in bib.entries}
    assert found == {"x": ["author", "journal"], "y": ["title"], "z": [], "w": ["url"]}


def test_authors_and_first_family():
    assert split_authors("A, B. and {Barnes and Noble} and C, D.") == [
        "A, B.", "{Barnes and Noble}", "C, D."]
    entry = parse_bib_string(GOOD).entries[0]
    assert first_author_family(entry) == 'M\\"uller'
    corporate = parse_bib_string("@misc{c, author={{Cancer Genome Atlas}}, title={T}, year={1}}")
    assert first_author_family(corporate.entries[0]) is None


def test_format_entry_round_trips():
    text = format_entry("article", "k1", {"author": "A, B.", "title": "{T}", "year": "2001"})
    entry = parse_bib_string(text).entries[0]
    assert entry.fields == {"author": "A, B.", "title": "{T}", "year": "2001"}
