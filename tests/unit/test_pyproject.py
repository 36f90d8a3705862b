"""A book adds its own commands and checks to the engine in ``[tool.reviewbuild]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from reviewbuild import check, cli, pyproject
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.paths import project_root


def _book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str) -> Path:
    (tmp_path / "_quarto.yml").write_text("book:\n  chapters: []\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.reviewbuild]\n{table}\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    return tmp_path


def test_the_review_adds_its_trials_command_and_curated_check() -> None:
    root = project_root()
    assert pyproject.command_modules(root) == {"trials": "xpo1review.trials.commands"}
    assert list(pyproject.checks(root)) == ["curated"]
    assert "trials" in cli.build_parser().format_help()


def test_a_book_without_the_table_gets_the_engine_alone(tmp_path, monkeypatch) -> None:
    (tmp_path / "_quarto.yml").write_text("book:\n  chapters: []\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    assert pyproject.checks(tmp_path) == {} and pyproject.command_modules(tmp_path) == {}
    assert list(check.all_checks(tmp_path)) == list(check.CHECKS)
    assert "trials" not in cli.build_parser().format_help()


def test_a_book_check_runs_in_the_gate(tmp_path, monkeypatch, capsys) -> None:
    _book(tmp_path, monkeypatch, 'checks = { always = "mybook_checks:always" }')
    (tmp_path / "mybook_checks.py").write_text(
        "def always(root):\n    return [\"book.qmd:1: a problem of the book's own\"]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.main(["check", "always"]) == 1
    assert "[always] book.qmd:1: a problem of the book's own" in capsys.readouterr().err


@pytest.mark.parametrize(("table", "message"), [
    ('checks = { x = "no.such.module:check" }', r"checks.x names 'no.such.module', which "
                                                r"cannot be imported"),
    ('checks = { x = "reviewbuild.format:nothing" }', "which is not a function"),
    ("checks = 3", r"\[tool.reviewbuild\] checks must map names to module paths"),
])
def test_a_wrong_extension_is_an_error_naming_the_file(tmp_path, monkeypatch, capsys,
                                                       table, message) -> None:
    root = _book(tmp_path, monkeypatch, table)
    with pytest.raises(ReviewBuildError, match=message) as info:
        pyproject.checks(root)
    assert str(info.value).startswith(f"{root / 'pyproject.toml'}")
    assert cli.main(["check"]) == 1
    assert "pyproject.toml" in capsys.readouterr().err


def test_the_distribution_is_the_books_or_the_engines(tmp_path) -> None:
    assert pyproject.distribution(project_root()) == "xpo1review"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "another-review"\n')
    assert pyproject.distribution(tmp_path) == "another-review"
    assert pyproject.distribution(tmp_path / "nowhere") == "xpo1review"  # installed the engine


@pytest.fixture
def fresh_owners():
    pyproject.import_owners.cache_clear()
    yield
    pyproject.import_owners.cache_clear()


def test_a_kernel_uses_the_engines_scan_only_from_the_same_environment(
        monkeypatch, fresh_owners) -> None:
    scanned = pyproject.import_owners()
    assert "xpo1review" in scanned["reviewbuild"]
    (name, handed), = pyproject.handed_owners().items()
    assert json.loads(handed)["owners"] == scanned

    marked = {"owners": {"only_this": ["marked"]}}
    monkeypatch.setenv(name, json.dumps({**marked, "prefix": sys.prefix}))
    pyproject.import_owners.cache_clear()
    assert pyproject.import_owners() == {"only_this": ["marked"]}

    monkeypatch.setenv(name, json.dumps({**marked, "prefix": "/another/environment"}))
    pyproject.import_owners.cache_clear()
    assert pyproject.import_owners() == scanned


def test_the_engine_hands_its_scan_to_the_kernels(tmp_path, fresh_owners) -> None:
    from reviewbuild.notebooks import execute

    env = execute._env(tmp_path, None)
    assert json.loads(env[pyproject.OWNERS_ENV]) == {
        "prefix": sys.prefix, "owners": pyproject.import_owners()}
