"""The Quarto project: chapter list, headings, configuration, CSL style."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from xpo1review import book, structure
from xpo1review.paths import project_root

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
                      ["index.qmd"])
    assert structure.check(root) == []


def test_quarto_config_has_what_the_book_needs() -> None:
    config = book.quarto_config(ROOT)
    assert config["project"]["type"] == "book"
    assert config["project"]["pre-render"]
    assert config["bibliography"] == "references.bib"
    assert config["execute"]["freeze"] in ("auto", True)
    html, typst = config["format"]["html"], config["format"]["typst"]
    assert html["code-fold"] is True and html["citations-hover"] and html["crossrefs-hover"]
    assert typst is not None
    assert "(placeholder)" in config["book"]["author"][0]["name"]


def test_install_csl_copies_the_named_style(tmp_path: Path) -> None:
    shutil.copy(ROOT / "_quarto.yml", tmp_path / "_quarto.yml")
    target = book.install_csl(tmp_path)
    assert target.name == "springer-basic-brackets.csl"
    assert "citation-number" in target.read_text()


def test_install_csl_names_an_unknown_style(tmp_path: Path) -> None:
    (tmp_path / "_quarto.yml").write_text("csl: .csl/no-such-style.csl\n")
    with pytest.raises(Exception, match="no-such-style"):
        book.install_csl(tmp_path)
