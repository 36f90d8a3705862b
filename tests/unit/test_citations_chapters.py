"""Citation keys in chapters: real citations found, look-alikes ignored."""

from __future__ import annotations

import pytest

from reviewbuild.citations.chapters import chapter_files, find_citations


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


# --- issue 12, item 7: line numbers stay exact ------------------------------------------------
@pytest.mark.parametrize(("text", "line"), [
    ("Code `spans\nover lines` and then [@k].\n", 2),
    ("A [link](https://example.org\n'title') then [@k].\n", 2),
    ("Raw <span\nclass=x> html then [@k].\n", 2),
    ("Form\x0cfeed and line\u2028separator\x85stay on one line\n\n[@k]\n", 3),
    ("\x0c\nA paragraph after a form-feed line [@k].\n", 2),
    ("---\ntitle: \"T\"\n---\n\n| a\x0cb | c |\n|---|---|\n| x `y` | [@k] |\n", 7),
])
def test_citation_lines_are_exact(text, line):
    assert [(c.key, c.line) for c in find_citations(text)] == [("k", line)]


def test_escaped_bracket_before_a_key_is_still_a_citation():
    assert keys("Escaped \\[@real2020] bracket.") == ["real2020"]


def test_multi_line_captions_keep_their_lines():
    text = ("# T\n\n```{python}\n#| label: fig-a\n#| fig-cap: \"First line\n#|   second [@k2]\"\n"
            "#| fig-alt: |\n#|     Literal [@k5]\n#| fig-subcap:\n#|   - \"one [@k9]\"\n"
            "#|   - >\n#|     folded\n#|     [@k13]\nx = 1\n```\n")
    assert [(c.key, c.line) for c in find_citations(text)] == [
        ("k2", 6), ("k5", 8), ("k9", 10), ("k13", 13)]
