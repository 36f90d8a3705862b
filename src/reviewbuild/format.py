"""Numbers as prose: the text of inline `` `{python} ...` `` expressions.

All helpers refuse missing values (NaN/None) instead of printing "nan" into the book.
"""

from __future__ import annotations

import math
from numbers import Real


def _num(x: object, what: str) -> float:
    if hasattr(x, "item") and getattr(x, "ndim", 1) == 0:
        x = x.item()  # numpy scalar
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(float(x)):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return float(x)


def fmt_p(p: float, threshold: float = 0.001) -> str:
    """A p-value for the text: ``p = 0.032``, ``p = 0.41``, ``p < 0.001``."""
    p = _num(p, "p")
    if not 0 <= p <= 1:
        raise ValueError(f"a p-value must lie in [0, 1], got {p}")
    if p < threshold:
        return f"p < {threshold:g}"
    if p > 0.99:
        return "p > 0.99"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def fmt_p_mc(p: float, se: float) -> str:
    """A Monte Carlo p-value and its standard error.

    ``fmt_p_mc(0.0893, 0.00029)`` -> ``p = 0.089 (Monte Carlo standard error 0.0003)``.
    """
    se = _num(se, "Monte Carlo standard error")
    if se < 0:
        raise ValueError(f"a standard error cannot be negative, got {se}")
    return f"{fmt_p(p)} (Monte Carlo standard error {se:.1g})"


def fmt_pct(part: float, whole: float | None = None, digits: int = 0) -> str:
    """A percentage: ``fmt_pct(0.553)`` or ``fmt_pct(72, 130)`` -> ``55%``."""
    value = _num(part, "part")
    if whole is not None:
        whole = _num(whole, "whole")
        if whole == 0:
            raise ValueError("a percentage of zero cases is undefined")
        value /= whole
    return f"{100 * value:.{digits}f}%"


def fmt_count(n: int, singular: str | None = None, plural: str | None = None) -> str:
    """A count with thousands separators and an optional noun: ``1,234 patients``."""
    value = _num(n, "count")
    if value != int(value) or value < 0:
        raise ValueError(f"a count must be a non-negative whole number, got {n!r}")
    text = f"{int(value):,}"
    if singular is None:
        return text
    noun = singular if int(value) == 1 else (plural or singular + "s")
    return f"{text} {noun}"


def fmt_n(n: int) -> str:
    """A sample size: ``n = 130``."""
    return f"n = {fmt_count(n)}"


def fmt_hr(hr: float, lower: float, upper: float, digits: int = 2) -> str:
    """A hazard ratio with its 95% confidence interval: ``HR 1.45 (95% CI 1.10–1.92)``."""
    hr, lower, upper = _num(hr, "HR"), _num(lower, "CI lower"), _num(upper, "CI upper")
    if not 0 < lower <= hr <= upper:
        raise ValueError(f"need 0 < lower <= HR <= upper, got {lower}, {hr}, {upper}")
    return f"HR {hr:.{digits}f} (95% CI {lower:.{digits}f}–{upper:.{digits}f})"
