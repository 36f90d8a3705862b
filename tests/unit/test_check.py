"""``reviewbuild check``: the pre-render gate aggregates every check and fails on any problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbuild import check, cli
from reviewbuild.paths import project_root


def test_the_project_passes_its_own_gate() -> None:
    checks = check.all_checks(project_root())
    assert list(checks) == ["registry", "structure", "crossrefs", "citations", "abbreviations",
                            "curated", "data", "claims"]
    assert check.run_checks(project_root(), list(checks)) == []


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


def test_a_problem_found_by_several_checks_is_listed_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    same = "chapters/x.qmd:3: code fence ``` is never closed"
    monkeypatch.setattr(check, "CHECKS", {"a": lambda root: [same], "b": lambda root: [same, "b"]})
    assert check.run_checks(project_root(), ["a", "b"]) == [f"[a] {same}", "[b] b"]


def test_unknown_check_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "nonsense"]) == 1
    assert "unknown check(s) nonsense" in capsys.readouterr().err


def test_pre_render_installs_the_csl_style(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[Path] = []
    monkeypatch.setattr(check.book, "install_csl", installed.append)
    monkeypatch.setattr(check, "CHECKS", {"good": lambda root: []})
    monkeypatch.setattr(check, "_unchecked", lambda root: [])
    monkeypatch.setattr(check, "_render", lambda root: ([], 0))  # not this test's concern
    assert cli.main(["check", "--pre-render"]) == 0
    assert installed == [project_root()]


@pytest.mark.parametrize(("chapter", "message"), [
    ("# T\n\n```{python}\n#| tags: 5\nx = 1\n```\n",
     "chapters/x.qmd:4: #| cell options: `tags` must be a list of tags"),
    ("# T\n\n```{python}\n#| when: 2020-01-01\nx = 1\n```\n",
     "chapters/x.qmd:4: #| cell options: `when` is a date"),
    ("---\ndate: 2020-02-31\n---\n\n# T\n",
     "chapters/x.qmd:2: bad YAML in front matter: '2020-02-31' is not a valid !!timestamp"),
    ("---\nexecute: [eval]\n---\n\n# T\n", "chapters/x.qmd:2: `execute` must be a mapping"),
    ("# T\n\n```{python}\nx = 1\n\nText.\n\n```{python}\ny = 2\n```\n",
     "chapters/x.qmd:3: code fence ```{python} is not closed before line 8"),
])
def test_malformed_chapters_fail_check_and_build_without_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        chapter: str, message: str) -> None:
    """Issue 12, item 6: `check` reports a malformed chapter (exit 1) and `notebooks build`
    stops with the same `file:line:` message instead of a traceback."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.qmd").write_text(chapter, encoding="utf-8")
    (tmp_path / "_quarto.yml").write_text("book:\n  chapters:\n    - chapters/x.qmd\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    assert cli.main(["check", "structure"]) == 1
    assert f"[structure] {message}" in capsys.readouterr().err
    assert cli.main(["notebooks", "build"]) == 1
    assert capsys.readouterr().err.startswith(f"reviewbuild: error: {message}")


def test_the_gate_refuses_a_registry_edit_that_drops_a_pin(tmp_path: Path) -> None:
    registry = (project_root() / "data" / "sources.yaml").read_text(encoding="utf-8")
    pin = re.search(r"(?m)^    sha256: [0-9a-f]{64}$", registry)
    assert pin, "no pinned source in data/sources.yaml"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sources.yaml").write_text(
        registry[:pin.start()] + "    sha256:" + registry[pin.end():], encoding="utf-8")
    [problem] = check.run_checks(tmp_path, ["registry"])
    assert problem.startswith(  # the line of the emptied field itself
        f"[registry] data/sources.yaml:{registry[:pin.start()].count(chr(10)) + 1}: entry 1 "
        "(tcga-cdr): sha256 is empty")
