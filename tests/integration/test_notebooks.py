"""Chapters execute in a Jupyter kernel as Quarto runs them; golden notebooks are in sync.

Every chapter listed in _quarto.yml with Python cells (or inline expressions) is executed
once per test run, cell by cell in a kernel started in the chapter's directory (as
``reviewbuild notebooks build`` executes it to write its golden notebook, there in a kernel
forked from its fork server). Three checks share that one execution: the first error fails
``test_chapter_executes`` with the chapter, the cell and its line;
``test_the_execution_records_what_the_build_recorded`` compares its record with the
manifest's; ``test_outputs_match_the_golden_notebook`` compares every cell's outputs
with the golden notebook by nbval's own comparison (its sanitisers from
``tests/notebooks/nbval_sanitize.cfg``, its cell options and tags) plus the perceptual hash
of every figure, as ``pytest --nbval tests/notebooks`` does after executing the goldens again.
"""

from __future__ import annotations

import copy
import os
import shutil
import textwrap
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import nbformat
import nbval.plugin
import pytest
from nbformat import NotebookNode

from reviewbuild.book import chapter_files
from reviewbuild.exceptions import NotebookError, ReviewBuildError
from reviewbuild.notebooks import cache, golden, report, verdicts
from reviewbuild.notebooks.convert import (
    GOLDEN_DIR,
    code_signature,
    describe_cell,
    golden_path,
    parse_chapter,
)
from reviewbuild.notebooks.execute import Execution, execute_chapter
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


@pytest.fixture(scope="module")
def _executions() -> dict[str, Execution | NotebookError]:
    """Each chapter's one execution in this test run (or the error that stopped it)."""
    return {}


@pytest.fixture
def executed(_executions, mirror) -> Callable[[str], Execution]:
    """The chapter's execution, run on first use and shared by every check after it."""
    def run(chapter: str) -> Execution:
        if chapter not in _executions:
            try:
                _executions[chapter] = execute_chapter(ROOT, chapter)
            except NotebookError as err:
                _executions[chapter] = err
        done = _executions[chapter]
        if isinstance(done, NotebookError):
            pytest.fail(str(done), pytrace=False)
        return done
    return run


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executes(chapter, executed):
    """Cells in order, eval: false honoured; fails on the first error naming chapter and cell,
    and on any failing claim, whatever the chapter does with the exception."""
    run = executed(chapter)
    assert run.notebook.cells
    failed = verdicts.of_run(run.notebook, run.announced)
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_outputs_match_the_golden_notebook(chapter, executed, request):
    """Every cell's outputs as in the golden notebook, compared as nbval compares them."""
    gold = golden.read(ROOT, chapter)
    assert gold is not None, golden.sync_problem(ROOT, chapter)
    run = executed(chapter).notebook
    assert code_signature(run) == code_signature(gold), golden.sync_problem(ROOT, chapter)
    problems = nbval_differences(gold, run, request.config)
    if problems:
        pytest.fail(f"{chapter}: outputs differ from {golden_path(ROOT, chapter).name} "
                    f"(review, then `reviewbuild notebooks accept {chapter}`):\n"
                    + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_execution_records_what_the_build_recorded(chapter, executed):
    """This kernel, started afresh, records the inputs a build recorded from a forked kernel
    (the fork server's preloaded libraries and what they read included): the same modules,
    data, declarations, files and packages."""
    recorded = cache.load_manifest(ROOT).get(chapter)
    assert recorded is not None, golden.sync_problem(ROOT, chapter)
    assert cache.entry_for(ROOT, chapter, executed(chapter).inputs) == recorded, (
        f"{chapter}: its record in {cache.MANIFEST} differs from what this execution read "
        "(run `reviewbuild notebooks build`)")


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


# --- nbval's comparison, on the suite's one execution -----------------------------------
#: What nbval leaves out of a comparison (``IPyNbFile.skip_compare`` without --nbdime).
NBVAL_SKIP = ("metadata", "traceback", "prompt_number", "output_type", "name",
              "execution_count", "application/vnd.jupyter.widget-view+json",
              "image/png", "image/jpeg")
# tests/notebooks/conftest.py wraps nbval's comparison with the figure check when it is
# loaded; the figure check is applied below in either case, so take nbval's own.
_nbval_compare = getattr(nbval.plugin.IPyNbCell.compare_outputs, "__wrapped__",
                         nbval.plugin.IPyNbCell.compare_outputs)


class _NbvalCell:
    """What nbval's cell item (``IPyNbCell``) reads when it compares outputs."""

    colors = nbval.plugin.nocolors
    sanitize = nbval.plugin.IPyNbCell.sanitize
    format_output_compare = nbval.plugin.IPyNbCell.format_output_compare
    compare_outputs = _nbval_compare

    def __init__(self, config: pytest.Config, patterns: list[tuple[str, str]]) -> None:
        self.config, self.ihook = config, config.hook
        self.parent = SimpleNamespace(skip_compare=NBVAL_SKIP,
                                      sanitize_patterns=dict(patterns))
        self.comparison_traceback: list[str] = []


def _nbval_options(cell: NotebookNode) -> defaultdict[str, bool]:
    """A golden cell's nbval options (tags, then comment markers), as nbval collects them."""
    options = defaultdict(bool, nbval.plugin.find_metadata_tags(cell.metadata))
    options.update(dict(nbval.plugin.find_comment_markers(cell.source)))
    options.setdefault("check", True)
    return options


def nbval_differences(gold: NotebookNode, run: NotebookNode, config: pytest.Config,
                      sanitize: Path = ROOT / "tests" / "notebooks" / "nbval_sanitize.cfg",
                      ) -> list[str]:
    """Where ``run`` fails nbval against ``gold`` (same code cells), one line per cell.

    The steps of nbval's ``IPyNbCell.runtest`` after its kernel has run the cell: an error
    the cell is not tagged to raise, an unrun reference cell with outputs, then the outputs
    (streams coalesced, sanitised) compared by nbval's ``compare_outputs``, and the figures
    by perceptual hash (tests/notebooks/conftest.py adds the same to nbval).
    """
    patterns = nbval.plugin.get_sanitize_patterns(sanitize.read_text(encoding="utf-8"))
    code = [i for i, c in enumerate(gold.cells) if c.cell_type == "code"]
    ran = [c for c in run.cells if c.cell_type == "code"]
    problems = []
    for index, new in zip(code, ran, strict=True):
        ref, options = gold.cells[index], _nbval_options(gold.cells[index])
        if options["skip"]:
            continue
        where = describe_cell(gold, index)
        outs = nbval.plugin.coalesce_streams(copy.deepcopy(new.get("outputs", [])))
        if not options["check_exception"] and any(o.output_type == "error" for o in outs):
            problems.append(f"{where}: cell execution caused an exception")
            continue
        if ref.execution_count is None:
            if ref.outputs:
                problems.append(f"{where}: unrun reference cell has outputs")
            continue
        if not options["check"]:
            continue
        cell = _NbvalCell(config, patterns)
        refs = nbval.plugin.coalesce_streams(copy.deepcopy(ref.outputs))
        if not cell.compare_outputs(outs, refs):
            first = (ref.source.strip().splitlines() or [""])[0][:60]
            problems.append(f"{where} `{first}`:\n" + "\n".join(
                str(line) for line in cell.comparison_traceback))
        elif golden.IGNORE_TAG not in ref.metadata.get("tags", []):
            problems += [f"{where}: {d}" for d in golden.image_differences(refs, outs)]
    return problems


def _pair(old: list[dict], new: list[dict], tags: list[str] | None = None,
          ) -> tuple[NotebookNode, NotebookNode]:
    """A golden notebook with one code cell and its re-execution, with these outputs."""
    def notebook(outputs: list[dict]) -> NotebookNode:
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("x", execution_count=1,
                                         outputs=[nbformat.from_dict(o) for o in outputs])
        cell.metadata["tags"] = tags or []
        nb.cells.append(cell)
        return nb
    return notebook(old), notebook(new)


def _result(text: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text}}


def _png(pattern: bool) -> dict:
    import base64
    import io

    from PIL import Image

    image = Image.new("L", (64, 64), 255)
    for i in range(64 * 64 if pattern else 0):
        if (i // 64 // 8 + i % 64 // 8) % 2:
            image.putpixel((i % 64, i // 64), 0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                     "text/plain": "<Figure>"}}


def test_nbval_comparison_names_a_changed_number(request):
    gold, run = _pair([_result("'42'")], [_result("'43'")])
    [problem] = nbval_differences(gold, run, request.config)
    assert problem.startswith("cell 0 `x`") and "'42'" in problem and "'43'" in problem


def test_nbval_comparison_sanitises_and_honours_nbval_tags(request):
    assert nbval_differences(*_pair([_result("<object at 0x7f3a2b1c4d50>")],
                                    [_result("<object at 0x7f00deadbeef>")]),
                             request.config) == []
    assert nbval_differences(*_pair([_result("1.0.0")], [_result("2.0.0")],
                                    tags=["nbval-ignore-output"]), request.config) == []


def test_nbval_comparison_fails_on_a_missing_output_or_an_exception(request):
    error = {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []}
    assert "Missing output fields" in " ".join(
        nbval_differences(*_pair([_result("1")], []), request.config))
    assert nbval_differences(*_pair([], [error]), request.config) == [
        "cell 0: cell execution caused an exception"]
    assert nbval_differences(*_pair([error], [error], tags=["raises-exception"]),
                             request.config) == []


def test_nbval_comparison_compares_figures_by_perceptual_hash(request):
    assert nbval_differences(*_pair([_png(False)], [_png(False)]), request.config) == []
    [problem] = nbval_differences(*_pair([_png(False)], [_png(True)]), request.config)
    assert "figure 1 looks different" in problem


def test_identical_figures_are_not_hashed(monkeypatch):
    """The usual case, a figure drawn byte for byte as before, costs no perceptual hash; a
    changed one is still hashed and compared."""
    import imagehash

    hashed = []
    real = imagehash.phash
    monkeypatch.setattr(imagehash, "phash", lambda image: hashed.append(1) or real(image))
    assert golden.image_differences([_png(True)], [_png(True)]) == []
    assert hashed == []
    assert golden.image_differences([_png(False)], [_png(True)])
    assert len(hashed) == 2


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

        The kernel ran in `{python} here`.
        """)
    run = execute_chapter(root, "chapters/01-drift.qmd")
    inline = [c for c in run.notebook.cells if "reviewbuild-inline" in c.metadata.get("tags", [])]
    assert inline[0].outputs[0]["data"]["text/plain"] == "'chapters'"
    assert not [o for c in run.notebook.cells for o in c.get("outputs", [])
                if o.get("output_type") == "error"]


def test_a_kernel_slow_to_start_is_waited_for(tmp_path):
    """It answers, late and in order, every readiness request sent while it started."""
    root = _book(tmp_path, "# T {#sec-t}\n\n```{python}\nx = 1\n```\n\nx is `{python} x`.\n")
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text("import time\ntime.sleep(2.5)\n", encoding="utf-8")
    run = execute_chapter(root, "chapters/01-drift.qmd", env={"PYTHONPATH": os.pathsep.join(
        filter(None, [str(slow), os.environ.get("PYTHONPATH")]))}, timeout=30)
    inline = [c for c in run.notebook.cells if "reviewbuild-inline" in c.metadata.get("tags", [])]
    assert inline[0].outputs[0]["data"]["text/plain"] == "1"


def test_error_true_does_not_carry_a_chapter_past_a_failed_computation(tmp_path):
    """Unlike Quarto: a chapter's later numbers and claims could rest on what the cell never
    computed. Only a claim's failure may show under ``error: true`` (the drift gate reports
    it and fails the build)."""
    root = _book(tmp_path, """\
        # T {#sec-t}

        ```{python}
        #| error: true
        #| include: false
        n = 1 / 0
        ```

        We have `{python} n` patients.
        """)
    with pytest.raises(NotebookError) as err:
        execute_chapter(root, "chapters/01-drift.qmd")
    text = str(err.value)
    assert "chapters/01-drift.qmd: cell 2 (line 3) failed: ZeroDivisionError" in text, text
    assert "`error: true` does not let a chapter go on past a failed computation" in text


def test_a_chapter_that_reads_a_file_from_outside_the_book_is_refused(tmp_path, monkeypatch):
    """The build could not tell when such a file changes, and another machine does not have
    it. Folders of settings and caches (hidden ones, as ~/.cache/matplotlib) are expected, and
    a link into the book leads to one of the book's files."""
    kernel_tmp = tmp_path / "kernel-tmp"  # (pytest's folders are temporary files themselves)
    kernel_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(kernel_tmp))
    table, settings = tmp_path / "downloads" / "table.csv", tmp_path / ".settings" / "rc"
    for path in (table, settings):
        path.parent.mkdir()
        path.write_text("n\n12\n", encoding="utf-8")
    root = _book(tmp_path, f"""\
        # T {{#sec-t}}

        ```{{python}}
        n = int(open({str(settings)!r}).read().split()[1])
        n = int(open({str(tmp_path / "link" / "_quarto.yml")!r}).read().count("\\n"))
        n = int(open({str(table)!r}).read().split()[1])
        ```

        We have `{{python}} n` patients.
        """)
    (tmp_path / "link").symlink_to(root)
    with pytest.raises(NotebookError) as err:
        execute_chapter(root, "chapters/01-drift.qmd")
    text = str(err.value)
    assert (f"chapters/01-drift.qmd read files from outside the book:\n  {table}\nThe build "
            "cannot tell") in text, text  # that file alone
    assert "Register each as a data source in data/sources.yaml" in text


def test_a_chapter_that_uses_the_network_is_refused(tmp_path):
    """What a server returns can change without the build knowing; registered sources are
    downloaded once, verified and recorded. A failed or caught attempt counts as well."""
    root = _book(tmp_path, """\
        # T {#sec-t}

        ```{python}
        import socket, urllib.request
        for reach in (lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
                      lambda: urllib.request.urlopen("http://127.0.0.1:9/table.csv", timeout=1)):
            try:
                reach()
            except OSError:
                pass
        n = 12
        ```

        We have `{python} n` patients.
        """)
    with pytest.raises(NotebookError) as err:
        execute_chapter(root, "chapters/01-drift.qmd")
    text = str(err.value)
    assert ("chapters/01-drift.qmd used the network:\n  127.0.0.1:9\n"
            "  http://127.0.0.1:9/table.csv\nWhat a server returns") in text, text


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
