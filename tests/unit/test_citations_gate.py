"""The citation gate on small temporary books: every error class fires, clean books pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbuild.citations.gate import check

ARTICLE = """@article{{{key},
  author  = {{Doe, J.}},
  title   = {{{{A title}}}},
  journal = {{J Test}},
  year    = {{2020}},
  doi     = {{{doi}}},
}}
"""


def article(key: str, doi: str) -> str:
    return ARTICLE.format(key=key, doi=doi)


def make_book(tmp_path: Path, bib: str, chapter: str, *, quarto: str = "", settings: str = "",
              mapping: str | None = None) -> Path:
    (tmp_path / "chapters").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "_quarto.yml").write_text("project:\n  type: book\nbibliography: references.bib\n"
                                          + quarto)
    (tmp_path / "references.bib").write_text(bib)
    (tmp_path / "chapters" / "01-intro.qmd").write_text(chapter)
    if settings:
        (tmp_path / "data" / "citations.yaml").write_text(settings)
    if mapping is not None:
        (tmp_path / "data" / "references.csv").write_text(mapping)
    return tmp_path


CLEAN_BIB = article("a2020", "10.1000/a") + article("b2021", "10.1000/b")
CLEAN_TEXT = "# Intro {#sec-intro}\n\nText [@a2020; @b2021], see @sec-intro.\n"


def test_clean_book_passes(tmp_path):
    assert check(make_book(tmp_path, CLEAN_BIB, CLEAN_TEXT)) == []


def test_missing_key_names_file_and_line(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB, CLEAN_TEXT + "\nMore [@nothere2020].\n")
    assert check(root) == [
        "chapters/01-intro.qmd:5: citation key '@nothere2020' is not in references.bib"]


def test_uncited_entry(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB + article("c2022", "10.1000/c"), CLEAN_TEXT)
    (problem,) = check(root)
    assert problem.startswith("references.bib:15: entry 'c2022' is never cited")


@pytest.mark.parametrize(
    ("quarto", "settings"),
    [("", "nocite:\n  - c2022\n"), ('nocite: "@c2022"\n', ""), ("nocite: |\n  @*\n", "")],
)
def test_nocite_exempts_uncited_entries(tmp_path, quarto, settings):
    root = make_book(tmp_path, CLEAN_BIB + article("c2022", "10.1000/c"), CLEAN_TEXT,
                     quarto=quarto, settings=settings)
    assert check(root) == []


def test_duplicate_key(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB + article("a2020", "10.1000/z"), CLEAN_TEXT)
    (problem,) = check(root)
    assert problem == "references.bib:15: duplicate key 'a2020' (first defined on line 1)"


def test_duplicate_doi_is_case_insensitive(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB + article("c2022", "10.1000/A"),
                     CLEAN_TEXT + "\n[@c2022]\n")
    (problem,) = check(root)
    assert problem.startswith("references.bib:15: entry 'c2022' has the same DOI as 'a2020'")


@pytest.mark.parametrize("doi", ["https://doi.org/10.1000/c", "10.1000/c.", "10.1000", "c"])
def test_malformed_doi(tmp_path, doi):
    root = make_book(tmp_path, CLEAN_BIB + article("c2022", doi), CLEAN_TEXT + "[@c2022]\n")
    (problem,) = check(root)
    assert problem.startswith("references.bib:15: entry 'c2022' has a malformed DOI")


def test_missing_required_fields_and_unsupported_type(tmp_path):
    bib = CLEAN_BIB + "@article{c2022, title={T}, year={2020}}\n@weird{d2023, title={T}}\n"
    root = make_book(tmp_path, bib, CLEAN_TEXT + "[@c2022; @d2023]\n")
    assert check(root) == [
        "references.bib:15: entry 'c2022' (@article) lacks required field(s): author, journal",
        "references.bib:16: entry 'd2023' has unsupported type @weird",
    ]


def test_unsigned_articles_may_lack_an_author(tmp_path):
    bib = CLEAN_BIB + "@article{news2019, title={T}, journal={J}, year={2019}}\n"
    text = CLEAN_TEXT + "[@news2019]\n"
    assert len(check(make_book(tmp_path / "a", bib, text))) == 1
    assert check(make_book(tmp_path / "b", bib, text, settings="unsigned: [news2019]\n")) == []


def test_unparsable_bib_reports_the_line(tmp_path):
    bib = CLEAN_BIB + "@article{broken, title = {no end\n"
    problems = check(make_book(tmp_path, bib, CLEAN_TEXT))
    assert len(problems) == 1
    assert problems[0].startswith("references.bib:15: unparsable BibTeX block")


def test_missing_bib_file(tmp_path):
    root = make_book(tmp_path, "", CLEAN_TEXT)
    (root / "references.bib").unlink()
    assert check(root) == ["references.bib:1: bibliography file not found"]


def test_look_alikes_in_chapters_are_not_flagged(tmp_path):
    text = CLEAN_TEXT + (
        "\nMail x@example.org, <y@example.org>, https://example.org/@user, `@code`,\n"
        "@fig-one, @tbl-two, @eq-three.\n\n```python\nprint('@nokey')\n```\n"
    )
    assert check(make_book(tmp_path, CLEAN_BIB, text)) == []


def test_number_to_key_mapping(tmp_path):
    good = "number,key,doi,note\n1,a2020,10.1000/a,\n2,b2021,,\n3,a2020,,same article as 1\n"
    assert check(make_book(tmp_path / "ok", CLEAN_BIB, CLEAN_TEXT, mapping=good)) == []
    bad = "number,key,doi,note\n1,a2020,,\n3,zzz,,\n4,a2020,,\n"
    assert check(make_book(tmp_path / "bad", CLEAN_BIB, CLEAN_TEXT, mapping=bad)) == [
        "data/references.csv:3: expected reference number 2, found '3'",
        "data/references.csv:3: key 'zzz' is not in the bibliography",
        "data/references.csv:4: expected reference number 3, found '4'",
        "data/references.csv:4: reference 4 reuses key 'a2020' of reference 1 without a note "
        "saying they are the same article",
    ]


def test_data_source_cite_keys_must_exist(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB, CLEAN_TEXT)
    (root / "data" / "sources.yaml").write_text(
        "sources:\n  - id: a\n    cite: [a2020, gone2019]\n  - id: b\n    cite: b2021  # ok\n"
    )
    assert check(root) == [
        "data/sources.yaml:3: cite key 'gone2019' is not in the bibliography"]


# --- issue 12, item 4: captions and alt text are cited text like any other ------------------
CAPTIONED = ("# Intro {#sec-intro}\n\nText [@a2020].\n\n```{python}\n#| label: fig-x\n"
             "#| fig-cap: \"A figure [@b2021].\"\nplot()\n```\n")


def test_a_key_cited_only_in_a_caption_is_cited(tmp_path):
    assert check(make_book(tmp_path, CLEAN_BIB, CAPTIONED)) == []


@pytest.mark.parametrize(("snippet", "line"), [
    ("```{python}\n#| label: tbl-x\n#| tbl-cap: \"Table [@nosuch2020]\"\nshow()\n```", 7),
    ("```{python}\n#| label: fig-y\n#| fig-alt: \"Alt text @nosuch2020\"\nplot()\n```", 7),
    ("```{mermaid}\n%%| label: fig-z\n%%| fig-cap: \"Cycle [@nosuch2020]\"\nflowchart LR\n```", 7),
    ("![An image [@nosuch2020]](figure.png)", 5),
])
def test_unknown_keys_in_captions_and_alt_text_fail(tmp_path, snippet, line):
    root = make_book(tmp_path, CLEAN_BIB, CLEAN_TEXT + "\n" + snippet + "\n")
    assert check(root) == [
        f"chapters/01-intro.qmd:{line}: citation key '@nosuch2020' is not in references.bib"]


def test_an_unreadable_chapter_fails_the_gate(tmp_path):
    root = make_book(tmp_path, CLEAN_BIB, CLEAN_TEXT + "\n```{python}\n#| tags: 5\nx = 1\n```\n")
    (problem,) = check(root)
    assert problem.startswith("chapters/01-intro.qmd:6: #| cell options: `tags` must be a list")
