"""Canonical numbers: what golden outputs record, stable across CPUs, BLAS kernels and threads.

The rule, applied to every number a golden notebook records (figure data fingerprints, data
tables behind figures, claim values):

1. A number is **snapped to zero** when its magnitude is below ``ZERO_FRACTION`` (1e-9) of the
   largest finite magnitude in its column (tables) or coordinate (plotted data), or below
   ``ABSOLUTE_ZERO`` (1e-12) for a lone number. A true zero computed as a difference of
   doubles comes out as noise of about 1e-16 whose sign and digits depend on the kernel.
2. It is then **rounded to 6 significant digits**, in two steps: first to 10 digits, which
   absorbs the noise, then to 6. Data given to a few decimals put many values exactly on a
   6-digit rounding boundary (a mean such as -1.743125), where noise alone would decide the
   direction; after the first step every machine rounds the same number. ``-0.0`` becomes
   ``0``; NaN is ``nan``.
3. Tables are hashed with their **rows sorted** (by every column, after 1–2), so rows whose
   order is decided by ties do not change the hash; a new, lost or changed row still does.

Floating-point noise is about 1e-15 relative, far below the 6th digit, so it never changes the
record (a value within noise of a 10-digit boundary that is also a 6-digit one is the rare
exception: about 1 in 10^8 values). Anything a reader could notice — a printed digit, a gene
crossing FDR 5 %, a changed n, a new row — changes it.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a table is hashed (the CLI never needs it)
    import pandas as pd

SIGNIFICANT_DIGITS = 6
#: The first rounding step: well above the digits kept, well below floating-point noise.
NOISE_DIGITS = 10
ZERO_FRACTION = 1e-9
ABSOLUTE_ZERO = 1e-12


def number(value: float, scale: float | None = None) -> float:
    """One number, canonical: snapped to zero below the threshold, 6 significant digits."""
    value = float(value)
    if not math.isfinite(value):
        return value
    floor = ABSOLUTE_ZERO if scale is None else ZERO_FRACTION * scale
    if abs(value) < floor or value == 0:
        return 0.0
    settled = float(f"{value:.{NOISE_DIGITS}g}")
    return float(f"{settled:.{SIGNIFICANT_DIGITS}g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def text(value: float) -> str:
    """How a canonical number is written in a record (``0`` for zeros of either sign)."""
    return "0" if value == 0 else f"{value:.{SIGNIFICANT_DIGITS}g}"


def _scale(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def column(values: Any) -> list[str]:
    """A column of numbers, canonical, as text (the scale is the column's largest magnitude)."""
    arr = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan).ravel()
    scale = _scale(arr)
    return [text(number(v, scale)) for v in arr]


def coordinates(values: Any, sort_rows: bool = False) -> str:
    """Plotted data (an array of points or values) as canonical text, column by column scaled.

    ``sort_rows``: points whose drawing order carries no meaning (a scatter) are sorted.
    """
    arr = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    if arr.size == 0:
        return ""
    arr = arr.reshape(len(arr), -1) if arr.ndim else arr.reshape(1, 1)
    cols = [column(arr[:, j]) for j in range(arr.shape[1])]
    rows = [",".join(r) for r in zip(*cols, strict=True)]
    return ";".join(sorted(rows) if sort_rows else rows)


def table(frame: pd.DataFrame) -> str:
    """A data frame as canonical CSV text: floats canonical per column, rows sorted."""
    import pandas as pd

    out = pd.DataFrame(index=range(len(frame)))
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_float_dtype(col):
            out[str(name)] = column(col.to_numpy())
        else:
            out[str(name)] = [str(v) for v in col.to_numpy(dtype=object)]
    rows = sorted(out.itertuples(index=False, name=None))
    header = ",".join(map(str, out.columns))
    return "\n".join([header, *(",".join(r) for r in rows)])


def digest(text_: str) -> str:
    """The 16-hex-digit sha256 prefix used in fingerprints."""
    return hashlib.sha256(text_.encode()).hexdigest()[:16]
