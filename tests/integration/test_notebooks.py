"""Chapters execute in a Jupyter kernel as Quarto runs them; golden notebooks are in sync.

Every chapter listed in _quarto.yml with Python cells (or inline expressions) is executed
cell by cell in a kernel started in the chapter's directory; the first error fails the test
with the chapter, the cell and its line.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import matplotlib
import pytest

from reviewbuild.book import chapter_files
from reviewbuild.exceptions import NotebookError, ReviewBuildError
from reviewbuild.notebooks import cache, golden, report, verdicts
from reviewbuild.notebooks.convert import GOLDEN_DIR, golden_path, parse_chapter
from reviewbuild.notebooks.execute import execute_chapter
from reviewbuild.notebooks.runtime import data_figure_fingerprint, figure_fingerprint

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "drift-book"
pytestmark = pytest.mark.integration


def _python_chapters() -> list[str]:
    try:
        return cache.python_chapters(ROOT)
    except ReviewBuildError:  # reported by test_every_listed_chapter_parses
        return []


CHAPTERS = _python_chapters()


def test_every_listed_chapter_parses():
    problems = []
    for chapter in chapter_files(ROOT):
        if (ROOT / chapter).is_file():
            try:
                parse_chapter(ROOT, chapter)
            except ReviewBuildError as err:
                problems.append(str(err))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executes(chapter, mirror):
    """Cells in order, eval: false honoured; fails on the first error naming chapter and cell,
    and on any failing claim, whatever the chapter does with the exception."""
    try:
        run = execute_chapter(ROOT, chapter)
    except NotebookError as err:
        pytest.fail(str(err), pytrace=False)
    failed = verdicts.of_run(run.notebook, run.announced)
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_golden_notebook_records_a_failing_claim(chapter):
    failed = verdicts.recorded(ROOT, chapter)
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_golden_notebook_in_sync(chapter):
    problem = golden.sync_problem(ROOT, chapter)
    assert problem is None, problem


def test_no_orphan_golden_notebooks():
    expected = {golden_path(ROOT, c).name for c in CHAPTERS}
    orphans = sorted(p.name for p in (ROOT / GOLDEN_DIR).glob("*.ipynb")
                     if p.name not in expected)
    assert not orphans, (f"golden notebooks without a chapter with Python cells: {orphans}; "
                         "remove each with `reviewbuild notebooks remove NAME`")


def test_claim_ids_are_unique_across_the_book():
    problems = report.duplicates(report.load_all(ROOT))
    assert not problems, "\n".join(problems)


# --- execution semantics, on a small book in a temporary directory ---------------------
def _book(tmp_path: Path, chapter_text: str) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    (root / "chapters" / "01-drift.qmd").write_text(textwrap.dedent(chapter_text),
                                                    encoding="utf-8")
    return root


def test_execution_is_like_quartos(tmp_path):
    root = _book(tmp_path, """\
        # T {#sec-t}

        ```{python}
        import os
        here = os.path.basename(os.getcwd())
        ```

        ```{python}
        #| eval: false
        raise RuntimeError("must not run")
        ```

        ```{python}
        #| error: true
        1 / 0
        ```

        The kernel ran in `{python} here`.
        """)
    run = execute_chapter(root, "chapters/01-drift.qmd")
    inline = [c for c in run.notebook.cells if "reviewbuild-inline" in c.metadata.get("tags", [])]
    assert inline[0].outputs[0]["data"]["text/plain"] == "'chapters'"
    errors = [o for c in run.notebook.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert [e["ename"] for e in errors] == ["ZeroDivisionError"]


def test_first_error_names_chapter_cell_and_line(tmp_path):
    root = _book(tmp_path, """\
        # T {#sec-t}

        ```{python}
        x = 1
        ```

        ```{python}
        #| label: tbl-broken
        y = undefined_name
        ```

        ```{python}
        raise AssertionError("later cells must not run")
        ```
        """)
    with pytest.raises(NotebookError) as err:
        execute_chapter(root, "chapters/01-drift.qmd")
    text = str(err.value)
    assert "chapters/01-drift.qmd: cell 3 (line 7, label tbl-broken) failed" in text
    assert "NameError" in text and "undefined_name" in text
    assert "later cells" not in text


def test_failing_inline_expression_is_named(tmp_path):
    root = _book(tmp_path, "# T {#sec-t}\n\nThe value is `{python} 1 / 0`.\n")
    with pytest.raises(NotebookError, match=r"inline expression 2 \(line 3\).*ZeroDivision"):
        execute_chapter(root, "chapters/01-drift.qmd")


def test_golden_sync_problem_says_run_accept(tmp_path):
    root = _book(tmp_path, "# T {#sec-t}\n\n```{python}\nx = 1\n```\n")
    assert "notebooks accept" in golden.sync_problem(root, "chapters/01-drift.qmd")
    golden.write(root, "chapters/01-drift.qmd",
                 execute_chapter(root, "chapters/01-drift.qmd").notebook)
    assert golden.sync_problem(root, "chapters/01-drift.qmd") is None
    (root / "chapters" / "01-drift.qmd").write_text("# T {#sec-t}\n\n```{python}\nx = 2\n```\n")
    problem = golden.sync_problem(root, "chapters/01-drift.qmd")
    assert "is stale" in problem and "x = 2" in problem
    assert "run `reviewbuild notebooks accept chapters/01-drift.qmd`" in problem


def test_figure_fingerprint_follows_the_data_not_the_pixels():
    import matplotlib.pyplot as plt

    def draw(ys, colour):
        fig, ax = plt.subplots()
        ax.step([0, 1, 2], ys, color=colour)
        ax.set_title("Overall survival")
        text = figure_fingerprint(fig)
        plt.close(fig)
        return text

    a = draw([1.0, 0.8, 0.5], "red")
    assert "title='Overall survival'" in a and "1 lines" in a
    assert draw([1.0, 0.8, 0.5], "blue") == a  # style change: same data, same fingerprint
    assert draw([1.0, 0.8, 0.4], "red") != a   # one value changed: different fingerprint


def test_data_figure_fingerprint_includes_the_table_behind_it():
    import matplotlib.pyplot as plt
    import pandas as pd

    class Shown:  # the shape of xpo1review.figures.style.DataFigure
        def __init__(self, values):
            self.data = pd.DataFrame({"time": [0.0, 1.0, 2.0], "survival": values})
            self.figure, ax = plt.subplots()
            ax.step(self.data["time"], self.data["survival"])
            plt.close(self.figure)

    a = data_figure_fingerprint(Shown([1.0, 0.8, 0.5]))
    assert "data table: 3 rows x 2 columns" in a
    assert data_figure_fingerprint(Shown([1.0, 0.8, 0.5])) == a
    assert data_figure_fingerprint(Shown([1.0, 0.8, 0.5001])) != a
