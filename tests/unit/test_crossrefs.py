"""Issue 20 §5: the gate sees the whole book's cross-references and ids."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reviewbuild import check, crossrefs
from reviewbuild.paths import project_root

A = """\
# Gastric cancer {#sec-gastric}

![Survival of STAD](a.png){#fig-stad-survival}

::: {#fig-panels layout-ncol=2}
Two panels
:::

| a | b |
|---|---|
| 1 | 2 |

: Counts {#tbl-counts}

$$
x = 1
$$ {#eq-one}

```{python}
#| label: fig-km
#| fig-cap: "Curves; see @sec-gastric"
#| fig-subcap: ["left", "right"]
1
```

```{python}
#| label: setup
1
```
"""


def _book(tmp_path: Path, b: str, **config: object) -> Path:
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump(
        {"book": {"chapters": ["index.qmd", "chapters/a.qmd", "chapters/b.qmd"]}, **config}))
    (tmp_path / "chapters").mkdir()
    (tmp_path / "index.qmd").write_text("# Preface\n")
    (tmp_path / "chapters" / "a.qmd").write_text(A)
    (tmp_path / "chapters" / "b.qmd").write_text(b)
    return tmp_path


def test_every_form_of_definition_and_reference_is_understood(tmp_path):
    body = ("# B\n\nSee @fig-stad-survival, @Fig-panels, [-@tbl-counts], @eq-one, @fig-km, "
            "@fig-km-2 and\n@sec-gastric [@sec-gastric; @fig-km-1]. Mail me@fig-x.org, "
            "<https://x.org/@fig-y>, `@fig-code` and \\@fig-escaped are no references; nor "
            "is the citation @smith2020.\n\n```{python}\n#| label: setup\nx = '@fig-nothing'\n"
            "```\n")
    assert crossrefs.check(_book(tmp_path, body)) == []


@pytest.mark.parametrize(("text", "message"), [
    ("See @fig-stad-survivl.", "chapters/b.qmd:3: @fig-stad-survivl refers to nothing in the "
                               "book; did you mean @fig-stad-survival (chapters/a.qmd:3)?"),
    ("See @sec-nowhere.", "chapters/b.qmd:3: @sec-nowhere refers to nothing in the book (no "
                          "section has the id sec-nowhere: give one `{#sec-nowhere}`)"),
    ("A\n\nSee [@tbl-nope].", "chapters/b.qmd:5: @tbl-nope refers to nothing in the book (no "
                              "table has the id tbl-nope: give one `{#tbl-nope}` or a cell "
                              "`#| label: tbl-nope`)"),
    ("See @fig-km-3.", "chapters/b.qmd:3: @fig-km-3 refers to nothing in the book; did you "
                       "mean"),
    ("![c](x.png)\n\n: Caption, see @thm-x", "chapters/b.qmd:5: @thm-x refers to nothing"),
])
def test_a_reference_to_nothing_fails_at_its_line(tmp_path, text, message):
    [problem] = crossrefs.check(_book(tmp_path, f"# B\n\n{text}\n"))
    assert problem.startswith(message), problem


def test_a_reference_in_a_caption_is_checked(tmp_path):
    body = "# B\n\n```{python}\n#| label: fig-b\n#| fig-cap: \"As in @fig-nope\"\n1\n```\n"
    assert crossrefs.check(_book(tmp_path, body)) == [
        "chapters/b.qmd:5: @fig-nope refers to nothing in the book (no figure has the id "
        "fig-nope: give one `{#fig-nope}` or a cell `#| label: fig-nope`)"]


@pytest.mark.parametrize(("text", "line", "ident", "first"), [
    ("# B {#sec-gastric}\n", 1, "sec-gastric", 1),
    ("# B\n\n```{python}\n#| label: fig-stad-survival\n1\n```\n", 4, "fig-stad-survival", 3),
    ("# B\n\n::: {#tbl-counts}\nx\n:::\n", 3, "tbl-counts", 13),
])
def test_an_id_defined_twice_in_the_book_fails(tmp_path, text, line, ident, first):
    assert crossrefs.check(_book(tmp_path, text)) == [
        f"chapters/b.qmd:{line}: the id {ident} is defined again (first at chapters/a.qmd:"
        f"{first}); ids must be unique in the whole book, so rename one (and the references "
        "meant for it)"]


def test_custom_crossref_kinds_of_the_book_count(tmp_path):
    root = _book(tmp_path, "# B\n\nSee @vid-intro.\n",
                 crossref={"custom": [{"kind": "float", "key": "vid", "reference-prefix": "V"}]})
    assert crossrefs.check(root) == [
        "chapters/b.qmd:3: @vid-intro refers to nothing in the book (no element has the id "
        "vid-intro: give one `{#vid-intro}`)"]


def test_the_gate_runs_the_check_and_the_book_is_clean(tmp_path):
    root = _book(tmp_path, "# B\n\nSee @sec-nowhere.\n")
    assert check.run_checks(root, ["crossrefs"]) == [
        "[crossrefs] chapters/b.qmd:3: @sec-nowhere refers to nothing in the book (no section "
        "has the id sec-nowhere: give one `{#sec-nowhere}`)"]
    assert "crossrefs" in check.all_checks(project_root())
    assert crossrefs.check(project_root()) == []
