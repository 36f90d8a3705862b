"""Read selected columns of a data frame from an .rda/.RData file without loading the rest.

pyreadr (librdata) can only read whole objects. A Firehose cohort is one data frame of
~20,000 gene columns; to get one gene this module streams the (gzip/bzip2/xz) R
serialisation twice: pass 1 skips every column's data to reach the column names (stored
after the data), pass 2 keeps only the wanted columns. Memory: the names plus the wanted
columns. Supports the XDR serialisation (versions 2 and 3) of plain objects; anything
unusual raises :class:`UnsupportedRData` and callers fall back to pyreadr.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

NIL = object()
_NILS = {254, 253, 252, 251, 250, 242, 241}  # NILVALUE, GLOBALENV, ..., BASEENV
_PAIRS = {2, 3, 5, 6, 17, 239, 240}  # LISTSXP, CLOSXP, PROMSXP, LANGSXP, DOTSXP, ATTR*
_ITEM_SIZE = {10: 4, 13: 4, 14: 8, 15: 16, 24: 1}


class UnsupportedRData(Exception):
    """The file uses a feature this reader does not handle (use pyreadr instead)."""


class RVector:
    """An R vector: ``value`` (numpy array or list of str) and its attributes."""

    __slots__ = ("sexp", "value", "attrs")

    def __init__(self, sexp: int, value: Any, attrs: dict[str, Any]) -> None:
        self.sexp, self.value, self.attrs = sexp, value, attrs


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        head = fh.read(6)
    if head.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if head.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if head.startswith(b"\xfd7zXZ"):
        return lzma.open(path, "rb")
    if head.startswith(b"RDX"):
        return path.open("rb")
    raise UnsupportedRData(f"unknown compression (magic {head!r})")


class _Reader:
    """Item reader over a decompressed stream, with its own 1 MiB read-ahead buffer."""

    _INT = struct.Struct(">i")

    def __init__(self, fh: BinaryIO, keep: set[int] | None) -> None:
        self.fh, self.keep, self.refs = fh, keep, []
        self.buf, self.pos = b"", 0

    def _fill(self, n: int) -> None:
        chunks, have = [self.buf[self.pos:]], len(self.buf) - self.pos
        while have < n:
            try:
                chunk = self.fh.read(max(1 << 20, n - have))
            except (EOFError, OSError, lzma.LZMAError, zlib.error) as err:
                raise UnsupportedRData(f"cannot decompress: {err}") from None
            if not chunk:
                raise UnsupportedRData("unexpected end of file (truncated?)")
            chunks.append(chunk)
            have += len(chunk)
        self.buf, self.pos = b"".join(chunks), 0

    def read(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            self._fill(n)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def int(self) -> int:
        if self.pos + 4 > len(self.buf):
            self._fill(4)
        value = self._INT.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        return value

    def length(self) -> int:
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + lo
        return n

    def header(self) -> None:
        magic = self.read(5)
        if magic not in (b"RDX2\n", b"RDX3\n"):
            raise UnsupportedRData(f"not an RData file (magic {magic!r})")
        if self.read(2) != b"X\n":
            raise UnsupportedRData("not XDR serialisation")
        version = self.int()
        self.int(), self.int()
        if version == 3:
            self.read(self.int())

    def item(self, materialise: bool = True) -> Any:
        flags = self.int()
        sexp, has_attr, has_tag = flags & 0xFF, bool(flags & 512), bool(flags & 1024)
        if sexp in _NILS:
            return NIL
        if sexp == 255:  # REFSXP
            idx = flags >> 8 or self.int()
            return self.refs[idx - 1]
        if sexp == 1:  # SYMSXP
            name = self.item()
            self.refs.append(name)
            return name
        if sexp in (247, 248, 249):  # PERSISTSXP, PACKAGESXP, NAMESPACESXP
            self.int()
            value = [self.item() for _ in range(self.int())]
            self.refs.append(value)
            return value
        if sexp == 9:  # CHARSXP
            n = self.int()
            return None if n == -1 else self.read(n).decode("utf-8", "replace")
        if sexp in _PAIRS:
            return self.pairlist(sexp, has_attr, has_tag)
        if sexp == 4:  # ENVSXP
            env: dict[str, Any] = {}
            self.refs.append(env)
            self.int()
            for _ in range(4):
                self.item()
            return env
        if sexp == 238:  # ALTREP: info, state, attributes
            info, state, attr = self.item(), self.item(), self.item()
            return RVector(238, (info, state), attr if isinstance(attr, dict) else {})
        if sexp == 25:  # S4SXP
            return RVector(25, None, self.item() if has_attr else {})
        return self.vector(sexp, has_attr, materialise)

    def pairlist(self, sexp: int, has_attr: bool, has_tag: bool) -> dict[str, Any]:
        """A pairlist as {tag: value} (untagged entries get their position)."""
        out: dict[str, Any] = {}
        while True:
            if has_attr:
                self.item()
            tag = self.item() if has_tag else None
            out[tag if isinstance(tag, str) else str(len(out))] = self.item()
            flags = self.int()
            nxt = flags & 0xFF
            if nxt in _NILS:
                return out
            if nxt not in _PAIRS:
                raise UnsupportedRData(f"pairlist continues with SEXP type {nxt}")
            has_attr, has_tag = bool(flags & 512), bool(flags & 1024)

    def vector(self, sexp: int, has_attr: bool, materialise: bool) -> RVector:
        n = self.length()
        if sexp in _ITEM_SIZE:
            raw = self.read(n * _ITEM_SIZE[sexp])
            value = self._decode(sexp, raw) if materialise else None
        elif sexp == 16:  # STRSXP
            value = [self.item() for _ in range(n)]
        elif sexp in (19, 20):  # VECSXP, EXPRSXP
            value = [self.item(self.keep is None or i in self.keep) for i in range(n)]
        else:
            raise UnsupportedRData(f"SEXP type {sexp} not supported")
        attrs = self.item() if has_attr else {}
        return RVector(sexp, value, attrs if isinstance(attrs, dict) else {})

    @staticmethod
    def _decode(sexp: int, raw: bytes) -> np.ndarray:
        if sexp == 14:
            return np.frombuffer(raw, dtype=">f8").astype(float)
        if sexp in (10, 13):
            return np.frombuffer(raw, dtype=">i4").astype(np.int64)
        return np.frombuffer(raw, dtype=np.uint8)


def _frame(path: Path, obj: str, keep: set[int] | None) -> RVector:
    with _open(path) as fh:
        reader = _Reader(fh, keep)
        reader.header()
        top = reader.item(materialise=False)
    if not isinstance(top, dict) or obj not in top:
        names = ", ".join(top) if isinstance(top, dict) else "?"
        raise UnsupportedRData(f"no object {obj!r} (objects: {names})")
    frame = top[obj]
    if not isinstance(frame, RVector) or frame.sexp != 19 or "names" not in frame.attrs:
        raise UnsupportedRData(f"{obj!r} is not a data frame")
    return frame


def _as_values(vec: RVector) -> np.ndarray | list[str]:
    levels = vec.attrs.get("levels")
    if isinstance(levels, RVector) and vec.sexp == 13:  # factor: codes -> labels
        labels = np.asarray(levels.value, dtype=object)
        return [labels[c - 1] if c > 0 else None for c in vec.value]
    return vec.value


def read_columns(path: Path | str, obj: str, columns: Sequence[str]) -> dict[str, Any]:
    """The named columns of data frame ``obj`` (numpy arrays; factors as lists of labels).

    Raises UnsupportedRData when the file cannot be streamed or a column is missing.
    """
    path = Path(path)
    names = _frame(path, obj, keep=set()).attrs["names"].value
    index = {name: i for i, name in enumerate(names)}
    missing = [c for c in columns if c not in index]
    if missing:
        raise UnsupportedRData(f"no column(s) {missing} in {obj!r}")
    frame = _frame(path, obj, keep={index[c] for c in columns})
    return {c: _as_values(frame.value[index[c]]) for c in columns}
