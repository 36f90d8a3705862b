"""The notebooks Quarto renders: a chapter's text with the outputs of its one execution
(issue 22, item 1), written only from a golden notebook as current as the chapter."""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from reviewbuild import structure
from reviewbuild.exceptions import NotebookError
from reviewbuild.notebooks import cache, golden, publish
from reviewbuild.notebooks.convert import chapter_notebook
from reviewbuild.published import FILE_KEY, WithFile

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drift-book"
CHAPTER = "chapters/01-drift.qmd"
RENDERED = "chapters/01-drift.executed.ipynb"
VALUES = ["'36 patients'", "'20'", "'56%'"]


def png(shade: int = 0) -> str:
    """A small PNG figure (base64), one pixel of it ``shade``."""
    image = Image.new("L", (256, 256), 255)
    image.putpixel((10, 10), shade)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


FIGURE = png()


def _execute_by_hand(nb: nbformat.NotebookNode, extra: list[dict] | None = None) -> None:
    """Outputs as an execution would record them (no kernel in unit tests)."""
    values = iter(VALUES)
    for n, cell in enumerate(nb.cells):
        kind = cell.metadata.get("reviewbuild", {}).get("kind")
        if cell.cell_type != "code":
            continue
        cell.execution_count = n
        if kind == "inline":
            cell.outputs = [nbformat.v4.new_output(
                "execute_result", data={"text/plain": next(values)}, execution_count=n)]
        elif kind == "cell" and "label" in cell.metadata["reviewbuild"]["options"]:
            cell.outputs = [nbformat.v4.new_output(
                "display_data", data={"text/plain": "<figure>", "image/png": FIGURE,
                                      "text/x-reviewbuild-figure": "fingerprint"})]
            cell.outputs += [nbformat.from_dict(o) for o in extra or []]
        elif kind == "claims":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="[]")]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    _golden(root)
    return root


def _golden(root: Path, extra: list[dict] | None = None) -> None:
    nb = chapter_notebook(root, CHAPTER)
    _execute_by_hand(nb, extra)
    golden.write(root, CHAPTER, nb)
    cache.save_entry(root, CHAPTER, cache.entry_for(root, CHAPTER, {}))


def _file_output(path: str, text: str) -> dict:
    data, meta = WithFile("[Download](x.csv)", path, text)._repr_mimebundle_()
    return {"output_type": "display_data", "data": data, "metadata": meta}


def test_the_rendered_notebook_is_the_chapter_with_its_recorded_outputs(book: Path) -> None:
    nb, files = publish.rendered(book, CHAPTER)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["raw", "markdown", "code", "code", "markdown", "code"], \
        "no setup, no summary"
    front, heading, setup, survival, prose, unevaluated = nb.cells
    assert front.source == "---\noutput-file: 01-drift.html\n---", "the page keeps its name"
    assert heading.source == "# Drift fixture {#sec-drift}"
    assert setup.source.startswith("#| include: false\nimport pandas as pd")
    assert survival.source.startswith("#| label: drift-survival\n_, path, _ = open_source(")
    assert [o.output_type for o in survival.outputs] == ["display_data"]
    assert "text/x-reviewbuild-figure" not in survival.outputs[0].data, "engine-only MIME"
    assert survival.outputs[0].data["image/png"] == FIGURE
    assert prose.source.startswith("The survival table lists `{python} fmt_count(")
    values = {e["expression"]: e["result"]["data"]["text/plain"]
              for e in prose.metadata["user_expressions"]}
    assert values == {'fmt_count(n_chol, "patient")': VALUES[0], "fmt_count(deaths)": VALUES[1],
                      "fmt_pct(deaths, n_chol)": VALUES[2]}
    assert unevaluated.source.startswith("#| eval: false\n") and not unevaluated.outputs
    assert files == {}
    nbformat.validate(nb)


def test_every_inline_expression_must_be_one_quarto_fills_in(book: Path) -> None:
    qmd = book / CHAPTER
    qmd.write_text(qmd.read_text(encoding="utf-8").replace(
        "`{python} fmt_count(deaths)`", "`{python}\nfmt_count(deaths)`"), encoding="utf-8")
    _golden(book)
    with pytest.raises(NotebookError, match=r"01-drift.qmd:27: Quarto would not fill in the "
                                            r"inline expression `\{python\} fmt_count"):
        publish.rendered(book, CHAPTER)


def test_write_all_writes_the_listed_notebook_once(book: Path) -> None:
    assert publish.write_all(book) == [book / RENDERED]
    written = json.loads((book / RENDERED).read_text(encoding="utf-8"))
    assert written["metadata"]["kernelspec"]["language"] == "python"
    assert publish.write_all(book) == [], "unchanged: nothing rewritten"
    assert structure.check(book) == []


@pytest.mark.parametrize("change", ["code", "data"])
def test_outputs_older_than_the_chapter_are_never_rendered(book: Path, change: str) -> None:
    publish.write_all(book)
    before = (book / RENDERED).read_bytes()
    if change == "code":
        qmd = book / CHAPTER
        qmd.write_text(qmd.read_text(encoding="utf-8").replace("n_chol = len(chol)",
                                                               "n_chol = len(chol) - 1"))
        why = "is stale (code differs"
    else:
        trials = book / "data" / "trials.csv"
        trials.write_text("id\nNCT00000001\n", encoding="utf-8")
        cache.save_entry(book, CHAPTER, cache.entry_for(
            book, CHAPTER, {"files": [("data/trials.csv", "0" * 64)]}))
        why = "executed with other inputs (data/trials.csv changed)"
    [problem] = publish.problems(book)
    assert why in problem
    with pytest.raises(NotebookError, match="no golden notebook holds the current execution of"):
        publish.write_all(book)
    assert (book / RENDERED).read_bytes() == before


def test_published_files_are_written_where_resources_allow(book: Path) -> None:
    config = book / "_quarto.yml"
    _golden(book, [_file_output("figure-data/km.csv", "group,n\nhigh,3\n")])
    with pytest.raises(NotebookError, match="publishes 'figure-data/km.csv', which `project: "
                                            "resources:` of _quarto.yml does not list"):
        publish.write_all(book)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "project:\n", "project:\n  resources: [figure-data/*.csv]\n"), encoding="utf-8")
    publish.write_all(book)
    assert (book / "figure-data" / "km.csv").read_text(encoding="utf-8") == "group,n\nhigh,3\n"
    nb = nbformat.read(book / RENDERED, as_version=4)
    assert not any(FILE_KEY in o.get("metadata", {}) for c in nb.cells
                   for o in c.get("outputs", [])), "the file leaves the notebook"


def test_a_changed_published_file_is_not_kept_from_the_old_golden(book: Path) -> None:
    """A rebuild keeps old outputs only where nbval sees no change; a published file is
    compared in full, so new data reaches the download."""
    old = chapter_notebook(book, CHAPTER)
    _execute_by_hand(old, [_file_output("figure-data/km.csv", "n\n1\n")])
    new = chapter_notebook(book, CHAPTER)
    _execute_by_hand(new, [_file_output("figure-data/km.csv", "n\n2\n")])
    kept = golden.keep_unchanged_outputs(old, new, [])
    texts = [o.metadata[FILE_KEY]["text"] for c in kept.cells for o in c.get("outputs", [])
             if FILE_KEY in o.get("metadata", {})]
    assert texts == ["n\n2\n"]


def test_a_python_chapter_must_be_listed_as_its_notebook(book: Path) -> None:
    config = book / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(RENDERED, CHAPTER),
                      encoding="utf-8")
    assert structure.check(book) == [
        f"_quarto.yml: list {RENDERED} instead of {CHAPTER}: the chapter has Python, and "
        "Quarto renders the notebook of its one execution (a .qmd would be executed again "
        "for every output format)"]
    (book / CHAPTER).write_text("# Prose only {#sec-drift}\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(CHAPTER, RENDERED),
                      encoding="utf-8")
    assert structure.check(book) == [
        f"_quarto.yml: list {CHAPTER} instead of {RENDERED}: the chapter has no Python to "
        "execute, so no notebook is written for it"]


def test_a_golden_notebook_changed_by_hand_is_never_rendered(book: Path) -> None:
    """A number typed into a golden notebook would reach the page without any execution:
    the manifest records the notebook each execution wrote."""
    path = book / "tests" / "notebooks" / "01-drift.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace(VALUES[0], "'99 patients'"),
                    encoding="utf-8")
    [problem] = publish.problems(book)
    assert ("tests/notebooks/01-drift.ipynb is not the notebook its execution wrote "
            "(changed by hand or by a merge)") in problem
    with pytest.raises(NotebookError, match="no golden notebook holds the current execution of"):
        publish.write_all(book)


def test_a_look_alike_figure_is_the_new_one(book: Path) -> None:
    """The book shows the golden notebook's figures: a redrawn figure that nbval would let
    pass (a label moved by a pixel) still replaces the old one."""
    def figure(shade: int) -> dict:
        return {"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "<figure: x>", "image/png": png(shade)}}

    old, new = chapter_notebook(book, CHAPTER), chapter_notebook(book, CHAPTER)
    _execute_by_hand(old, [figure(255)])
    _execute_by_hand(new, [figure(250)])
    assert golden.differences(old, new, []) == [], "nbval sees no change"
    kept = golden.keep_unchanged_outputs(old, new, [])
    shown = [o.data["image/png"] for c in kept.cells for o in c.get("outputs", [])
             if o.get("data", {}).get("text/plain") == "<figure: x>"]
    assert shown == [png(250)]


def test_the_revision_is_filled_in_when_the_book_is_rendered(book: Path) -> None:
    """An inline AtRender value names the revision being rendered, not the one the golden
    notebook was executed at (goldens are executed before they are committed)."""
    import subprocess

    from reviewbuild.revision import AtRender

    nb = chapter_notebook(book, CHAPTER)
    _execute_by_hand(nb)
    inline = next(c for c in nb.cells
                  if c.metadata.get("reviewbuild", {}).get("kind") == "inline")
    inline.outputs[0].data = AtRender()._repr_mimebundle_()
    golden.write(book, CHAPTER, nb)

    def first_value() -> dict:
        prose = next(c for c in publish.rendered(book, CHAPTER)[0].cells
                     if c.metadata.get("user_expressions"))
        return prose.metadata["user_expressions"][0]["result"]["data"]

    assert first_value() == {"text/markdown": "`not a git checkout`",
                             "text/plain": "'not a git checkout'"}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "book"]):
        subprocess.run([*git, *args], cwd=book, check=True)
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=book, check=True,
                          capture_output=True, text=True).stdout.strip()
    assert first_value()["text/markdown"] == f"`{head}`"
    (book / CHAPTER).write_text((book / CHAPTER).read_text(encoding="utf-8") + "\n")
    assert first_value()["text/markdown"] == f"`{head} (with local changes)`"
