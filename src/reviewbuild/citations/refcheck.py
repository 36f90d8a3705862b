"""Check bibliography entries against Crossref and keep the results in a lock file.

``verify_online`` fetches each DOI's Crossref record (:mod:`~reviewbuild.citations.crossref`),
compares title (normalised similarity), year and first author's family name, and flags
retractions and corrections. Results go to ``references.lock.json``
(:mod:`~reviewbuild.citations.reflock`). ``compare_with_lock`` works offline: it reports
entries that changed since the last online check and entries the lock flags.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path

from reviewbuild.citations.bib import (
    BibEntry,
    ascii_fold,
    first_author_family,
    strip_braces,
    year_of,
)
from reviewbuild.citations.crossref import (
    DOINotFound,
    Fetcher,
    crossref_first_family,
    crossref_years,
    strip_tags,
    to_csl,
    update_flags,
)
from reviewbuild.citations.reflock import CheckResult, write_lock

TITLE_THRESHOLD = 0.85
#: statuses that fail ``refs verify``; "corrected" and "unverified" are only reported.
FAILING = {"mismatch", "retracted", "not-found", "error"}
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu"}


def normalise_title(title: str) -> str:
    """A title reduced to lower-case ASCII words (no markup, braces or punctuation)."""
    text = strip_braces(strip_tags(title))
    text = ascii_fold("".join(_GREEK.get(c, c) for c in text))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def title_similarity(a: str, b: str) -> float:
    """How alike two titles are once normalised (0 to 1)."""
    return difflib.SequenceMatcher(None, normalise_title(a), normalise_title(b)).ratio()


def compare(entry: BibEntry, message: dict) -> list[str]:
    """Differences between a bib entry and its Crossref record (title, year, first author)."""
    problems = []
    titles = message.get("title") or [""]
    similarity = title_similarity(entry.get("title"), titles[0])
    if similarity < TITLE_THRESHOLD:
        problems.append(
            f"title differs (similarity {similarity:.2f}): bib "
            f"{strip_braces(entry.get('title'))!r} vs Crossref {strip_tags(titles[0])!r}"
        )
    years = crossref_years(message)
    year = year_of(entry)
    if years and year not in years:
        problems.append(f"year {year} not among Crossref's dates {sorted(years)}")
    ours, theirs = first_author_family(entry), crossref_first_family(message)
    if ours and theirs and ascii_fold(ours).replace(" ", "") != ascii_fold(theirs).replace(" ", ""):
        problems.append(f"first author {ours!r} but Crossref has {theirs!r}")
    return problems


def fingerprint(entry: BibEntry) -> dict:
    """The bib fields a check depends on; a change means the check must be redone."""
    return {
        "doi": entry.doi.lower(),
        "title": normalise_title(entry.get("title")),
        "year": year_of(entry),
        "first_author": first_author_family(entry),
    }


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
