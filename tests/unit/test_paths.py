"""Paths built from the registry, a chapter or a curated file never leave their directory."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from reviewbuild import book
from reviewbuild.exceptions import UnsafePath
from reviewbuild.notebooks import publish
from reviewbuild.paths import inside
from xpo1review.figures.style import DataFigure

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drift-book"


@pytest.mark.parametrize(("relative", "why"), [
    ("../precious.txt", "contains '..'"), ("a/../../b", "contains '..'"),
    ("/etc/passwd", "absolute"), ("", "empty"), ("C:/x", "drive letter"),
    ("a\\..\\b", "forward slashes"),
])
def test_escaping_paths_are_refused_naming_what(tmp_path, relative, why):
    pattern = rf"my entry: path .* must stay inside .*\(.*{re.escape(why)}"
    with pytest.raises(UnsafePath, match=pattern):
        inside(tmp_path, relative, "my entry")


def test_a_symlink_out_of_the_base_is_refused(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "base" / "x").symlink_to(tmp_path / "outside")
    with pytest.raises(UnsafePath, match="symbolic link"):
        inside(tmp_path / "base", "x/file.txt", "entry")
    assert inside(tmp_path / "base", "y/file.txt", "entry") == tmp_path / "base" / "y/file.txt"
    # a place only read from (a mirror made of symlinks) may link out
    assert inside(tmp_path / "base", "x/file.txt", "entry", links=False) == (
        tmp_path / "base" / "x" / "file.txt")


def test_a_chapter_path_cannot_lead_the_rendered_notebook_out_of_the_book(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    config = root / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "chapters/01-drift.executed.ipynb", "../../precious.ipynb"), encoding="utf-8")
    with pytest.raises(UnsafePath, match=r"_quarto.yml: chapter \.\./\.\./precious\.ipynb"):
        publish.write_all(root)
    assert not (tmp_path.parent / "precious.ipynb").exists()


def test_csl_path_from_quarto_yml_stays_in_the_project(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project: {type: book}\nbook: {chapters: []}\n"
                                          "csl: ../stolen.csl\n")
    with pytest.raises(UnsafePath, match="_quarto.yml: csl"):
        book.install_csl(tmp_path)
    assert not (tmp_path.parent / "stolen.csl").exists()


def test_figure_download_name_from_a_chapter_stays_in_figure_data(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    fig = DataFigure(plt.figure(), pd.DataFrame({"n": [1]}), "Source: test")
    with pytest.raises(UnsafePath, match="figure download"):
        fig.download("../../escaped")
    assert not (tmp_path.parent / "escaped.csv").exists()
