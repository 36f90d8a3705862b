"""A small client of the ClinicalTrials.gov API v2 and a diff against data/trials.csv.

``refresh()`` asks ``GET /api/v2/studies`` for every study whose interventions mention a
SINE compound (names and codes from data/compounds.csv), follows ``nextPageToken`` until
the last page, checks the count against ``totalCount`` and writes a dated snapshot JSON
atomically (a temporary file renamed into place): on any error nothing is written and an
earlier snapshot stays as it was. Nothing fetched here is needed to build the book.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from reviewbuild import atomic
from reviewbuild.exceptions import RemoteAPIError
from reviewbuild.paths import project_root
from xpo1review.trials import curated
from xpo1review.trials.schemas import NCT_PATTERN

API_URL = "https://clinicaltrials.gov/api/v2/studies"
MAX_PAGE_SIZE = 1000
MAX_PAGES = 200
#: The fields of a study that the snapshot keeps (API v2 "pieces").
FIELDS = ("NCTId", "BriefTitle", "OverallStatus", "Phase", "EnrollmentCount", "EnrollmentType",
          "Condition", "InterventionName", "StartDate", "LastUpdatePostDate")
#: ClinicalTrials.gov overall statuses that the review's wording "ongoing" covers.
ONGOING = {"RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING",
           "ENROLLING_BY_INVITATION"}
STATUS_MAP = {"ongoing": ONGOING, "terminated": {"TERMINATED"}, "completed": {"COMPLETED"}}


def sine_terms(root: Path | None = None) -> list[str]:
    """Names and codes of the SINE compounds in data/compounds.csv (class exactly "SINE")."""
    frame = curated.compounds(root)
    sine = frame[frame["inhibitor_class"] == "SINE"]
    terms = [*sine["name"], *sine["code"].dropna()]
    return list(dict.fromkeys(t for t in terms if isinstance(t, str) and t))


def intervention_query(terms: list[str]) -> str:
    """``selinexor OR "KPT-330" OR ...``: terms with hyphens or spaces are quoted."""
    if not terms:
        raise ValueError("no intervention terms to search for")
    quoted = [f'"{t}"' if any(c in t for c in " -/") else t for t in terms]
    return " OR ".join(quoted)


def query_params(terms: list[str], page_size: int = MAX_PAGE_SIZE) -> dict[str, str]:
    """Request parameters of the first page (later pages add ``pageToken``)."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, got {page_size}")
    return {"query.intr": intervention_query(terms), "countTotal": "true",
            "pageSize": str(page_size), "fields": ",".join(FIELDS), "format": "json"}


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def study_record(study: Any) -> dict[str, Any]:
    """One study of the API's ``studies`` list -> the snapshot's flat record."""
    ident = _get(study, "protocolSection", "identificationModule", "nctId")
    if not isinstance(ident, str) or not NCT_PATTERN.fullmatch(ident):
        raise ValueError(f"study without a valid protocolSection.identificationModule.nctId "
                         f"(got {ident!r})")
    p = study["protocolSection"]
    enrol = _get(p, "designModule", "enrollmentInfo") or {}
    interventions = _get(p, "armsInterventionsModule", "interventions") or []
    return {
        "nct_id": ident,
        "title": _get(p, "identificationModule", "briefTitle"),
        "overall_status": _get(p, "statusModule", "overallStatus"),
        "phases": _get(p, "designModule", "phases") or [],
        "enrolment": enrol.get("count"),
        "enrolment_type": enrol.get("type"),
        "conditions": _get(p, "conditionsModule", "conditions") or [],
        "interventions": [i.get("name") for i in interventions if isinstance(i, dict)],
        "start_date": _get(p, "statusModule", "startDateStruct", "date"),
        "last_update": _get(p, "statusModule", "lastUpdatePostDateStruct", "date"),
    }


def _page(session: requests.Session, params: dict[str, str], timeout: float,
          number: int) -> dict[str, Any]:
    try:
        response = session.get(API_URL, params=params, timeout=timeout)
    except requests.RequestException as err:
        kind = err.__class__.__name__
        raise RemoteAPIError(f"ClinicalTrials.gov: page {number} failed ({kind}: {err}); "
                             "check the connection and retry - no snapshot written") from err
    if response.status_code != 200:
        raise RemoteAPIError(f"ClinicalTrials.gov: page {number} answered HTTP "
                             f"{response.status_code}: {response.text[:200]!r}; "
                             "no snapshot written")
    try:
        body = response.json()
    except ValueError as err:
        raise RemoteAPIError(f"ClinicalTrials.gov: page {number} is not JSON "
                             f"({response.text[:80]!r}); no snapshot written") from err
    if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
        raise RemoteAPIError(f"ClinicalTrials.gov: page {number} has no 'studies' list; the API "
                             "format may have changed - no snapshot written")
    return body


def fetch_studies(terms: list[str], *, session: requests.Session | None = None,
                  page_size: int = MAX_PAGE_SIZE, timeout: float = 30.0
                  ) -> tuple[dict[str, str], int | None, list[dict[str, Any]]]:
    """Every study matching ``terms``: (query params, totalCount, records)."""
    session = session or requests.Session()
    params = query_params(terms, page_size)
    records: list[dict[str, Any]] = []
    total: int | None = None
    token: str | None = None
    seen: set[str] = set()
    for number in range(1, MAX_PAGES + 1):
        body = _page(session, {**params, **({"pageToken": token} if token else {})}, timeout,
                     number)
        if number == 1:
            total = body.get("totalCount")
            if total is not None and not isinstance(total, int):
                raise RemoteAPIError(f"ClinicalTrials.gov: totalCount is {total!r}, not a number")
        try:
            records += [study_record(s) for s in body["studies"]]
        except ValueError as err:
            raise RemoteAPIError(f"ClinicalTrials.gov: page {number}: {err}; "
                                 "no snapshot written") from err
        token = body.get("nextPageToken")
        if not token:
            break
        if token in seen:
            raise RemoteAPIError(f"ClinicalTrials.gov: page {number} repeats pageToken {token!r}")
        seen.add(token)
    else:
        raise RemoteAPIError(f"ClinicalTrials.gov: more than {MAX_PAGES} pages; narrow the query")
    if total is not None and total != len(records):
        raise RemoteAPIError(f"ClinicalTrials.gov: totalCount is {total} but {len(records)} "
                             "studies arrived; paging was incomplete - no snapshot written")
    return params, total, records


@dataclass
class DiffReport:
    """What the registry says that the curated file does not (or no longer)."""

    not_curated: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    status_changed: list[dict[str, Any]] = field(default_factory=list)
    enrolment_changed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"not_curated": self.not_curated, "not_found": self.not_found,
                "status_changed": self.status_changed,
                "enrolment_changed": self.enrolment_changed}

    def to_markdown(self) -> str:
        out = ["# ClinicalTrials.gov vs data/trials.csv", ""]
        out.append(f"- Studies found but not in trials.csv ({len(self.not_curated)}): "
                   f"{', '.join(self.not_curated) or 'none'}")
        out.append(f"- Curated studies the search did not return ({len(self.not_found)}): "
                   f"{', '.join(self.not_found) or 'none'}")
        out.append(f"- Status differs ({len(self.status_changed)}):")
        out += [f"  - {d['nct_id']}: review '{d['curated']}', registry {d['registry']}"
                for d in self.status_changed]
        out.append(f"- Enrolment differs ({len(self.enrolment_changed)}):")
        out += [f"  - {d['nct_id']}: review {d['curated']}, registry {d['registry']}"
                for d in self.enrolment_changed]
        return "\n".join(out) + "\n"


def diff(records: list[dict[str, Any]], trials: pd.DataFrame) -> DiffReport:
    """Compare snapshot records with the curated trials (statuses as the review words them)."""
    by_id = {r["nct_id"]: r for r in records}
    curated_ids = list(trials["nct_id"])
    report = DiffReport(not_curated=sorted(set(by_id) - set(curated_ids)),
                        not_found=sorted(set(curated_ids) - set(by_id)))
    for row in trials.itertuples(index=False):
        record = by_id.get(row.nct_id)
        if record is None:
            continue
        allowed = STATUS_MAP.get(row.status)
        if allowed is not None and record["overall_status"] not in allowed:
            report.status_changed.append({"nct_id": row.nct_id, "curated": row.status,
                                          "registry": record["overall_status"]})
        if pd.notna(row.enrolment) and record["enrolment"] is not None \
                and int(row.enrolment) != int(record["enrolment"]):
            report.enrolment_changed.append({"nct_id": row.nct_id,
                                             "curated": int(row.enrolment),
                                             "registry": int(record["enrolment"])})
    return report


def default_out_dir(root: Path | None = None) -> Path:
    """``$REVIEWBUILD_CACHE/ctgov`` if set, else ``<root>/.cache/ctgov`` (never committed)."""
    if env := os.environ.get("REVIEWBUILD_CACHE"):
        return Path(env) / "ctgov"
    return (root or project_root()) / ".cache" / "ctgov"


@dataclass(frozen=True)
class RefreshResult:
    snapshot: Path
    report_path: Path
    report: DiffReport
    total_count: int | None
    n_studies: int


def refresh(out_dir: Path | None = None, *, root: Path | None = None,
            session: requests.Session | None = None, page_size: int = MAX_PAGE_SIZE,
            timeout: float = 30.0, now: dt.datetime | None = None) -> RefreshResult:
    """Fetch, then write ``ctgov-<date>.json`` and ``ctgov-<date>-diff.md`` into ``out_dir``."""
    now = now or dt.datetime.now(dt.UTC)
    out_dir = out_dir or default_out_dir(root)
    trials = curated.trials(root)
    params, total, records = fetch_studies(sine_terms(root), session=session,
                                           page_size=page_size, timeout=timeout)
    report = diff(records, trials)
    snapshot = {
        "source": "ClinicalTrials.gov API v2", "endpoint": API_URL, "query": params,
        "retrieved_at": now.isoformat(timespec="seconds"), "total_count": total,
        "n_studies": len(records), "studies": sorted(records, key=lambda r: r["nct_id"]),
        "diff_vs_trials_csv": report.to_dict(),
    }
    stem = f"ctgov-{now:%Y-%m-%d}"
    snap_path, report_path = out_dir / f"{stem}.json", out_dir / f"{stem}-diff.md"
    atomic.write_text(snap_path, json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n")
    atomic.write_text(report_path, report.to_markdown())
    return RefreshResult(snap_path, report_path, report, total, len(records))
