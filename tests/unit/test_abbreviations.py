"""Every abbreviation defined is used, and every one used is defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reviewbuild import abbreviations
from reviewbuild.exceptions import CuratedDataError
from reviewbuild.paths import project_root


def _project(tmp_path: Path, chapter: str, table: str) -> Path:
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"book": {"chapters": ["a.qmd"]}}))
    (tmp_path / "a.qmd").write_text(chapter)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "abbreviations.csv").write_text(table)
    return tmp_path


def test_the_books_abbreviations_are_consistent() -> None:
    assert abbreviations.check(project_root()) == []


def test_undefined_and_unused_are_reported(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "# T\n\nHepatocellular carcinoma (HCC) and CRC [@key2020] `NOTME` NCT01607905.\n",
        "term,expansion,kind\nHCC,Hepatocellular carcinoma,abbreviation\n"
        "GIST,Gastrointestinal stromal tumor,abbreviation\n",
    )
    problems = abbreviations.check(root)
    assert any("a.qmd:3: 'CRC' looks like an abbreviation" in p for p in problems)
    assert any("abbreviations.csv:3: 'GIST' is defined but never used" in p for p in problems)
    assert not any("NOTME" in p or "NCT" in p or "HCC" in p for p in problems), problems


def test_plurals_and_hyphenated_compounds_count(tmp_path: Path) -> None:
    root = _project(tmp_path, "# T\n\nTSPs and Ran-GTP and KPT-330.\n",
                    "term,expansion,kind\nTSP,Tumor suppressor protein,abbreviation\n"
                    "GTP,Guanosine triphosphate,abbreviation\nKPT,Karyopharm code,symbol\n"
                    "Ran,Ras-related nuclear protein,abbreviation\n")
    assert abbreviations.check(root) == []


@pytest.mark.parametrize("table, message", [
    ("term,meaning\nA,b\n", "columns must be"),
    ("term,expansion,kind\nHCC,,abbreviation\n", ":2: empty term or expansion"),
    ("term,expansion,kind\nHCC,x,acronym\n", ":2: kind 'acronym'"),
    ("term,expansion,kind\nHCC,x,symbol\nHCC,y,symbol\n", ":3: term 'HCC' is defined twice"),
])
def test_malformed_table_names_file_and_line(tmp_path: Path, table: str, message: str) -> None:
    root = _project(tmp_path, "# T\n", table)
    with pytest.raises(CuratedDataError, match=message):
        abbreviations.load(root)


def test_appendix_lists_abbreviations_not_symbols() -> None:
    table = abbreviations.appendix_table(project_root())
    full = abbreviations.load(project_root())
    assert set(table.term) == set(full.term[full.kind == "abbreviation"])
    assert "XPO1" in set(full.term)


def test_curated_text_reaches_the_appendix_as_text_not_html(tmp_path: Path) -> None:
    """Issue 12, item 5: markup in data/abbreviations.csv is shown, never executed."""
    from markdown_it import MarkdownIt

    root = _project(tmp_path, "# T\n\nXSS and PIPE.\n",
                    "term,expansion,kind\nXSS,<script>alert(1)</script> <b>bold</b>,abbreviation\n"
                    "PIPE,a | b *c* [l](javascript:x) &amp; @key $x$,abbreviation\n")
    markdown = abbreviations.appendix_markdown(root).data
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    cells = [t for t in tokens if t.type == "inline"]
    assert [c.content for c in cells][:2] == ["Abbreviation", "Meaning"]
    assert len(cells) == 6  # the table keeps its two columns: `|` in the text is escaped
    children = [c for t in cells for c in t.children]
    assert {c.type for c in children} <= {"text", "text_special"}  # no HTML, links, emphasis
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "a | b *c* [l](javascript:x) &amp;amp; @key $x$" in html


def test_an_unreadable_chapter_is_reported_not_taken_as_unused_terms(tmp_path: Path) -> None:
    root = _project(tmp_path, "# T\n\nHCC.\n\n```{python}\n#| eval: maybe\n```\n",
                    "term,expansion,kind\nHCC,Hepatocellular carcinoma,abbreviation\n")
    (tmp_path / "a.qmd").write_text("---\ndate: 2020-02-31\n---\n\n# T\n\nHCC.\n")
    assert abbreviations.check(root) == [
        "a.qmd:2: bad YAML in front matter: '2020-02-31' is not a valid !!timestamp "
        "(quote it to keep it as text)"]


def test_captions_and_alt_text_count_like_prose(tmp_path: Path) -> None:
    chapter = ('# T\n\n```{python}\n#| fig-cap: "Genes at an FDR below 5%"\n'
               '#| fig-alt: "Volcano plot of HCC"\nx = 1\n```\n')
    root = _project(tmp_path, chapter, "term,expansion,kind\nHCC,Hepatocellular carcinoma,"
                                       "abbreviation\n")
    problems = abbreviations.check(root)
    assert any("a.qmd:4: 'FDR' looks like an abbreviation" in p for p in problems), problems
    assert not any("HCC" in p for p in problems), problems  # used only in alt text


@pytest.mark.parametrize(("table", "message"), [
    (b"term,expansion,kind\nHCC,caf\xe9,abbreviation\n", r"abbreviations.csv:2: byte 0xe9 is not "
                                                        "UTF-8"),
    (b"term;expansion;kind\nHCC;x;symbol\n", r"abbreviations.csv:1: columns must be "
                                            r"term,expansion,kind \(separated by commas\), not "
                                            "term;expansion;kind"),
    (b"", r"abbreviations.csv: not a valid CSV"),
])
def test_an_unreadable_table_is_one_problem_naming_file_and_line(tmp_path: Path, table: bytes,
                                                                 message: str) -> None:
    """Issue 20: a Latin-1 byte, a `;` delimiter or an empty file are not tracebacks."""
    root = _project(tmp_path, "# T\n", "")
    (root / "data" / "abbreviations.csv").write_bytes(table)
    [problem] = abbreviations.check(root)
    assert re.search(message, problem), problem
