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
