"""A failed write leaves the old file as it was and no temporary file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpo1review import atomic


def test_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    atomic.write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
