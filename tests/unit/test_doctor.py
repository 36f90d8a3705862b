"""``reviewbuild doctor`` says what is missing, one actionable line per problem."""

from __future__ import annotations

import stat
from importlib import metadata
from pathlib import Path

import pytest

from reviewbuild import doctor
from reviewbuild.exceptions import ReviewBuildError


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


def test_data_not_cached_yet_is_what_the_fetch_will_do_not_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run: one line saying what will be fetched from where, no [ERR] line."""
    from reviewbuild.data import declared

    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("REVIEWBUILD_MIRROR", raising=False)
    findings = list(doctor.check_data())
    assert all(f.ok for f in findings)
    (todo,) = [f for f in findings if f.todo]
    used = declared.used_sources()
    assert str(todo).startswith(f"[-> ] data: {len(used)} source(s) the book uses are not "
                                "cached yet; `reviewbuild data fetch` (the build's next step) "
                                "downloads them: ")
    assert all(sid in todo.what for sid in used)


def test_data_missing_from_the_mirror_too_is_a_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "empty-cache"))
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(tmp_path / "mirror"))
    problems = [f for f in doctor.check_data() if not f.ok]
    assert problems and all("nor in the mirror" in f.what and "reviewbuild data fetch" in f.fix
                            for f in problems)


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


def _fake_lock(tmp_path: Path, packages: str) -> Path:
    lock = tmp_path / "uv.lock"
    lock.write_text('version = 1\nrequires-python = ">=3.11"\n\n'
                    '[[package]]\nname = "xpo1review"\nversion = "0.1.0"\n'
                    'source = { editable = "." }\n' + packages)
    return lock


def _entry(name: str, version: str, markers: str = "") -> str:
    extra = f"resolution-markers = [{markers}]\n" if markers else ""
    return (f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n{extra}'
            'source = { registry = "https://pypi.org/simple" }\n')


def test_lock_reports_each_package_that_differs(tmp_path: Path) -> None:
    pytest_version = metadata.version("pytest")
    packaging_version = metadata.version("packaging")
    lock = _fake_lock(tmp_path, _entry("pytest", "0.0.1")
                      + _entry("PyYAML", "0.0.2")
                      + _entry("packaging", "0.0.3", "\"python_full_version < '3.0'\"")
                      + _entry("packaging", packaging_version,
                               "\"python_full_version >= '3.0'\"")
                      + _entry("no-such-package-anywhere", "1.0"))
    findings = list(doctor.check_lock(lock))
    assert [f.ok for f in findings] == [False, False]
    pytest_line, yaml_line = (str(f) for f in findings)
    assert f"pytest {pytest_version} is installed, uv.lock pins 0.0.1" in pytest_line
    assert "pyyaml" in yaml_line and "pins 0.0.2" in yaml_line
    assert all("uv sync --frozen" in f.fix and "bootstrap.sh" in f.fix for f in findings)


def test_lock_matching_the_installed_packages_is_one_ok_line(tmp_path: Path) -> None:
    lock = _fake_lock(tmp_path, _entry("pytest", metadata.version("pytest"))
                      + _entry("no-such-package-anywhere", "1.0"))
    [finding] = doctor.check_lock(lock)
    assert finding.ok and "(1 checked)" in finding.what


def test_missing_or_broken_lock(tmp_path: Path) -> None:
    [finding] = doctor.check_lock(tmp_path / "uv.lock")
    assert not finding.ok and "missing" in finding.what
    broken = tmp_path / "uv.lock"
    broken.write_text("[[package]\nname = ")
    with pytest.raises(ReviewBuildError, match="uv.lock: cannot read the lock file"):
        list(doctor.check_lock(broken))


def test_the_repository_lock_matches_this_environment() -> None:
    """The test command runs in the environment bootstrap.sh synced from uv.lock."""
    problems = [str(f) for f in doctor.check_lock() if not f.ok]
    assert not problems, "\n".join(problems)
