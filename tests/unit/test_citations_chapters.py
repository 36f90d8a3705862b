"""Citation keys in chapters: real citations found, look-alikes ignored."""

from __future__ import annotations

import pytest

from xpo1review.citations.chapters import chapter_files, find_citations


def keys(text: str) -> list[str]:
    return [c.key for c in find_citations(text)]


def test_bracketed_in_text_and_suppressed_citations():
    text = "XPO1 [@azmi2021nuclear; @kim2022targeting, p. 3]. As @hanahan2011hallmarks show " \
           "[-@sokolova2025prognostic]. Braced @{odd:key}. End @vasan2019view."
    assert keys(text) == ["azmi2021nuclear", "kim2022targeting", "hanahan2011hallmarks",
                          "sokolova2025prognostic", "odd:key", "vasan2019view"]


def test_line_numbers_count_front_matter_and_soft_breaks():
    text = "---\ntitle: a@b\n---\n\n# T {#sec-t}\n\nfirst line\nsecond [@k1] and\n\nthird @k2\n"
    assert [(c.key, c.line) for c in find_citations(text)] == [("k1", 8), ("k2", 10)]


@pytest.mark.parametrize(
    "text",
    [
        "Write to someone@example.org or first.last@uni-hd.de.",
        "Autolinked <someone@example.org> and <https://example.org/@user>.",
        "Bare URL https://mastodon.social/@xpo1 and www.example.org/@team here.",
        "Code `@notakey` and `` `{python} f\"@x\"` ``.",
        "```{python}\n#| label: fig-x\nprint('@inside')\n```",
        "~~~\n[@fenced]\n~~~",
        "    indented @code block",
        "See @fig-protein, @tbl-trials, @sec-intro, @eq-hr, @lst-code and @apx-methods.",
        "<!-- figure: protein @placeholder -->",
        "Inline <span data-x=\"@attr\">html</span>.",
        "Escaped \\@literal at sign.",
        "---\nnocite: \"@yamlkey\"\n---\n\nText.",
    ],
)
def test_non_citations_are_not_keys(text):
    assert keys(text) == []


def test_citations_next_to_non_citations_still_found():
    text = "Mail a@b.org, see @fig-1, cite [@real2020key] and `@code`."
    assert keys(text) == ["real2020key"]


def test_tables_are_searched():
    text = "| a | b |\n|---|---|\n| x [@intable] | y |\n"
    assert [(c.key, c.line) for c in find_citations(text)] == [("intable", 3)]


def test_chapter_files_skip_hidden_and_underscore_dirs(tmp_path):
    (tmp_path / "chapters" / "_drafts").mkdir(parents=True)
    (tmp_path / "index.qmd").write_text("x")
    (tmp_path / "chapters" / "01-a.qmd").write_text("x")
    (tmp_path / "chapters" / "_drafts" / "old.qmd").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in chapter_files(tmp_path)] == [
        "index.qmd", "chapters/01-a.qmd"]
