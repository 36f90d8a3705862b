"""Crossref checks on recorded-format answers (tests/fixtures/crossref); no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewbuild.citations import crossref, refcheck, reflock
from reviewbuild.citations.bib import parse_bib_string
from reviewbuild.exceptions import RemoteAPIError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crossref"
TODAY = "2026-01-02"


def answer(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def recorded_fetcher(calls: list[str] | None = None) -> crossref.Fetcher:
    by_doi = {}
    for path in FIXTURES.glob("*.json"):
        message = crossref.message_of(json.loads(path.read_text(encoding="utf-8")))
        by_doi[message["DOI"].lower()] = message

    def fetch(doi: str) -> dict:
        if calls is not None:
            calls.append(doi)
        if doi.lower() not in by_doi:
            raise crossref.DOINotFound(f"Crossref has no record of DOI {doi} (HTTP 404)")
        return by_doi[doi.lower()]

    return fetch


def entry(key="dong2009leucine", title="Structural basis for leucine-rich nuclear export "
          "signal recognition by CRM1", author="Dong, X. and Biswas, A. and others",
          year="2009", doi="10.1038/nature07975"):
    text = (f"@article{{{key}, author={{{author}}}, title={{{{{title}}}}}, journal={{J}}, "
            f"year={{{year}}}" + (f", doi={{{doi}}}" if doi else "") + "}")
    return parse_bib_string(text).entries[0]


def test_matching_entry_is_ok_and_gives_csl():
    result, item = refcheck.check_entry(entry(), recorded_fetcher(), TODAY)
    assert (result.status, result.problems, result.checked) == ("ok", [], TODAY)
    assert item["id"] == "dong2009leucine" and item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Dong", "given": "Xiuhua"}
    assert item["issued"] == {"date-parts": [[2009, 3, 22]]}


def test_title_year_and_author_mismatches_are_reported():
    wrong = entry(title="Structure of an unrelated protein", year="2011",
                  author="Smith, J. and others")
    result, _ = refcheck.check_entry(wrong, recorded_fetcher(), TODAY)
    assert result.status == "mismatch"
    assert [p.split(" ")[0] for p in result.problems] == ["title", "year", "first"]
    assert "'Smith' but Crossref has 'Dong'" in result.problems[2]


def test_small_title_differences_are_tolerated():
    close = entry(title="Structural basis for leucine rich nuclear-export signal recognition "
                  "by {CRM1}.")
    assert refcheck.check_entry(close, recorded_fetcher(), TODAY)[0].status == "ok"
    assert refcheck.title_similarity("<i>In vivo</i> XPO1", "In vivo {XPO1}") == 1.0


def test_accents_in_family_names_are_folded():
    message = crossref.message_of(answer("dong2009leucine"))
    message = {**message, "author": [{"family": "Süel", "sequence": "first"}]}
    assert refcheck.compare(entry(author="Suel, K. E."), message) == []


def test_retraction_is_flagged():
    e = entry("ex2019", "Exportin 1 drives an invented phenotype", "Example, A.", "2019",
              "10.5555/xpo1-test-retracted")
    result, _ = refcheck.check_entry(e, recorded_fetcher(), TODAY)
    assert result.status == "retracted"
    assert result.problems == ["retracted: Retraction notice 10.5555/xpo1-test-retraction-notice"]


def test_correction_is_flagged_but_not_failing():
    e = entry("sa2020", "Exportin 1 in an invented cohort", "Sample, B.", "2020",
              "10.5555/xpo1-test-corrected")
    result, _ = refcheck.check_entry(e, recorded_fetcher(), TODAY)
    assert result.status == "corrected" and result.status not in refcheck.FAILING


def test_citing_a_retraction_notice_is_flagged():
    message = crossref.message_of(answer("retraction-notice"))
    status, notes = crossref.update_flags(message)
    assert status == "retracted"
    assert any("itself a retraction notice for 10.5555/xpo1-test-retracted" in n for n in notes)


def test_relation_retraction_is_flagged():
    message = {"title": ["T"], "relation": {"is-retracted-by": [{"id": "10.5555/r"}]}}
    assert crossref.update_flags(message) == ("retracted", ["relation is-retracted-by: 10.5555/r"])


def test_unknown_doi_and_missing_doi():
    missing = entry(doi="10.5555/does-not-exist")
    assert refcheck.check_entry(missing, recorded_fetcher(), TODAY)[0].status == "not-found"
    calls: list[str] = []
    result, item = refcheck.check_entry(entry(doi=""), recorded_fetcher(calls), TODAY)
    assert (result.status, item, calls) == ("no-doi", None, [])


def test_non_work_answer_is_rejected():
    with pytest.raises(RemoteAPIError, match="not a 'work' message"):
        crossref.message_of({"status": "ok", "message-type": "work-list", "message": {}})


def test_lock_round_trip_and_offline_comparison(tmp_path):
    lock_path = tmp_path / reflock.LOCK_NAME
    entries = [entry(), entry("nodoi2020", "A title", "Roe, R.", "2020", "")]
    results = refcheck.verify_online(entries, recorded_fetcher(), lock_path, today=TODAY)
    assert [r.status for r in results] == ["ok", "no-doi"]
    lock = json.loads(lock_path.read_text())
    assert lock["generated"] == TODAY
    assert [i["id"] for i in lock["items"]] == ["dong2009leucine"]
    assert refcheck.compare_with_lock(entries, lock) == ([], [])

    edited = [entry(year="2010"), entry("new2024", "New", "New, N.", "2024", "10.5555/n")]
    changes, flagged = refcheck.compare_with_lock(edited, lock)
    assert changes == [
        "dong2009leucine: changed since the last check: year 2009 -> 2010",
        "new2024: new since the last check",
        "nodoi2020: removed from the bibliography",
    ]
    assert flagged == []


def test_flagged_entries_are_reported_offline(tmp_path):
    lock_path = tmp_path / reflock.LOCK_NAME
    e = entry("ex2019", "Exportin 1 drives an invented phenotype", "Example, A.", "2019",
              "10.5555/xpo1-test-retracted")
    refcheck.verify_online([e], recorded_fetcher(), lock_path, today=TODAY)
    changes, flagged = refcheck.compare_with_lock([e], reflock.read_lock(lock_path))
    assert changes == [] and flagged[0].startswith("ex2019: retracted: ")


def test_accept_records_unverified_and_keeps_checked(tmp_path):
    lock_path = tmp_path / reflock.LOCK_NAME
    refcheck.verify_online([entry()], recorded_fetcher(), lock_path, today=TODAY)
    new = entry("new2024", "New", "New, N.", "2024", "10.5555/n")
    assert refcheck.accept([entry(), new], reflock.read_lock(lock_path), lock_path) == 1
    lock = reflock.read_lock(lock_path)
    assert lock["checks"]["dong2009leucine"]["status"] == "ok"
    assert lock["checks"]["new2024"]["status"] == "unverified"
    assert refcheck.compare_with_lock([entry(), new], lock) == ([], [])


def test_network_failure_is_a_clear_error(monkeypatch):
    import httpx2

    def offline(*args, **kwargs):
        raise httpx2.ConnectError("Name or service not known")

    monkeypatch.setattr(httpx2, "get", offline)
    with pytest.raises(RemoteAPIError, match="cannot reach api.crossref.org within 2 s"):
        crossref.crossref_fetcher(timeout=2)("10.1038/nature07975")


def test_habanero_answers_are_unwrapped_and_404_mapped(monkeypatch):
    import httpx2

    def fake_get(url, **kwargs):
        request = httpx2.Request("GET", url)
        assert kwargs["timeout"] == 3
        if url.endswith("10.1038/nature07975"):
            return httpx2.Response(200, json=answer("dong2009leucine"), request=request,
                                   headers={"content-type": "application/json"})
        return httpx2.Response(404, text="Resource not found.", request=request)

    monkeypatch.setattr(httpx2, "get", fake_get)
    fetch = crossref.crossref_fetcher(timeout=3)
    assert fetch("10.1038/nature07975")["DOI"] == "10.1038/nature07975"
    with pytest.raises(crossref.DOINotFound, match="HTTP 404"):
        fetch("10.5555/missing")


def test_greek_letters_match_their_spelled_out_names():
    assert refcheck.title_similarity("NF-κB and IIα", "NF-kappaB and IIalpha") == 1.0


def test_refs_verify_command_offline(tmp_path, monkeypatch, capsys):
    import argparse

    from reviewbuild.citations import commands

    (tmp_path / "_quarto.yml").write_text("bibliography: references.bib\n")
    bib = tmp_path / "references.bib"
    bib.write_text("@article{k2020, author={Doe, J.}, title={{T}}, journal={J}, year={2020}, "
                   "doi={10.5555/k}}\n")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> int:
        args = parser.parse_args(["refs", "verify", *argv])
        return args.handler(args)

    assert run() == 1 and "no references.lock.json yet" in capsys.readouterr().out
    assert run("--accept") == 0
    assert run() == 0
    bib.write_text(bib.read_text().replace("2020}", "2021}"))
    assert run() == 1
    assert "k2020: changed since the last check: year 2020 -> 2021" in capsys.readouterr().out


def test_refs_verify_online_network_error_is_reported(tmp_path, monkeypatch):
    import httpx2

    from reviewbuild.cli import main

    (tmp_path / "_quarto.yml").write_text("bibliography: references.bib\n")
    (tmp_path / "references.bib").write_text(
        "@article{k2020, author={Doe, J.}, title={T}, journal={J}, year={2020}, doi={10.5555/k}}")
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(tmp_path))

    def offline(*args, **kwargs):
        raise httpx2.ConnectError("Name or service not known")

    monkeypatch.setattr(httpx2, "get", offline)
    assert main(["refs", "verify", "--online", "--timeout", "1"]) == 1
    assert not (tmp_path / reflock.LOCK_NAME).exists()
