"""ClinicalTrials.gov API v2 client: paging, counts, errors, atomic snapshots, diff. Offline."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import requests

from reviewbuild.exceptions import RemoteAPIError
from xpo1review.trials import commands, ctgov, curated

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ctgov"
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


class FakeResponse:
    def __init__(self, body: Any = None, status: int = 200, text: str | None = None) -> None:
        self.status_code = status
        self._body = body
        self.text = text if text is not None else json.dumps(body)

    def json(self) -> Any:
        if self._body is None:
            return json.loads(self.text)  # raises ValueError on a non-JSON body
        return self._body


class FakeSession:
    """Answers ``get`` from a list of responses (or exceptions); records every request."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def get(self, url: str, params: dict[str, str], timeout: float) -> FakeResponse:
        self.calls.append({"url": url, "params": dict(params), "timeout": timeout})
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def _pages() -> list[FakeResponse]:
    return [FakeResponse(_fixture("page1.json")), FakeResponse(_fixture("page2.json"))]


def _refresh(tmp_path: Path, session: FakeSession, **kw) -> ctgov.RefreshResult:
    return ctgov.refresh(tmp_path, root=ROOT, session=session, now=NOW, **kw)


def test_query_lists_every_sine_compound_and_code() -> None:
    terms = ctgov.sine_terms(ROOT)
    compounds = curated.compounds(ROOT)
    sine = compounds[compounds["inhibitor_class"] == "SINE"]
    for value in [*sine["name"], *sine["code"].dropna()]:
        assert value in terms
    query = ctgov.intervention_query(terms)
    assert "selinexor" in query and '"KPT-330"' in query and '"SL-801"' in query
    assert "leptomycin" not in query  # not a SINE compound


def test_paging_follows_next_page_token_and_asks_for_the_count(tmp_path: Path) -> None:
    session = FakeSession(_pages())
    result = _refresh(tmp_path, session, page_size=2, timeout=5)
    first, second = session.calls
    assert first["url"] == ctgov.API_URL
    assert first["params"]["countTotal"] == "true"
    assert first["params"]["pageSize"] == "2"
    assert "pageToken" not in first["params"]
    assert second["params"]["pageToken"] == _fixture("page1.json")["nextPageToken"]
    assert {c["timeout"] for c in session.calls} == {5}
    fixture_ids = {s["protocolSection"]["identificationModule"]["nctId"]
                   for page in ("page1.json", "page2.json") for s in _fixture(page)["studies"]}
    assert result.n_studies == len(fixture_ids)
    assert result.total_count == _fixture("page1.json")["totalCount"]


def test_snapshot_records_query_time_and_studies(tmp_path: Path) -> None:
    result = _refresh(tmp_path, FakeSession(_pages()))
    assert result.snapshot == tmp_path / "ctgov-2026-01-02.json"
    snap = json.loads(result.snapshot.read_text())
    assert snap["retrieved_at"] == NOW.isoformat(timespec="seconds")
    assert snap["query"]["query.intr"] == ctgov.intervention_query(ctgov.sine_terms(ROOT))
    assert "pageToken" not in snap["query"]
    assert snap["n_studies"] == len(snap["studies"]) == snap["total_count"]
    record = next(s for s in snap["studies"] if s["nct_id"] == "NCT05093608")
    raw = _fixture("page1.json")["studies"][1]["protocolSection"]
    assert record["overall_status"] == raw["statusModule"]["overallStatus"]
    assert record["enrolment"] == raw["designModule"]["enrollmentInfo"]["count"]
    assert record["phases"] == raw["designModule"]["phases"]
    assert result.report_path.read_text() == result.report.to_markdown()


def test_diff_against_trials_csv(tmp_path: Path) -> None:
    trials = curated.trials(ROOT)
    result = _refresh(tmp_path, FakeSession(_pages()))
    report = result.report
    fetched = {r["nct_id"] for r in json.loads(result.snapshot.read_text())["studies"]}
    assert report.not_curated == sorted(fetched - set(trials["nct_id"]))
    assert report.not_found == sorted(set(trials["nct_id"]) - fetched)
    # the fixture's NCT05093608 is COMPLETED with 4 patients; the review says terminated, 2
    row = trials.set_index("nct_id").loc["NCT05093608"]
    assert {"nct_id": "NCT05093608", "curated": row["status"], "registry": "COMPLETED"} \
        in report.status_changed
    assert {"nct_id": "NCT05093608", "curated": int(row["enrolment"]), "registry": 4} \
        in report.enrolment_changed
    # NCT02283359 matches (terminated, 3 patients): not reported
    assert all(d["nct_id"] != "NCT02283359"
               for d in report.status_changed + report.enrolment_changed)


def test_status_not_stated_is_never_compared() -> None:
    trials = curated.trials(ROOT)
    unstated = trials[trials["status"] == "not stated"]["nct_id"].iloc[0]
    record = {"nct_id": unstated, "overall_status": "WITHDRAWN", "enrolment": None}
    assert ctgov.diff([record], trials).status_changed == []


def _previous_snapshot(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "ctgov-2026-01-02.json"
    path.write_text('{"previous": true}\n')
    return path, path.read_text()


FAILURES = [
    ("network", [requests.ConnectionError("connection refused")], "ConnectionError"),
    ("timeout", [requests.Timeout("read timed out")], "Timeout"),
    ("http", [FakeResponse({"error": "x"}, status=503)], "HTTP 503"),
    ("not-json", [FakeResponse(text="<html>maintenance</html>")], "not JSON"),
    ("no-studies", [FakeResponse({"totalCount": 1})], "no 'studies' list"),
    ("bad-study", [FakeResponse({"studies": [{"protocolSection": {}}]})], "nctId"),
    ("bad-count", [FakeResponse({"totalCount": "many", "studies": []})], "totalCount"),
    ("second-page-fails", [FakeResponse(_fixture("page1.json")),
                           requests.ConnectionError("reset")], "page 2"),
    ("count-mismatch", [FakeResponse({**_fixture("page2.json"), "totalCount": 5})],
     "totalCount is 5 but 1"),
    ("repeated-token", [FakeResponse({"studies": [], "nextPageToken": "A"}),
                        FakeResponse({"studies": [], "nextPageToken": "A"})], "repeats pageToken"),
]


@pytest.mark.parametrize(("case", "answers", "message"), FAILURES, ids=[f[0] for f in FAILURES])
def test_errors_leave_the_previous_snapshot_untouched(
        tmp_path: Path, case: str, answers: list[Any], message: str) -> None:
    path, before = _previous_snapshot(tmp_path)
    with pytest.raises(RemoteAPIError, match=message):
        _refresh(tmp_path, FakeSession(answers))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_failed_write_leaves_the_previous_snapshot_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, before = _previous_snapshot(tmp_path)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(ctgov.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        _refresh(tmp_path, FakeSession(_pages()))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_success_replaces_the_snapshot_of_the_same_day(tmp_path: Path) -> None:
    path, _ = _previous_snapshot(tmp_path)
    _refresh(tmp_path, FakeSession(_pages()))
    assert "previous" not in json.loads(path.read_text())


@pytest.mark.parametrize("size", [0, ctgov.MAX_PAGE_SIZE + 1])
def test_page_size_is_bounded(size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        ctgov.query_params(["selinexor"], size)


def test_default_out_dir_uses_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))
    assert ctgov.default_out_dir(ROOT) == tmp_path / "ctgov"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_refresh_writes_into_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(ctgov.requests, "Session", lambda: FakeSession(_pages()))
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(ROOT))
    assert _run(["trials", "refresh", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("ctgov-*.json"))) == 1
    assert "Studies found but not in trials.csv" in capsys.readouterr().out


def test_cli_show(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(ROOT))
    assert _run(["trials", "show", "--entity", "PAAD"]) == 0
    out = capsys.readouterr().out
    for nct in curated.trials_for("PAAD", ROOT)["nct_id"]:
        assert nct in out
    assert _run(["trials", "show", "compounds"]) == 0
    assert "selinexor" in capsys.readouterr().out
