"""Reading a text file of the book (registry, settings, curated tables): UTF-8, or an error
naming the file and the line of the first byte that is not UTF-8."""

from __future__ import annotations

from pathlib import Path

from reviewbuild.exceptions import ReviewBuildError


def decode(data: bytes, name: str, error: type[ReviewBuildError] = ReviewBuildError) -> str:
    """``data`` as UTF-8 text; a byte that is not UTF-8 is an error at its line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise error(f"{name}:{line}: byte 0x{data[err.start]:02x} is not UTF-8 (the file "
                    "must be saved as UTF-8)") from None


def read_utf8(path: Path, name: str | None = None,
              error: type[ReviewBuildError] = ReviewBuildError) -> str:
    """The text of ``path`` (``name``: how messages call it); unreadable or not UTF-8 is
    ``error`` naming the file (and line)."""
    name = name or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise error(f"{name}: cannot be read ({err.strerror or err})") from None
    return decode(data, name, error)
