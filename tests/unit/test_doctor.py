"""``xpo1review doctor`` says what is missing, one actionable line per problem."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from xpo1review import doctor


def _fake_quarto(tmp_path: Path, version: str, typst_ok: bool = True) -> Path:
    script = tmp_path / "quarto"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo {version}; exit 0; fi\n'
        f'if [ "$1" = "typst" ]; then {"echo typst 0.14.0; exit 0" if typst_ok else "exit 1"}; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def test_missing_quarto_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    [finding] = doctor.check_quarto()
    assert not finding.ok and "not installed" in finding.what
    assert "quarto.org" in finding.fix


@pytest.mark.parametrize("version, ok", [("1.8.25", False), ("1.9.0", True), ("1.10.18", True)])
def test_quarto_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str,
                        ok: bool) -> None:
    monkeypatch.setenv("PATH", str(_fake_quarto(tmp_path, version)))
    quarto, typst = doctor.check_quarto()
    assert quarto.ok is ok and version in quarto.what
    assert typst.ok


def test_quarto_without_typst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(_fake_quarto(tmp_path, "1.9.3", typst_ok=False)))
    _, typst = doctor.check_quarto()
    assert not typst.ok and typst.fix


def test_missing_data_is_a_problem_with_a_fetch_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XPO1REVIEW_CACHE", str(tmp_path / "empty-cache"))
    findings = list(doctor.check_data())
    pinned_missing = [f for f in findings if not f.ok]
    assert pinned_missing, "an empty cache must be reported"
    assert all("xpo1review data fetch" in f.fix for f in pinned_missing)


def test_run_prints_one_line_per_problem_and_fails(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(doctor, "CHECKS", [
        lambda: iter([doctor.Finding(False, "thing A is missing", "do X")]),
        lambda: iter([doctor.Finding(True, "thing B")]),
    ])
    args = type("Args", (), {"verbose": False, "no_fail": False})()
    assert doctor.run(args) == 1
    out = capsys.readouterr().out
    assert "[ERR] thing A is missing" in out and "fix: do X" in out
    assert "thing B" not in out and "1 problem(s)" in out
