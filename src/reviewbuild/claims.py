"""Claims: what the text says the data shows, checked every time a chapter executes.

Chapters use five functions::

    begin_chapter("03-results")                      # hidden setup cell
    expect(hr > 1, "gene-high-worse-os",
           "High expression goes with shorter overall survival", hr=hr, p=p)
    cited("trials-count", "142 registered trials test the drug class", "smith2025review")
    not_checked("ihc-share", "55% of tumours overexpress the protein", "no per-patient data")
    provenance("source-paired-subset", source_id == "paired-STAD",
               "The text describes the paired subset", source=source_id)

A provenance check is not a finding: it guards that the prose still describes the data the
chapter reads (which source, which curated table). It fails like ``expect`` but is listed
apart from the claims in the report.

A false ``expect`` raises :class:`ClaimDrift` naming the claim, chapter, statement and values,
so ``quarto render`` stops and the tests fail.

Where claims are stored: the golden notebook of every chapter (``tests/notebooks/<chapter>.ipynb``,
written by ``reviewbuild notebooks build``/``accept`` and committed) ends with a cell calling
:func:`summary`, whose output is the chapter's claims as JSON. nbval compares that output on
every test run, and the claims report (:mod:`reviewbuild.notebooks.report`: ``reviewbuild
claims``, appendix ``chapters/claims.qmd``) reads it back, so the report works with Quarto's
freeze without re-executing any chapter. This module imports nothing of the notebooks: chapter
cells import it, and the notebooks tooling imports it, never the other way round.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from reviewbuild import canonical
from reviewbuild.exceptions import ClaimDrift, ClaimError

COMPUTED, CITED, NOT_CHECKED = "computed", "cited", "not checked"
PROVENANCE = "provenance"
#: Tag of the golden-notebook cell whose output holds the chapter's claims.
SUMMARY_TAG = "reviewbuild-claims"


@dataclass
class Claim:
    id: str
    chapter: str
    statement: str
    kind: str
    status: str
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    reason: str | None = None


_chapter: str | None = None
_claims: dict[str, Claim] = {}


def begin_chapter(chapter_id: str) -> None:
    """Start a chapter's execution: later claims belong to ``chapter_id`` (the file's stem).

    Also forgets which data sources were read, so the data-aware cache records this chapter's.
    """
    global _chapter
    if not chapter_id or not isinstance(chapter_id, str):
        raise ClaimError(f"begin_chapter needs the chapter's file stem, got {chapter_id!r}")
    _chapter = chapter_id
    _claims.clear()
    from reviewbuild.data import provenance

    provenance.reset()


def expect(condition: Any, claim_id: str, statement: str, **values: Any) -> None:
    """Assert a data-backed statement; raise :class:`ClaimDrift` if the data contradict it."""
    _check(COMPUTED, "claim", claim_id, condition, statement, values,
           "The data no longer support this sentence: check the data change, then rewrite the "
           "sentence and its claim in")


def provenance(check_id: str, condition: Any, statement: str, **values: Any) -> None:
    """Guard what the prose says about its inputs; raise :class:`ClaimDrift` if it changed."""
    _check(PROVENANCE, "provenance check", check_id, condition, statement, values,
           "The chapter now reads different inputs: revise the prose that describes them in")


def _check(kind: str, label: str, check_id: str, condition: Any, statement: str,
           values: dict[str, Any], advice: str) -> None:
    holds = _truth(condition, check_id)
    check = _register(check_id, statement, kind, "holds" if holds else "drifted", values)
    if not holds:
        shown = ", ".join(f"{k}={v!r}" for k, v in check.values.items()) or "(none given)"
        raise ClaimDrift(
            f"{label} {check_id!r} no longer holds in chapter {check.chapter}: "
            f"{statement!r}; values: {shown}. {advice} chapters/{check.chapter}.qmd"
        )


def cited(claim_id: str, statement: str, key: str, **values: Any) -> None:
    """Register a fact taken from the literature (``key``: its bibliography key)."""
    key = (key or "").lstrip("@").strip()
    if not key:
        raise ClaimError(f"cited claim {claim_id!r} needs the bibliography key of its source")
    _register(claim_id, statement, CITED, "cited", values, key=key)


def not_checked(claim_id: str, statement: str, reason: str) -> None:
    """Register a statement the project's data cannot check, and why."""
    if not reason:
        raise ClaimError(f"claim {claim_id!r}: say why it is not checked")
    _register(claim_id, statement, NOT_CHECKED, "not checked", {}, reason=reason)


def claims() -> list[Claim]:
    """The claims registered since the last :func:`begin_chapter`, in order."""
    return list(_claims.values())


def summary() -> None:
    """Print this chapter's claims as JSON (the last cell of every golden notebook)."""
    print(json.dumps([asdict(c) for c in claims()], indent=1, sort_keys=True, ensure_ascii=False))


# --- internals ----------------------------------------------------------------
def _register(claim_id: str, statement: str, kind: str, status: str,
              values: dict[str, Any], **extra: Any) -> Claim:
    if _chapter is None:
        raise ClaimError(
            f"claim {claim_id!r} made before begin_chapter(...): add the chapter's setup cell "
            "`from reviewbuild.claims import begin_chapter; begin_chapter(\"<file stem>\")`"
        )
    if not isinstance(claim_id, str) or not claim_id.strip():
        raise ClaimError(f"chapter {_chapter}: a claim id must be a non-empty string")
    if not isinstance(statement, str) or not statement.strip():
        raise ClaimError(f"claim {claim_id!r} in chapter {_chapter} needs its statement")
    if claim_id in _claims:
        raise ClaimError(
            f"claim id {claim_id!r} is used twice in chapter {_chapter} "
            f"(first: {_claims[claim_id].statement!r}); give each claim its own id "
            "(re-running a cell interactively? call begin_chapter again)"
        )
    claim = Claim(claim_id, _chapter, statement, kind, status,
                  {k: _plain(v) for k, v in values.items()}, **extra)
    _claims[claim_id] = claim
    return claim


def _truth(condition: Any, claim_id: str) -> bool:
    try:
        return bool(condition)
    except (TypeError, ValueError) as err:
        raise ClaimError(
            f"claim {claim_id!r}: the condition must be a single true/false value, "
            f"got {type(condition).__name__} ({err})"
        ) from err


def _plain(value: Any) -> Any:
    """A JSON-safe, platform-stable copy of a value (floats canonical: :mod:`.canonical`)."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return canonical.number(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
