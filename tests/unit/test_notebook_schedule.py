"""The order independent chapters start in: longest first, by their last execution."""

from __future__ import annotations

from pathlib import Path

from reviewbuild.notebooks import schedule

BOOK = ["chapters/01-a.qmd", "chapters/02-b.qmd", "chapters/03-c.qmd", "chapters/04-d.qmd"]


def test_without_a_record_chapters_start_in_book_order(tmp_path: Path) -> None:
    assert schedule.longest_first(tmp_path, BOOK) == BOOK


def test_the_longest_start_first_and_new_chapters_before_them(tmp_path: Path) -> None:
    schedule.remember(tmp_path, {"chapters/01-a.qmd": 2.0, "chapters/02-b.qmd": 9.0})
    schedule.remember(tmp_path, {"chapters/04-d.qmd": 5.0})  # keeps what it knew of a and b
    assert schedule.longest_first(tmp_path, BOOK) == [
        "chapters/03-c.qmd", "chapters/02-b.qmd", "chapters/04-d.qmd", "chapters/01-a.qmd"]


def test_an_unreadable_record_means_book_order_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / schedule.DURATIONS
    path.parent.mkdir(parents=True)
    for junk in ("{not json", "[1, 2]", '{"chapters/02-b.qmd": "long"}'):
        path.write_text(junk, encoding="utf-8")
        assert schedule.longest_first(tmp_path, BOOK) == BOOK
    schedule.remember(tmp_path, {"chapters/04-d.qmd": 1.5})
    assert schedule.durations(tmp_path) == {"chapters/04-d.qmd": 1.5}


def test_a_cache_that_cannot_be_written_is_no_failure(tmp_path: Path) -> None:
    (tmp_path / ".cache").write_text("a file where the folder would be", encoding="utf-8")
    schedule.remember(tmp_path, {"chapters/01-a.qmd": 3.0})
    assert schedule.longest_first(tmp_path, BOOK) == BOOK
