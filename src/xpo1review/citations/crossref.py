"""Check bibliography entries against Crossref and keep the results in a lock file.

``verify_online`` fetches each DOI's Crossref record (habanero), compares title (normalised
similarity), year and first author's family name, and flags retractions and corrections
(Crossref ``updated-by`` / ``update-to`` / ``relation``). Results go to
``references.lock.json``: CSL-JSON ``items`` (from Crossref) plus a ``checks`` record per
key (status, problems, date, and the bib fields that were checked). ``compare_with_lock``
works offline: it reports entries that changed since the last online check and entries
the lock flags.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xpo1review import atomic
from xpo1review.citations.bib import (
    BibEntry,
    ascii_fold,
    first_author_family,
    strip_braces,
    year_of,
)
from xpo1review.exceptions import RemoteAPIError

LOCK_NAME = "references.lock.json"
TITLE_THRESHOLD = 0.85
#: statuses that fail ``refs verify``; "corrected" and "unverified" are only reported.
FAILING = {"mismatch", "retracted", "not-found", "error"}
_RETRACTION_TYPES = {"retraction", "partial_retraction", "withdrawal", "removal"}
_TAG_RE = re.compile(r"<[^>]+>")
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu"}


class DOINotFound(RemoteAPIError):
    """Crossref has no record of this DOI (HTTP 404)."""


Fetcher = Callable[[str], dict]


@dataclass
class CheckResult:
    key: str
    doi: str
    status: str  # ok | mismatch | retracted | corrected | not-found | error | no-doi | unverified
    problems: list[str] = field(default_factory=list)
    checked: str | None = None  # ISO date of the online check
    fingerprint: dict = field(default_factory=dict)


# --- fetching -----------------------------------------------------------------------------
def crossref_fetcher(timeout: float = 10.0, mailto: str | None = None) -> Fetcher:
    """A function DOI -> Crossref ``message`` using habanero, with a per-request timeout."""
    import httpx2  # habanero's HTTP client
    from habanero import Crossref
    from habanero.exceptions import RequestError

    client = Crossref(mailto=mailto, timeout=timeout)

    def fetch(doi: str) -> dict:
        try:
            answer = client.works(ids=doi)
        except (httpx2.HTTPStatusError, RequestError) as err:
            status = (
                err.response.status_code
                if isinstance(err, httpx2.HTTPStatusError)
                else err.status_code
            )
            if status == 404:
                raise DOINotFound(f"Crossref has no record of DOI {doi} (HTTP 404)") from err
            raise RemoteAPIError(f"Crossref answered HTTP {status} for DOI {doi}") from err
        except (httpx2.TransportError, RuntimeError) as err:
            raise RemoteAPIError(
                f"cannot reach api.crossref.org within {timeout:g} s "
                f"({type(err).__name__}: {err}); check the network, or run "
                f"`xpo1review refs verify` without --online to compare against {LOCK_NAME}"
            ) from err
        return message_of(answer, doi)

    return fetch


def message_of(answer: dict, doi: str = "?") -> dict:
    """The ``message`` of a Crossref ``/works/{doi}`` answer (documented envelope)."""
    if not isinstance(answer, dict) or answer.get("message-type") != "work":
        raise RemoteAPIError(f"unexpected Crossref answer for DOI {doi}: not a 'work' message")
    return answer["message"]


# --- comparing ----------------------------------------------------------------------------
def normalise_title(title: str) -> str:
    text = strip_braces(_TAG_RE.sub("", title))
    text = ascii_fold("".join(_GREEK.get(c, c) for c in text))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def title_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise_title(a), normalise_title(b)).ratio()


def crossref_years(message: dict) -> set[int]:
    years = set()
    for name in ("issued", "published", "published-print", "published-online"):
        parts = (message.get(name) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            years.add(int(parts[0][0]))
    return years


def crossref_first_family(message: dict) -> str | None:
    authors = message.get("author") or []
    if not authors:
        return None
    first = next((a for a in authors if a.get("sequence") == "first"), authors[0])
    return first.get("family") or first.get("name")


def compare(entry: BibEntry, message: dict) -> list[str]:
    """Differences between a bib entry and its Crossref record (title, year, first author)."""
    problems = []
    titles = message.get("title") or [""]
    similarity = title_similarity(entry.get("title"), titles[0])
    if similarity < TITLE_THRESHOLD:
        problems.append(
            f"title differs (similarity {similarity:.2f}): bib "
            f"{strip_braces(entry.get('title'))!r} vs Crossref {_TAG_RE.sub('', titles[0])!r}"
        )
    years = crossref_years(message)
    year = year_of(entry)
    if years and year not in years:
        problems.append(f"year {year} not among Crossref's dates {sorted(years)}")
    ours, theirs = first_author_family(entry), crossref_first_family(message)
    if ours and theirs and ascii_fold(ours).replace(" ", "") != ascii_fold(theirs).replace(" ", ""):
        problems.append(f"first author {ours!r} but Crossref has {theirs!r}")
    return problems


def update_flags(message: dict) -> tuple[str | None, list[str]]:
    """("retracted" | "corrected" | None, messages) from Crossref's update metadata."""
    status, notes = None, []
    for update in message.get("updated-by") or []:
        kind = (update.get("type") or "").lower()
        note = f"{update.get('label') or kind} notice {update.get('DOI', '?')}"
        if kind in _RETRACTION_TYPES:
            status = "retracted"
            notes.append(f"retracted: {note}")
        else:
            status = status or "corrected"
            notes.append(f"updated: {note}")
    for update in message.get("update-to") or []:
        kind = (update.get("type") or "update").lower()
        status = "retracted" if kind in _RETRACTION_TYPES else status or "corrected"
        notes.append(
            f"this DOI is itself a {kind} notice for {update.get('DOI', '?')}: "
            "cite the original article"
        )
    for relation, targets in (message.get("relation") or {}).items():
        if "retract" in relation or "correct" in relation:
            ids = ", ".join(t.get("id", "?") for t in targets or [])
            status = "retracted" if "retract" in relation else status or "corrected"
            notes.append(f"relation {relation}: {ids}")
    title = (message.get("title") or [""])[0]
    if re.match(r"^\s*(retracted|retraction)\b", title, re.IGNORECASE):
        status = "retracted"
        notes.append(f"Crossref title says {title[:60]!r}")
    return status, notes


def fingerprint(entry: BibEntry) -> dict:
    """The bib fields a check depends on; a change means the check must be redone."""
    return {
        "doi": entry.doi.lower(),
        "title": normalise_title(entry.get("title")),
        "year": year_of(entry),
        "first_author": first_author_family(entry),
    }


def to_csl(key: str, message: dict) -> dict:
    """A CSL-JSON item from a Crossref work (Crossref's fields are CSL-shaped already)."""
    kind = {
        "journal-article": "article-journal",
        "posted-content": "article",
        "dataset": "dataset",
        "book-chapter": "chapter",
    }.get(message.get("type", ""), "article")
    item = {"id": key, "type": kind, "DOI": message.get("DOI")}
    for name in ("title", "container-title"):
        if message.get(name):
            item[name] = _TAG_RE.sub("", message[name][0])
    if message.get("author"):
        item["author"] = [
            {k: a[k] for k in ("family", "given", "literal") if k in a}
            or {"literal": a.get("name", "")}
            for a in message["author"]
        ]
    for name in ("volume", "issue", "page", "URL"):
        if message.get(name):
            item[name] = message[name]
    if message.get("issued"):
        item["issued"] = {"date-parts": message["issued"].get("date-parts")}
    return item


def check_entry(entry: BibEntry, fetch: Fetcher, today: str) -> tuple[CheckResult, dict | None]:
    """One entry's online check; network failures propagate (the run stops)."""
    result = CheckResult(
        entry.key, entry.doi, "no-doi", checked=today, fingerprint=fingerprint(entry)
    )
    if not entry.doi:
        return result, None
    try:
        message = fetch(entry.doi)
    except DOINotFound as err:
        result.status, result.problems = "not-found", [str(err)]
        return result, None
    mismatches = compare(entry, message)
    flag, notes = update_flags(message)
    result.problems = mismatches + notes
    if flag == "retracted":
        result.status = "retracted"
    elif mismatches:
        result.status = "mismatch"
    else:
        result.status = flag or "ok"
    return result, to_csl(entry.key, message)


# --- the lock file ------------------------------------------------------------------------
def read_lock(path: Path) -> dict:
    if not path.is_file():
        return {"schema": 1, "generated": None, "items": [], "checks": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RemoteAPIError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from err


def write_lock(
    path: Path, results: Iterable[CheckResult], items: dict[str, dict], today: str
) -> None:
    checks = {r.key: {k: v for k, v in asdict(r).items() if k != "key"} for r in results}
    data = {
        "schema": 1,
        "generated": today,
        "source": "Crossref REST API (api.crossref.org) via habanero; "
        "`xpo1review refs verify --online` rewrites this file",
        "checks": dict(sorted(checks.items())),
        "items": [items[k] for k in sorted(items)],
    }
    atomic.write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def verify_online(
    entries: list[BibEntry],
    fetch: Fetcher,
    lock_path: Path,
    today: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[CheckResult]:
    """Check every entry online, write the lock file, return the results."""
    today = today or dt.date.today().isoformat()
    results, items = [], {}
    for entry in entries:
        result, item = check_entry(entry, fetch, today)
        results.append(result)
        if item:
            items[entry.key] = item
        if progress:
            progress(f"{result.status:10s} {entry.key}")
    write_lock(lock_path, results, items, today)
    return results


def compare_with_lock(entries: list[BibEntry], lock: dict) -> tuple[list[str], list[str]]:
    """Offline: (changes since the lock, problems the lock records) as readable lines."""
    checks = lock.get("checks") or {}
    changes, flagged = [], []
    current = {e.key: e for e in entries}
    for key, entry in current.items():
        record = checks.get(key)
        if record is None:
            changes.append(f"{key}: new since the last check")
            continue
        old, new = record.get("fingerprint") or {}, fingerprint(entry)
        diffs = [f"{k} {old.get(k)!r} -> {new[k]!r}" for k in new if old.get(k) != new[k]]
        if diffs:
            changes.append(f"{key}: changed since the last check: " + "; ".join(diffs))
        elif record.get("status") not in {"ok", "no-doi", "unverified"}:
            flagged.append(
                f"{key}: {record.get('status')}: " + "; ".join(record.get("problems") or [])
            )
    changes += [f"{key}: removed from the bibliography" for key in checks if key not in current]
    return changes, flagged


def accept(entries: list[BibEntry], lock: dict, lock_path: Path, today: str | None = None) -> int:
    """Offline: record new/changed entries as "unverified" (keeps earlier online results)."""
    today = today or dt.date.today().isoformat()
    checks = lock.get("checks") or {}
    items = {i["id"]: i for i in lock.get("items") or []}
    results, changed = [], 0
    for entry in entries:
        record, fp = checks.get(entry.key), fingerprint(entry)
        if record and record.get("fingerprint") == fp:
            results.append(CheckResult(entry.key, **record))
            continue
        changed += 1
        items.pop(entry.key, None)
        results.append(CheckResult(entry.key, entry.doi, "unverified", fingerprint=fp))
    keep = {r.key for r in results}
    write_lock(lock_path, results, {k: v for k, v in items.items() if k in keep}, today)
    return changed
