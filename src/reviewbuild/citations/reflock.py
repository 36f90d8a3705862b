"""The lock file of reference checks (``references.lock.json``): one record per bib key.

The file holds CSL-JSON ``items`` (from Crossref) plus a ``checks`` record per key (status,
problems, date, and the bib fields that were checked); it is written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from reviewbuild import atomic
from reviewbuild.exceptions import RemoteAPIError

LOCK_NAME = "references.lock.json"


@dataclass
class CheckResult:
    key: str
    doi: str
    status: str  # ok | mismatch | retracted | corrected | not-found | error | no-doi | unverified
    problems: list[str] = field(default_factory=list)
    checked: str | None = None  # ISO date of the online check
    fingerprint: dict = field(default_factory=dict)


def read_lock(path: Path) -> dict:
    """The lock file's content (an empty lock if there is none yet)."""
    if not path.is_file():
        return {"schema": 1, "generated": None, "items": [], "checks": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RemoteAPIError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from err


def write_lock(
    path: Path, results: Iterable[CheckResult], items: dict[str, dict], today: str
) -> None:
    """Write the checks and CSL items, sorted by key, atomically."""
    checks = {r.key: {k: v for k, v in asdict(r).items() if k != "key"} for r in results}
    data = {
        "schema": 1,
        "generated": today,
        "source": "Crossref REST API (api.crossref.org) via habanero; "
        "`reviewbuild refs verify --online` rewrites this file",
        "checks": dict(sorted(checks.items())),
        "items": [items[k] for k in sorted(items)],
    }
    atomic.write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
