"""The order in which independent chapters start: longest first, by their last execution.

With several chapters executed at once, starting the longest ones first keeps every core busy
until the end (a long chapter started last would run alone). How long each chapter took is
remembered in ``.cache/reviewbuild/durations.json``, a hint that is never an input: the order
changes no output, and a missing or unreadable file only means book order.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewbuild import atomic

DURATIONS = Path(".cache") / "reviewbuild" / "durations.json"


def durations(root: Path) -> dict[str, float]:
    """Seconds each chapter's last execution took (empty when nothing usable is recorded)."""
    try:
        data = json.loads((root / DURATIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, int | float)}


def longest_first(root: Path, chapters: list[str]) -> list[str]:
    """``chapters`` with the longest known first; chapters never timed lead, in book order."""
    known = durations(root)
    return sorted(chapters, key=lambda c: -known.get(c, float("inf")))


def remember(root: Path, seconds: dict[str, float]) -> None:
    """Record how long these chapters took, keeping what is known of the others (a project
    where ``.cache/`` cannot be written keeps book order: the hint is not worth a failure)."""
    if not seconds:
        return
    path = root / DURATIONS
    merged = {**durations(root), **{c: round(s, 2) for c, s in seconds.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, json.dumps(merged, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass
