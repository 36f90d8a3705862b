"""A full or read-only disk is a message naming the path and what to do, not a traceback."""

from __future__ import annotations

import errno

import pytest

from reviewbuild import cli
from reviewbuild.notebooks import commands


@pytest.mark.parametrize(("code", "advice"), [
    (errno.ENOSPC, "Free space on that disk"),
    (errno.EROFS, "Its file system is read-only"),
])
def test_disk_errors_are_reported_not_raised(monkeypatch, capsys, code, advice):
    def full(*args, **kwargs):
        raise OSError(code, "simulated", "/book/tests/notebooks/09-gastric.ipynb")

    monkeypatch.setattr(commands, "build", full)
    assert cli.main(["notebooks", "build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"reviewbuild: error: simulated (errno {code}): "
                          f"/book/tests/notebooks/09-gastric.ipynb. {advice}")
    assert err.endswith("then run the command again.\n") and "Traceback" not in err


def test_other_os_errors_still_raise(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(commands, "build", broken)
    with pytest.raises(OSError, match="I/O error"):
        cli.main(["notebooks", "build"])


# --- issue 20: settings that point at the wrong kind of place ---------------------------
def _run(argv: list[str], capsys) -> tuple[int, str]:
    from reviewbuild.cli import main

    code = main(argv)
    return code, capsys.readouterr().err


def test_a_root_that_does_not_exist_is_a_message_with_the_fix(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path / "nowhere"))
    code, err = _run(["check", "structure"], capsys)
    assert code == 1
    assert err.startswith(f"reviewbuild: error: REVIEWBUILD_ROOT={tmp_path / 'nowhere'} is not "
                          "a directory: point it at the book's root")


@pytest.mark.parametrize("under", [False, True])
def test_a_cache_that_is_a_file_is_a_message_with_the_fix(monkeypatch, capsys, tmp_path, under):
    (tmp_path / "cache").write_text("not a folder\n")
    cache = tmp_path / "cache" / "sub" if under else tmp_path / "cache"
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(cache))
    code, err = _run(["data", "status"], capsys)
    assert code == 1
    assert err.startswith(f"reviewbuild: error: REVIEWBUILD_CACHE={cache} is a file (or lies "
                          "under one), not a directory: point REVIEWBUILD_CACHE at a directory")
