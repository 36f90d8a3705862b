"""The Quarto project: chapter list, headings, configuration, CSL style."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from reviewbuild import book, structure
from reviewbuild.paths import project_root

ROOT = project_root()


def _mini_book(tmp_path: Path, chapters: dict[str, str], listed: list[str]) -> Path:
    config = {"project": {"type": "book"}, "book": {"chapters": listed}}
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump(config))
    for name, text in chapters.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_book_lists_exactly_its_chapters_each_with_one_title() -> None:
    assert structure.check(ROOT) == []


def test_chapter_order_follows_the_review() -> None:
    order = [Path(f).stem for f in book.chapter_files(ROOT)]
    review = ["01-introduction", "02-structure", "03-function", "04-alterations",
              "05-malignancies", "06-therapeutics", "07-chemoresistance", "08-esophageal",
              "09-gastric", "10-hepatocellular", "11-biliary", "12-pancreatic",
              "13-colorectal", "14-gist-nen", "15-conclusion"]
    assert [c for c in order if c[:2].isdigit()] == review
    assert order[0] == "index" and "references" in order and "abbreviations" in order


def test_structure_check_finds_unlisted_missing_and_badly_titled(tmp_path: Path) -> None:
    root = _mini_book(
        tmp_path,
        {"index.qmd": "# Preface\n", "chapters/a.qmd": "# A\n\n# B\n",
         "chapters/b.qmd": "## no title\n", "chapters/c.qmd": "# C\n"},
        ["index.qmd", "chapters/a.qmd", "chapters/b.qmd", "chapters/gone.qmd"],
    )
    problems = "\n".join(structure.check(root))
    assert "chapters/gone.qmd, which does not exist" in problems
    assert "chapters/c.qmd:1: chapter file is not listed" in problems
    assert "chapters/a.qmd:1: needs exactly one level-1 heading, found 2 (lines: 1, 3)" in problems
    assert "chapters/b.qmd:1: needs exactly one level-1 heading, found 0" in problems


def test_a_heading_inside_a_code_cell_is_not_a_title(tmp_path: Path) -> None:
    root = _mini_book(tmp_path, {"index.qmd": "# Title\n\n```{python}\n# comment\n```\n"},
                      ["index.executed.ipynb"])
    assert structure.check(root) == []


def test_quarto_config_has_what_the_book_needs() -> None:
    config = book.quarto_config(ROOT)
    assert config["project"]["type"] == "book"
    assert config["project"]["pre-render"]
    assert config["bibliography"] == "references.bib"
    assert "freeze" not in config["execute"], "Quarto executes nothing: no freeze to keep"
    html, typst = config["format"]["html"], config["format"]["typst"]
    assert html["code-fold"] is True and html["citations-hover"] and html["crossrefs-hover"]
    assert typst is not None


def test_no_placeholder_or_unknown_repository_is_published() -> None:
    config = book.quarto_config(ROOT)
    text = (ROOT / "_quarto.yml").read_text(encoding="utf-8").lower()
    assert "placeholder" not in text
    assert "repo-url" not in config["book"] and "repo-actions" not in config["book"]
    names = [a["name"] for a in config["book"]["author"]]
    assert any("rebuild" in n for n in names)
    assert any("Sokolova" in n for n in names)
    for author in config["book"]["author"]:
        assert not author.get("affiliations"), "no affiliation is known: leave it out"


def test_the_pdf_uses_citeproc_so_the_list_lands_in_the_refs_div() -> None:
    typst = book.quarto_config(ROOT)["format"]["typst"]
    assert typst["citeproc"] is True
    assert 'kind: "quarto-float-tbl"' in typst["include-in-header"]["text"]
    assert "breakable: true" in typst["include-in-header"]["text"]


def test_references_chapter_holds_the_bibliography_before_the_appendices() -> None:
    config = book.quarto_config(ROOT)["book"]
    chapters = book._flatten(config["chapters"])
    assert chapters[-1] == "references.qmd"
    assert "references.qmd" not in book._flatten(config["appendices"])
    text = (ROOT / "references.qmd").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0].startswith("# References")
    start = lines.index("::: {#refs}")
    assert lines[start + 1] == ":::", "the #refs div must be empty: citeproc fills it"
    assert "numbered style" not in text.lower() and "order of first citation" not in text


def test_install_csl_copies_the_named_style(tmp_path: Path) -> None:
    shutil.copy(ROOT / "_quarto.yml", tmp_path / "_quarto.yml")
    target = book.install_csl(tmp_path)
    assert target.name == "springer-basic-author-date.csl"
    assert "disambiguate-add-year-suffix" in target.read_text()


def test_install_csl_names_an_unknown_style(tmp_path: Path) -> None:
    (tmp_path / "_quarto.yml").write_text("csl: .csl/no-such-style.csl\n")
    with pytest.raises(Exception, match="no-such-style"):
        book.install_csl(tmp_path)
