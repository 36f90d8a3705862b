"""``reviewbuild build``: its steps, in order, and the one ``quarto render`` (no Quarto needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewbuild import build
from reviewbuild.paths import project_root

ROOT = project_root()


class _Done:
    returncode = 0


def _fake_build(monkeypatch, tmp_path: Path, leaves: list[str]) -> list[list[str]]:
    """Run ``build.build`` with a fake quarto; record commands; ``leaves`` = files it writes."""
    shutil.copy(ROOT / "_quarto.yml", tmp_path / "_quarto.yml")
    calls: list[list[str]] = []

    def run(cmd, cwd=None, **kwargs):
        calls.append(list(cmd))
        if cmd[:2] == ["/opt/quarto", "render"]:
            (tmp_path / "_book").mkdir(exist_ok=True)
            for name in leaves:
                (tmp_path / "_book" / name).write_text("x")
        return _Done()

    def engine(argv):
        calls.append(["reviewbuild", *argv])
        return 0

    monkeypatch.setattr(build, "project_root", lambda: tmp_path)
    monkeypatch.setattr(build.shutil, "which", lambda name: "/opt/quarto")
    monkeypatch.setattr(build.subprocess, "run", run)
    monkeypatch.setattr(build, "_engine", engine)
    return calls


def _args(formats=None):
    import argparse

    return argparse.Namespace(formats=formats, require_quarto=True)


def test_build_runs_one_quarto_render_for_every_format(monkeypatch, tmp_path: Path) -> None:
    calls = _fake_build(monkeypatch, tmp_path, ["index.html", "xpo1-review.pdf"])
    assert build.build(_args()) == 0
    renders = [c for c in calls if c[0] == "/opt/quarto"]
    assert renders == [["/opt/quarto", "render"]]
    # the engine's steps run in this process, the notebooks Quarto renders written last
    assert calls.index(["reviewbuild", "notebooks", "build"]) < calls.index(
        ["reviewbuild", "check", "--pre-render", "structure"]) < calls.index(renders[0])


def test_a_failing_step_stops_the_build_before_quarto(monkeypatch, tmp_path: Path) -> None:
    calls = _fake_build(monkeypatch, tmp_path, ["index.html", "xpo1-review.pdf"])
    monkeypatch.setattr(build, "_engine",
                        lambda argv: calls.append(argv) or int(argv == ["check"]))
    with pytest.raises(Exception, match="build step failed: checks"):
        build.build(_args())
    assert calls[-1] == ["check"] and not any(c[0] == "/opt/quarto" for c in calls)


def test_build_fails_when_the_render_leaves_no_site(monkeypatch, tmp_path: Path) -> None:
    _fake_build(monkeypatch, tmp_path, ["xpo1-review.pdf"])
    with pytest.raises(Exception, match="did not leave _book/index.html"):
        build.build(_args())


def test_render_commands_narrow_one_call_with_formats() -> None:
    assert build.render_command("q") == ["q", "render"]
    assert build.render_command("q", ["html", "typst"]) == ["q", "render", "--to", "html,typst"]


def test_expected_outputs_are_the_site_and_the_named_pdf() -> None:
    outputs = build.expected_outputs(ROOT)
    assert [p.relative_to(ROOT).as_posix() for p in outputs] == [
        "_book/index.html", "_book/xpo1-review.pdf"]
    assert [p.name for p in build.expected_outputs(ROOT, ["html"])] == ["index.html"]
