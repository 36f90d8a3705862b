"""``xpo1review check``: the pre-render gate aggregates every check and fails on any problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpo1review import check, cli
from xpo1review.paths import project_root


def test_the_project_passes_its_own_gate() -> None:
    assert check.run_checks(project_root(), list(check.CHECKS)) == []


def test_problems_are_prefixed_and_fail_the_command(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(check, "CHECKS", {
        "good": lambda root: [],
        "bad": lambda root: ["chapters/x.qmd:3: something is wrong"],
    })
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "[bad] chapters/x.qmd:3: something is wrong" in err
    assert "1 problem(s)" in err
    assert cli.main(["check", "good"]) == 0


def test_unknown_check_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "nonsense"]) == 1
    assert "unknown check(s) nonsense" in capsys.readouterr().err


def test_pre_render_installs_the_csl_style(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[Path] = []
    monkeypatch.setattr(check.book, "install_csl", installed.append)
    monkeypatch.setattr(check, "CHECKS", {"good": lambda root: []})
    assert cli.main(["check", "--pre-render"]) == 0
    assert installed == [project_root()]
