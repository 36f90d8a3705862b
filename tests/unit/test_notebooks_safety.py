"""Issue 20, item 2: no mistake of an author loses a committed golden notebook, and a damaged
golden notebook or manifest is a clear error naming the file and the fix (no kernel here)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from reviewbuild import cli
from reviewbuild.notebooks import cache, convert, golden

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drift-book"
CHAPTER = "chapters/01-drift.qmd"
GOLDEN = "tests/notebooks/01-drift.ipynb"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture book with a committed golden notebook and manifest entry."""
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    golden.write(root, CHAPTER, convert.chapter_notebook(root, CHAPTER))
    cache.save_entry(root, CHAPTER, cache.entry_for(root, CHAPTER, {}))
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    return root


def test_a_typo_in_the_chapter_list_deletes_nothing(book, capsys):
    quarto = book / "_quarto.yml"
    quarto.write_text(quarto.read_text(encoding="utf-8").replace(
        "01-drift.executed.ipynb", "01-drfit.executed.ipynb"), encoding="utf-8")
    manifest = (book / cache.MANIFEST).read_bytes()
    for command in (["notebooks", "build"], ["notebooks", "accept"], ["notebooks", "status"],
                    ["notebooks", "remove", "01-drift"]):
        assert cli.main(command) == 1
        err = capsys.readouterr().err
        assert err.startswith(
            "reviewbuild: error: _quarto.yml: lists chapters/01-drfit.executed.ipynb, "
            "rendered from chapters/01-drfit.qmd, which does not exist"), err
        assert "no chapter was executed and no golden notebook" in err
    assert (book / GOLDEN).is_file() and (book / cache.MANIFEST).read_bytes() == manifest


def test_remove_deletes_only_a_named_golden_of_a_chapter_no_longer_listed(book, capsys):
    assert cli.main(["notebooks", "remove", "01-drift"]) == 1
    assert "chapters/01-drift.qmd is in _quarto.yml with Python cells" in capsys.readouterr().err
    assert cli.main(["notebooks", "remove", "02-nothing"]) == 1
    assert "nothing to remove" in capsys.readouterr().err
    (book / CHAPTER).write_text("# Drift {#sec-drift}\n\nProse only.\n", encoding="utf-8")
    quarto = book / "_quarto.yml"  # a chapter without Python is listed as itself
    quarto.write_text(quarto.read_text(encoding="utf-8").replace("01-drift.executed.ipynb",
                                                                 "01-drift.qmd"))
    assert cli.main(["notebooks", "status"]) == 1  # the orphan is listed, with the fix
    assert "reviewbuild notebooks remove 01-drift" in capsys.readouterr().out
    assert cli.main(["notebooks", "build"]) == 0
    assert (book / GOLDEN).is_file()
    assert cli.main(["notebooks", "remove", "01-drift.ipynb"]) == 0
    assert not (book / GOLDEN).exists() and cache.load_manifest(book) == {}


DAMAGE = {
    "truncated golden": (GOLDEN, lambda text: text[: len(text) // 2]),
    "golden is a list": (GOLDEN, lambda text: "[]"),
    "golden is not UTF-8": (GOLDEN, lambda text: "\udcff"),
    "manifest is a list": (cache.MANIFEST, lambda text: "[]"),
    "manifest entry is a string": (cache.MANIFEST, lambda text: '{"chapters/01-drift.qmd": "x"}'),
    "manifest table is a list": (cache.MANIFEST,
                                 lambda text: '{"chapters/01-drift.qmd": {"modules": []}}'),
    "manifest is truncated": (cache.MANIFEST, lambda text: text[:10]),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", [["notebooks", "status"], ["claims"],
                                     ["notebooks", "build"], ["check", "--pre-render", "claims"]])
def test_a_damaged_golden_or_manifest_names_the_file_and_the_fix(book, capsys, damage, command):
    rel, spoil = DAMAGE[damage]
    path = book / rel
    path.write_bytes(spoil(path.read_text(encoding="utf-8")).encode("utf-8", "surrogateescape"))
    assert cli.main(command) == 1  # a message, not a traceback
    err = capsys.readouterr().err
    assert f"{rel}" in err and "git checkout -- " + rel in err, err


def test_golden_notebooks_and_the_manifest_are_readable_by_others(book):
    """Issue 20, also: files written through a temporary file are 0644, not mkstemp's 0600."""
    for rel in (GOLDEN, cache.MANIFEST):
        assert stat.S_IMODE((book / rel).stat().st_mode) & 0o044 == 0o044, rel
