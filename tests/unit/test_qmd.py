"""Parsing .qmd chapters and converting them to notebooks (no kernel needed)."""

from __future__ import annotations

import pytest

from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.notebooks.convert import code_hash, code_signature, notebook_from_qmd
from reviewbuild.qmd.model import CodeCell, InlineExpr
from reviewbuild.qmd.reader import read_text as parse_text

CHAPTER = """\
---
title: Gastric
execute:
  echo: false
---

# Gastric cancer {#sec-gastric}

```{python}
#| label: fig-km
#| fig-cap: "Overall survival"
x = 1
```

We saw `{python} x` patients and
`{python} fmt_p(p)` later, but `not {python} code` is plain code.

| cohort | n |
|---|---|
| STAD | `{python} n_stad` |

````markdown
```{python}
inside_a_four_backtick_fence = True
```
````

```python
display_only = True
```

- a list
  ```{python}
  #| eval: false
  never_run()
  ```

```{r}
r_cell <- 1
```
"""


def test_front_matter_cells_options_and_inline_expressions():
    doc = parse_text(CHAPTER, "chapters/09-gastric.qmd")
    assert doc.front_matter == {"title": "Gastric", "execute": {"echo": False}}
    kinds = [(type(i).__name__, getattr(i, "code", getattr(i, "expr", None)), i.line)
             for i in doc.python_items()]
    assert kinds == [
        ("CodeCell", "x = 1", 9),
        ("InlineExpr", "x", 15),
        ("InlineExpr", "fmt_p(p)", 16),
        ("InlineExpr", "n_stad", 20),
        ("CodeCell", "never_run()", 33),
    ]
    first = doc.cells[0]
    assert first.options == {"label": "fig-km", "fig-cap": "Overall survival"}
    assert first.evaluated and not doc.cells[1].evaluated
    assert [c.engine for c in doc.cells] == ["python", "python", "r"]


def test_fences_in_block_quotes_are_closed():
    doc = parse_text("> Quote\n>\n> ```{python}\n> x = 1\n> ```\n\nAfter.\n")
    assert [c.code for c in doc.cells] == ["x = 1"]


def test_front_matter_eval_false_is_the_default_for_cells():
    doc = parse_text("---\nexecute:\n  eval: false\n---\n\n```{python}\nx = 1\n```\n")
    assert not doc.cells[0].evaluated


@pytest.mark.parametrize(("text", "line", "what"), [
    ("# T\n\n```{python}\nx = 1\n", 3, "never closed"),
    ("# T\n\ntext\n\n````{python}\nx = 1\n```\n", 5, "never closed"),
    ("---\ntitle: [unclosed\n---\n# T\n", 2, "bad YAML in front matter"),
    ("---\ntitle: x\n# T\n", 1, "front matter opened here is never closed"),
    ("# T\n\n```{python}\n#| label: a\n#| fig-cap: [oops\nx = 1\n```\n", 5,
     "bad YAML in #| cell options"),
    ("# T\n\n```{python}\n#| just words\nx = 1\n```\n", 4, "must be `key: value`"),
])
def test_malformed_qmd_names_file_and_line(text, line, what):
    with pytest.raises(QmdSyntaxError) as err:
        parse_text(text, "chapters/bad.qmd")
    assert f"chapters/bad.qmd:{line}:" in str(err.value)
    assert what in str(err.value)


def test_notebook_cells_follow_the_chapter():
    doc = parse_text(CHAPTER, "chapters/09-gastric.qmd")
    nb = notebook_from_qmd(doc, "chapters/09-gastric.qmd", warnings=False)
    sig = code_signature(nb)
    assert sig[0][0] == "code" and "enter_chapter('chapters/09-gastric.qmd', warnings=False)" \
        in sig[0][1]
    assert sig[1:] == [("code", "x = 1"), ("code", "x"), ("code", "fmt_p(p)"),
                       ("code", "n_stad"), ("raw", "never_run()"),
                       ("code", "from reviewbuild.claims import summary\n\nsummary()")]
    inline = [c for c in nb.cells if "reviewbuild-inline" in c.metadata.get("tags", [])]
    assert [c.metadata["reviewbuild"]["line"] for c in inline] == [15, 16, 20]
    assert nb.cells[2].metadata["reviewbuild"]["options"]["label"] == "fig-km"


def test_error_true_and_tags_options_become_notebook_tags():
    doc = parse_text("```{python}\n#| error: true\n#| tags: [nbval-ignore-output]\n1/0\n```\n")
    nb = notebook_from_qmd(doc, "chapters/x.qmd")
    assert nb.cells[2].metadata["tags"] == ["nbval-ignore-output", "raises-exception"]


def test_prose_and_caption_edits_keep_the_code_hash():
    base = code_hash(parse_text(CHAPTER))
    prose = CHAPTER.replace("We saw", "We counted").replace('"Overall survival"', '"OS"')
    assert code_hash(parse_text(prose)) == base
    assert code_hash(parse_text(CHAPTER.replace("x = 1", "x = 2"))) != base
    assert code_hash(parse_text(CHAPTER.replace("{python} x`", "{python} x + 1`"))) != base
    assert code_hash(parse_text(CHAPTER.replace("#| eval: false", "#| eval: true"))) != base


def test_items_are_typed():
    doc = parse_text(CHAPTER)
    assert all(isinstance(i, CodeCell | InlineExpr) for i in doc.items)


# --- issue 12, item 6: every malformed input is a QmdSyntaxError naming file and line -------
FM = "---\ntitle: T\n{}\n---\n\n# T\n"
CELL = "# T\n\n```{{python}}\n#| label: a\n{}\nx = 1\n```\n"


@pytest.mark.parametrize(("text", "line", "what"), [
    (FM.format("date: 2020-02-31"), 3, "'2020-02-31' is not a valid !!timestamp"),
    (FM.format("n: !!int many"), 3, "'many' is not a valid !!int"),
    (FM.format("ok: !!bool perhaps"), 3, "'perhaps' is not a valid !!bool"),
    (FM.format("when: !!timestamp soon"), 3, "'soon' is not a valid !!timestamp"),
    (FM.format("x: !!float abc"), 3, "not a valid !!float"),
    (FM.format("execute: [eval]"), 3, "`execute` must be a mapping"),
    (FM.format("execute: off"), 3, "`execute` must be a mapping"),
    (FM.format("execute:\n  warning: true\n  eval: maybe"), 5,
     "`execute: eval` must be true or false"),
    (FM.format("x: !!python/object:os.system x"), 3, "could not determine a constructor"),
    (FM.format("bad: \x0c"), 3, "unacceptable character"),
    (CELL.format("#| tags: 5"), 5, "`tags` must be a list of tags"),
    (CELL.format("#| tags: true"), 5, "`tags` must be a list of tags"),
    (CELL.format("#| tags: abc"), 5, "`tags` must be a list of tags"),
    (CELL.format("#| tags: [1, 2]"), 5, "`tags` must be a list of tags"),
    (CELL.format("#| when: 2020-01-01"), 5, "`when` is a date"),
    (CELL.format("#| fig-cap: 2020-01-01"), 5, "`fig-cap` is a date"),
    (CELL.format("#| s: !!set {a, b}"), 5, "`s` is a set"),
    (CELL.format("#| n: .nan"), 5, "must be a finite number"),
    (CELL.format("#| eval: !!bool maybe"), 5, "'maybe' is not a valid !!bool"),
    (CELL.format("#| eval: \"no\""), 5, "`eval` must be true or false"),
    (CELL.format("#| error: 1"), 5, "`error` must be true or false"),
    (CELL.format("#| fig-cap: [1]"), 5, "`fig-cap` must be text"),
    (CELL.format("#| 7: seven"), 5, "option name '7' must be text"),
    (CELL.format("#| a: &x [1]\n#| b: *x"), 6, "alias (*x) is not allowed"),
    (CELL.format("#| [a]: b"), 5, "found unhashable key"),
    (CELL.format("#| fig-cap: one\n#| fig-cap: two"), 6, "`fig-cap` is given twice"),
    (FM.format("execute:\n  eval: false\n  eval: true"), 5, "`eval` is given twice"),
    (CELL.format("#| x: \x0c"), 5, "unacceptable character"),
    (CELL.format("#| x: \"a\u2028b\x85c\"\n#| z: [unclosed"), 6, "bad YAML"),
])
def test_malformed_values_name_file_and_line(text, line, what):
    with pytest.raises(QmdSyntaxError) as err:
        parse_text(text, "chapters/bad.qmd")
    assert str(err.value).startswith(f"chapters/bad.qmd:{line}: ")
    assert what in str(err.value)


def test_plain_options_and_dated_front_matter_are_fine():
    doc = parse_text("---\ndate: 2024-05-01\n---\n\n# T\n\n```{python}\n#| tags: [a, b]\n"
                     "#| fig-subcap: [one, two]\n#| fig-width: 6.5\nx = 1\n```\n")
    assert doc.cells[0].options == {"tags": ["a", "b"], "fig-subcap": ["one", "two"],
                                    "fig-width": 6.5}
    assert str(doc.front_matter["date"]) == "2024-05-01"


# --- issue 12, item 7: the code that runs is the code as written; lines are exact -----------
@pytest.mark.parametrize("sep", ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                 "\u2029"])
def test_line_separators_stay_in_the_code_and_do_not_shift_lines(sep):
    code = f's = "a{sep}b"\nt = 1  # {sep}'
    doc = parse_text(f"# T{sep}x\n\nProse{sep}more `{{python}} s`\n\n```{{python}}\n{code}\n```"
                     "\n\nAfter `{python} t`\n")
    assert [(i.line, getattr(i, "code", getattr(i, "expr", None))) for i in doc.items] == [
        (3, "s"), (5, code), (10, "t")]


def test_code_span_newlines_do_not_shift_inline_expressions():
    doc = parse_text("# T\n\nSee `a\nb` and `{python} n` here.\n")
    assert [(i.expr, i.line) for i in doc.inline] == [("n", 4)]


# --- issue 12, item 8: an unclosed fence mid-chapter is reported -----------------------------
@pytest.mark.parametrize(("text", "line", "where"), [
    ("# T\n\n```{python}\nx = 1\n\nProse.\n\n```{python}\ny = 2\n```\n", 3, "line 8"),
    ("# T\n\n```python\nshown\n\n```{python}\ny = 2\n```\n", 3, "line 6"),
    ("# T\n\n- item\n  ~~~{python}\n  x\n  ~~~{r}\n  y\n  ~~~\n", 4, "line 6"),
])
def test_a_fence_swallowing_the_next_cell_is_reported(text, line, where):
    with pytest.raises(QmdSyntaxError) as err:
        parse_text(text, "chapters/bad.qmd")
    assert str(err.value).startswith(f"chapters/bad.qmd:{line}: code fence ")
    assert f"not closed before {where}" in str(err.value)


def test_longer_fences_may_show_cells():
    doc = parse_text("# T\n\n````markdown\n```{python}\nx = 1\n```\n````\n")
    assert doc.cells == []
