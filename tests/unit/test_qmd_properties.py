"""Property tests (hypothesis) for the chapter reader and the citation scanner.

- arbitrary text raises nothing but :class:`QmdSyntaxError` (the reader's documented error),
  and what it reads converts to a notebook;
- a cell's code survives the trip through a chapter byte for byte;
- the lines reported for citations, inline expressions, cells and captions are the input's.

A fixed seed (``derandomize``) and bounded example counts keep the suite fast and repeatable.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbuild.citations.chapters import chapter_citations
from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.notebooks.convert import code_hash, notebook_from_qmd
from reviewbuild.qmd.reader import read_text

FAST = settings(derandomize=True, database=None, max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
#: What ``str.splitlines`` treats as line breaks besides ``\n`` (and ``\r``, which open()
#: turns into ``\n``): none of them ends a line in Quarto.
SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

#: Pieces of chapter syntax, so that random text often looks like (broken) chapters.
FRAGMENTS = [
    "---", "...", "\n", "\n\n", "```", "````", "~~~", "{python}", "{r}", "{mermaid}",
    "```{python}\n", "```\n", "#| ", "%%| ", "label: a", "tags: ", "eval: ", "error: ",
    "fig-cap: ", "tbl-cap: ", "fig-alt: ", "execute:", "  eval: ", "true", "false", "abc",
    "5", "[a, b]", "!!int x", "!!bool x", "!!timestamp x", "!!set {a, b}", "!!binary x",
    "!!python/object:x y", "2020-02-31", "2024-01-01", "&a [1]", "*a", "<<: *a", "{", "}",
    "[", "]", ":", "- ", "> ", "    ", "\t", "[@key]", "@key", "\\@", "`", "`{python} x`",
    "![alt [@k]](x.png)", "<!-- @c -->", "<span>", "https://x.org/@u", "# Title", "|a|b|\n|-|-|",
    '"', "'", "\x00", "\ufeff", "\r", *SEPARATORS,
]
chapter_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)),
                        max_size=40).map("".join)
#: YAML lines as front matter and ``#|`` options hold them, well-formed or not.
VALUES = ["true", "no", "5", "-1.5", ".nan", "abc", "[a, b]", "[1, [2]]", "{a: 1}", "2020-02-31",
          "2024-01-01", "2024-01-01 10:00:00", "!!int x", "!!float y", "!!bool z",
          "!!timestamp t", "!!set {a, b}", "!!binary QUJD", "!!omap [a: 1]", "!!str 1",
          "!!python/name:os.system", "!custom x", "&a [1]", "*a", "'quoted'", '"a\\x"',
          "[unclosed", "'open", "|", ">-", "", "~", "- a", ": x", "@key", "[@key]"]
KEYS = ["title", "date", "execute", "  eval", "  warning", "tags", "eval", "error", "include",
        "label", "fig-cap", "tbl-cap", "fig-alt", "fig-subcap", "echo", "x", "7", "true",
        "[a]", "<<", "? a"]
yaml_line = st.one_of(
    st.tuples(st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), max_size=2).map(" ".join))
    .map(": ".join), st.sampled_from(VALUES), st.text(max_size=8))
structured = st.builds(
    lambda front, cells, sep: (
        ("---\n" + "\n".join(front) + "\n---\n" if front else "") + "\n# T\n\n"
        + "".join(f"Text{sep} [@k] `{{python}} v`\n\n```{{python}}\n"
                  + "".join(f"#| {o}\n" for o in opts) + "x = 1\n```\n\n" for opts in cells)),
    st.lists(yaml_line, max_size=4), st.lists(st.lists(yaml_line, max_size=4), max_size=3),
    st.sampled_from(["", *SEPARATORS]))


@FAST
@given(st.one_of(st.text(), chapter_like))
def test_arbitrary_text_raises_only_documented_errors(text):
    _read_or_refuse(text)


@FAST
@given(structured)
def test_arbitrary_front_matter_and_options_raise_only_documented_errors(text):
    _read_or_refuse(text)


def _read_or_refuse(text: str) -> None:
    """Read ``text``: a QmdSyntaxError naming file and line, or a chapter that converts."""
    try:
        doc = read_text(text, "chapters/fuzz.qmd")
    except QmdSyntaxError as err:
        assert re.match(r"^chapters/fuzz\.qmd:\d+: \S", str(err)), str(err)
        return
    chapter_citations(doc)
    notebook_from_qmd(doc, "chapters/fuzz.qmd")
    code_hash(doc)


#: Lines a cell body may hold: anything but a line that could close or open a fence.
code_line = st.text(st.characters(blacklist_characters="\n\r\x00"), max_size=30).filter(
    lambda s: not s.lstrip().startswith(("```", "~~~")))


@FAST
@given(st.lists(code_line, max_size=8).map("\n".join), st.integers(0, 3))
def test_code_cells_round_trip_byte_for_byte(code, before):
    if re.match(r"#\s*\|", code):
        code = "x = 0\n" + code  # a first line `#| ...` is an option, not code
    prose = "".join(f"Line{sep} of prose.\n" for sep in SEPARATORS[:before])
    text = f"---\ntitle: T\n---\n\n# T\n\n{prose}\n```{{python}}\n#| label: c\n{code}\n```\n"
    doc = read_text(text, "chapters/c.qmd")
    (cell,) = doc.cells
    assert cell.code == code
    assert cell.line == 8 + before
    assert notebook_from_qmd(doc, "chapters/c.qmd").cells[2].source == code


word = st.text("abcdefghij", min_size=1, max_size=6)
piece = st.one_of(
    word, word, st.sampled_from(SEPARATORS), st.just("\n"),
    st.just("`code\nspan`"), st.just("[link](u\n'title')"), st.just("<i\n>"),
    st.just("CITE"), st.just("EXPR"))


@FAST
@given(st.lists(st.lists(piece, min_size=1, max_size=12), min_size=1, max_size=6),
       st.booleans())
def test_reported_lines_match_the_input(paragraphs, with_cell):
    """Every citation, inline expression, cell and caption is reported at its line."""
    out, expected, n = [], [], 0
    for pieces in paragraphs:
        words = []
        for p in pieces:
            line = 1 + "".join(out + words).count("\n")
            if p == "CITE":
                p = f"[@key{n}]"
                expected.append((f"key{n}", line))
            elif p == "EXPR":
                p = f"`{{python}} v{n}`"
                expected.append((f"v{n}", line))
            n += 1
            words.append(p)
        out.append("w " + " ".join(words).replace("\n ", "\n").replace("\n\n", "\nw\n"))
        out.append("\n\n")
        if with_cell:
            line = 1 + "".join(out).count("\n")
            out.append(f'```{{python}}\n#| label: c{n}\n#| fig-cap: "Cap [@cap{n}]"\nx = 1\n'
                       "```\n\n")
            expected += [(f"cell{n}", line), (f"cap{n}", line + 2)]
            n += 1
    doc = read_text("".join(out), "chapters/l.qmd")
    found = [(c.key, c.line) for c in chapter_citations(doc)]
    found += [(i.expr, i.line) for i in doc.inline]
    found += [(f"cell{c.options['label'][1:]}", c.line) for c in doc.cells]
    assert sorted(found) == sorted(expected)
