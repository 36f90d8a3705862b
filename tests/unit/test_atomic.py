"""A failed write leaves the old file as it was and no temporary file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbuild import atomic


def test_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    atomic.write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_a_new_file_is_readable_by_others_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    """Issue 20, also: mkstemp's 0600 is not what a written file gets (0666 less the umask)."""
    target = tmp_path / "new.json"
    atomic.write_text(target, "x\n")
    assert target.stat().st_mode & 0o777 == 0o666 & ~atomic.umask()
    target.chmod(0o640)
    atomic.write_text(target, "y\n")
    assert target.stat().st_mode & 0o777 == 0o640


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def _busy(lock: object) -> RuntimeError:
    return RuntimeError(f"held {lock.lock_file} for {lock.timeout:g} s")


def test_a_held_lock_raises_the_callers_error_naming_it(tmp_path: Path) -> None:
    lock_file = tmp_path / ".out.lock"
    with atomic.locked(lock_file, 1.0, _busy), \
            pytest.raises(RuntimeError, match=r"^held .*\.out\.lock for 0\.1 s$"), \
            atomic.locked(lock_file, 0.1, _busy):
        pass


def test_a_lock_is_released_when_its_block_fails(tmp_path: Path) -> None:
    lock_file = tmp_path / ".out.lock"
    with pytest.raises(ValueError, match="inside"), \
            atomic.locked(lock_file, 1.0, lambda lock: RuntimeError("busy")):
        raise ValueError("inside")
    with atomic.locked(lock_file, 0.1, lambda lock: RuntimeError("still held")):
        pass
