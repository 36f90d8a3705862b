"""Parsing .qmd chapters and converting them to notebooks (no kernel needed)."""

from __future__ import annotations

import pytest

from xpo1review.exceptions import QmdSyntaxError
from xpo1review.notebooks.convert import code_hash, code_signature, notebook_from_qmd
from xpo1review.qmd import CodeCell, InlineExpr
from xpo1review.qmd import read_text as parse_text

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
                       ("code", "from xpo1review.claims import summary\n\nsummary()")]
    inline = [c for c in nb.cells if "xpo1review-inline" in c.metadata.get("tags", [])]
    assert [c.metadata["xpo1review"]["line"] for c in inline] == [15, 16, 20]
    assert nb.cells[2].metadata["xpo1review"]["options"]["label"] == "fig-km"


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
