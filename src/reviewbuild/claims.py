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
so ``quarto render`` stops and the tests fail. ``expect`` and ``provenance`` take a real
boolean only (``bool`` or NumPy's ``bool_``): a string, ``None``, NaN or any other object is a
:class:`ClaimError` naming the claim, recorded as ``invalid``.

Where the verdicts go: every claim made in an execution is kept in the execution's state
(:mod:`reviewbuild.session`), which one ``begin_chapter`` per execution opens and no later
call empties. When the engine runs the chapter (its setup cell ``enter_chapter``), a failing
claim is also sent to the engine as a display the moment it fails, so catching the
exception, ``#| error: true`` or later cells change nothing: the engine, not the cell,
decides that the chapter failed (:mod:`reviewbuild.notebooks.verdicts`).

Where claims are stored: the golden notebook of every chapter (``tests/notebooks/<chapter>.ipynb``,
written by ``reviewbuild notebooks build``/``accept`` and committed) ends with a cell calling
:func:`summary`, whose output is every claim of the execution as JSON. nbval compares that
output on every test run, and the claims report (:mod:`reviewbuild.notebooks.report`:
``reviewbuild claims``, appendix ``chapters/claims.qmd``) reads it back, so the report needs
no chapter executed again. This module imports nothing of the
notebooks: chapter cells import it, and the notebooks tooling imports it, never the other way
round.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from reviewbuild import canonical, session
from reviewbuild.exceptions import ClaimDrift, ClaimError

COMPUTED, CITED, NOT_CHECKED = "computed", "cited", "not checked"
PROVENANCE = "provenance"
#: Statuses that fail every gate (a false claim; a misused one).
DRIFTED, INVALID = "drifted", "invalid"
FAILING = frozenset({DRIFTED, INVALID})
#: Tag of the golden-notebook cell whose output holds the chapter's claims.
SUMMARY_TAG = "reviewbuild-claims"
#: MIME type of the display a failing claim sends to the engine.
VERDICT_MIME = "application/vnd.reviewbuild.claim+json"
#: The functions that make a claim: a cell calling one must execute (never ``eval: false``).
CLAIM_FUNCTIONS = frozenset({"expect", "provenance", "cited", "not_checked"})
#: The errors of a failing claim, the only ones an ``error: true`` cell may show.
CLAIM_ERRORS = frozenset({ClaimDrift.__name__, ClaimError.__name__})


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


def begin_chapter(chapter_id: str) -> None:
    """Start a chapter's execution: later claims belong to ``chapter_id`` (the file's stem).

    Once per execution: a second call is a :class:`ClaimError` (it would hide the claims
    made before it). Interactively, restart the kernel to run the chapter again.
    """
    if not chapter_id or not isinstance(chapter_id, str):
        raise ClaimError(f"begin_chapter needs the chapter's file stem, got {chapter_id!r}")
    state = session.current() if session.started() else session.reset()
    if state.chapter is not None:
        raise ClaimError(
            f"begin_chapter({chapter_id!r}) called again in one execution of chapter "
            f"{state.chapter}: call it once, in the chapter's setup cell (to run a chapter "
            "again interactively, restart the kernel)")
    if state.expected is not None and chapter_id != state.expected:
        raise ClaimError(f"begin_chapter({chapter_id!r}) in the chapter whose file stem is "
                         f"{state.expected!r}: write begin_chapter({state.expected!r})")
    state.chapter = chapter_id


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
    problem = _not_boolean(condition)
    if problem:
        _register(check_id, statement, kind, INVALID, values, reason=problem)
        raise ClaimError(f"{label} {check_id!r} in chapter {session.current().chapter}: "
                         f"{problem}")
    holds = bool(condition)
    check = _register(check_id, statement, kind, "holds" if holds else DRIFTED, values)
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
    """Every claim made in this execution, in order (:mod:`reviewbuild.session`)."""
    return list(session.current().claims)


def summary() -> None:
    """Print every claim of this execution as JSON (the last cell of every golden notebook)."""
    print(json.dumps([asdict(c) for c in claims()], indent=1, sort_keys=True, ensure_ascii=False))


# --- internals ----------------------------------------------------------------
def _register(claim_id: str, statement: str, kind: str, status: str,
              values: dict[str, Any], **extra: Any) -> Claim:
    state = session.current()
    if state.chapter is None or not session.started():
        raise ClaimError(
            f"claim {claim_id!r} made before begin_chapter(...): add the chapter's setup cell "
            "`from reviewbuild.claims import begin_chapter; begin_chapter(\"<file stem>\")`"
        )
    if not isinstance(claim_id, str) or not claim_id.strip():
        raise ClaimError(f"chapter {state.chapter}: a claim id must be a non-empty string")
    if not isinstance(statement, str) or not statement.strip():
        raise ClaimError(f"claim {claim_id!r} in chapter {state.chapter} needs its statement")
    first = next((c for c in state.claims if c.id == claim_id), None)
    if first is not None:
        problem = (f"claim id {claim_id!r} is used twice in chapter {state.chapter} "
                   f"(first: {first.statement!r}); give each claim its own id")
        _record(state, Claim(claim_id, state.chapter, statement, kind, INVALID,
                             {k: _plain(v) for k, v in values.items()}, reason=problem))
        raise ClaimError(problem)
    return _record(state, Claim(claim_id, state.chapter, statement, kind, status,
                                {k: _plain(v) for k, v in values.items()}, **extra))


def _record(state: session.Execution, claim: Claim) -> Claim:
    """Keep ``claim`` in the execution; tell the engine at once if it fails."""
    state.claims.append(claim)
    if state.engine and claim.status in FAILING:
        from IPython.display import display

        display({VERDICT_MIME: asdict(claim),
                 "text/plain": f"[claim {claim.id}: {claim.status}]"}, raw=True)
    return claim


def _not_boolean(condition: Any) -> str | None:
    """Why ``condition`` is not a verdict (None: it is ``True``/``False``)."""
    numpy = sys.modules.get("numpy")
    if isinstance(condition, bool) or (numpy is not None and isinstance(condition, numpy.bool_)):
        return None
    if isinstance(condition, float) and math.isnan(condition):
        what = "NaN"
    else:
        what = f"{type(condition).__name__} {_short(condition)}"
    return (f"the condition must be True or False (a comparison such as `p < 0.05`, "
            f"written without quotes), got {what}")


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any object may be passed; its repr may fail too
        text = "(no repr)"
    return text if len(text) <= 60 else text[:57] + "..."


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
