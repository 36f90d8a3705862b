"""What Crossref says about a DOI: its ``/works`` record (habanero) and reading that record.

A record gives the years, the first author, retraction and correction notices (Crossref
``updated-by`` / ``update-to`` / ``relation``) and a CSL-JSON item for the lock file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewbuild.citations.reflock import LOCK_NAME
from reviewbuild.exceptions import RemoteAPIError

_RETRACTION_TYPES = {"retraction", "partial_retraction", "withdrawal", "removal"}
_TAG_RE = re.compile(r"<[^>]+>")


class DOINotFound(RemoteAPIError):
    """Crossref has no record of this DOI (HTTP 404)."""


Fetcher = Callable[[str], dict]


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
                f"`reviewbuild refs verify` without --online to compare against {LOCK_NAME}"
            ) from err
        return message_of(answer, doi)

    return fetch


def message_of(answer: dict, doi: str = "?") -> dict:
    """The ``message`` of a Crossref ``/works/{doi}`` answer (documented envelope)."""
    if not isinstance(answer, dict) or answer.get("message-type") != "work":
        raise RemoteAPIError(f"unexpected Crossref answer for DOI {doi}: not a 'work' message")
    return answer["message"]


def strip_tags(text: str) -> str:
    """Crossref text without its markup (``<i>``, ``<sub>``, ...)."""
    return _TAG_RE.sub("", text)


def crossref_years(message: dict) -> set[int]:
    """Every year among the record's issued and published dates."""
    years = set()
    for name in ("issued", "published", "published-print", "published-online"):
        parts = (message.get(name) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            years.add(int(parts[0][0]))
    return years


def crossref_first_family(message: dict) -> str | None:
    """The first author's family name (or an organisation's name), if any."""
    authors = message.get("author") or []
    if not authors:
        return None
    first = next((a for a in authors if a.get("sequence") == "first"), authors[0])
    return first.get("family") or first.get("name")


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
            item[name] = strip_tags(message[name][0])
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
