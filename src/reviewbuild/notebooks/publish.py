"""The notebooks Quarto renders: a chapter's text with the outputs of its one execution.

A chapter with Python is executed once, by the engine, into its golden notebook. Quarto does
not execute it again for each output format: ``_quarto.yml`` lists ``chapters/X.ipynb``, which
:func:`write_all` writes from ``chapters/X.qmd`` and the golden notebook, and Quarto renders a
notebook without executing it. The rendered notebook holds:

- the front matter as a raw cell, the prose between cells as Markdown cells;
- each Python cell's source as written (with its ``#|`` options) and the outputs its golden
  notebook recorded; cells with ``eval: false`` without outputs;
- the value of every inline `` `{python} expr` `` in its Markdown cell's
  ``user_expressions`` (the metadata from which Quarto fills in inline expressions); a
  :class:`reviewbuild.revision.AtRender` value is the revision being rendered;
- nothing of the engine's own cells (setup, claims summary).

It is written only from a golden notebook that matches the chapter's code and recorded inputs
(:func:`problems`), so a page never shows outputs older than the chapter's code and data.
Files carried by outputs (:mod:`reviewbuild.published`) are written where ``_quarto.yml``
lists them as ``project: resources:``.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from reviewbuild import atomic
from reviewbuild.book import notebook_of, quarto_config
from reviewbuild.exceptions import NotebookError
from reviewbuild.notebooks.cache import changes, load_manifest, python_chapters
from reviewbuild.notebooks.convert import parse_chapter, read_notebook
from reviewbuild.notebooks.golden import sync_problem
from reviewbuild.paths import inside
from reviewbuild.published import FILE_KEY, files_of
from reviewbuild.qmd.frontmatter import front_matter
from reviewbuild.qmd.model import CodeCell, InlineExpr
from reviewbuild.qmd.reader import normalized
from reviewbuild.revision import AT_RENDER_MIME, describe

#: Quarto's pattern of an inline expression on one line of a Markdown cell
#: (``executeInlineCodeHandler`` in quarto-cli's ``src/core/execute-inline.ts``).
QUARTO_INLINE = re.compile(r"(^|[^`])`\{python\}[ \t]([^`]+)`")
#: Output MIME types only the engine reads (the figure fingerprints golden tests compare).
ENGINE_MIME = ("text/x-reviewbuild-figure",)


def problems(root: Path) -> list[str]:
    """Why some chapter's rendered notebook cannot be written: its golden notebook is missing,
    does not match the chapter's code, or was executed with other inputs."""
    manifest = load_manifest(root)
    out = []
    for chapter in python_chapters(root):
        sync = sync_problem(root, chapter)
        if sync:
            out.append(sync)
            continue
        why = changes(root, chapter, manifest.get(chapter))
        if why:
            out.append(f"{chapter}: its golden notebook was executed with other inputs "
                       f"({'; '.join(why)}): run `reviewbuild notebooks build`")
    return out


def write_all(root: Path) -> list[Path]:
    """Write the rendered notebook of every Python chapter and the files its outputs carry
    (only those that changed); NotebookError naming the chapter if one cannot be written."""
    found = problems(root)
    if found:
        raise NotebookError("nothing rendered: no golden notebook holds the current "
                            "execution of:\n  " + "\n  ".join(found))
    written = []
    for chapter in python_chapters(root):
        nb, files = rendered(root, chapter)
        files[notebook_of(chapter)] = nbformat.writes(nb) + "\n"
        written += [root / path for path, text in files.items()
                    if atomic.write_if_changed(inside(root, path, f"{chapter}: {path}"),
                                               text.encode("utf-8"))]
    return written


def rendered(root: Path, chapter: str) -> tuple[NotebookNode, dict[str, str]]:
    """The notebook Quarto renders for ``chapter`` and the files its outputs publish."""
    golden = read_notebook(root, chapter)
    doc = parse_chapter(root, chapter)
    lines = normalized((root / chapter).read_text(encoding="utf-8")).split("\n")
    _, body = front_matter(lines, chapter)
    items = doc.python_items()
    recorded = [c for c in golden.cells
                if c.metadata.get("reviewbuild", {}).get("kind") in ("cell", "inline")]
    if len(recorded) != len(items):
        raise NotebookError(f"{chapter}: its golden notebook has {len(recorded)} cells and "
                            f"inline expressions, the chapter {len(items)}: run "
                            "`reviewbuild notebooks build`")
    inline = iter([(item, cell) for item, cell in zip(items, recorded, strict=True)
                   if isinstance(item, InlineExpr)])
    resources = [str(g) for g in (quarto_config(root).get("project") or {}).get("resources")
                 or []]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = golden.metadata.get("kernelspec", {})
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["reviewbuild"] = {"rendered_from": chapter}
    nb.cells.append(nbformat.v4.new_raw_cell(_front_matter(chapter, lines[:body])))
    files: dict[str, str] = {}
    start = body
    for item, cell in zip(items, recorded, strict=True):
        if not isinstance(item, CodeCell):
            continue
        _add_markdown(nb, root, chapter, lines[start:item.line - 1], start, inline)
        nb.cells.append(_code_cell(chapter, item, lines, cell, resources, files))
        start = item.end
    _add_markdown(nb, root, chapter, lines[start:], start, inline)
    leftover = next(inline, None)
    if leftover:
        raise _unresolved(chapter, leftover[0])
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n:03d}"
    return nb, files


def _front_matter(chapter: str, lines: list[str]) -> str:
    """The chapter's front matter with its page named as the chapter (``X.html``, not
    ``X.executed.html``)."""
    page = f"output-file: {Path(chapter).stem}.html"
    return "\n".join(["---", page, *lines[1:]] if lines else ["---", page, "---"])


def _add_markdown(nb: NotebookNode, root: Path, chapter: str, lines: list[str], first: int,
                  inline: Any) -> None:
    """Append the prose ``lines`` (from 0-based line ``first``) as a Markdown cell whose
    ``user_expressions`` hold the values of its inline expressions."""
    while lines and not lines[0].strip():
        lines, first = lines[1:], first + 1
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if not lines:
        return
    expressions = []
    for offset, line in enumerate(lines):
        for match in QUARTO_INLINE.finditer(line):
            item, golden = next(inline, (None, None))
            if item is None or item.expr.strip() != match.group(2).strip() \
                    or item.line != first + offset + 1:
                raise _unresolved(chapter, item or InlineExpr("python", match.group(2),
                                                              first + offset + 1))
            expressions.append({"expression": match.group(2).strip(),
                                "result": _expression_result(root, chapter, item, golden)})
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    if expressions:
        cell.metadata["user_expressions"] = expressions
    nb.cells.append(cell)


def _unresolved(chapter: str, item: InlineExpr) -> NotebookError:
    return NotebookError(
        f"{chapter}:{item.line}: Quarto would not fill in the inline expression "
        f"`{{python}} {item.expr}` here (it reads one per line, in the text outside code "
        "blocks); keep each inline expression on one line of the prose")


def _expression_result(root: Path, chapter: str, item: InlineExpr,
                       golden: NotebookNode) -> dict:
    result = next((o for o in golden.get("outputs", []) if o.output_type == "execute_result"),
                  None)
    if result is None:
        raise NotebookError(f"{chapter}:{item.line}: the golden notebook has no value for "
                            f"`{{python}} {item.expr}`: run `reviewbuild notebooks build`")
    data = copy.deepcopy(result.data)
    if AT_RENDER_MIME in data:
        revision = describe(root)
        data = {"text/markdown": f"`{revision}`", "text/plain": repr(revision)}
    return {"status": "ok", "data": data, "metadata": {}}


def _code_cell(chapter: str, item: CodeCell, lines: list[str], golden: NotebookNode,
               resources: list[str], files: dict[str, str]) -> NotebookNode:
    """The cell as written in the chapter, with the outputs its golden notebook recorded."""
    fence = lines[item.line - 1]
    if not fence.startswith(("```", "~~~")):
        raise NotebookError(f"{chapter}:{item.line}: a Python cell inside a list or block "
                            "quote cannot be rendered from its notebook; start its fence at "
                            "the beginning of the line")
    cell = nbformat.v4.new_code_cell("\n".join(lines[item.line:item.end - 1]))
    if golden.cell_type != "code":  # eval: false
        return cell
    cell.execution_count = golden.get("execution_count")
    cell.outputs = [_published(chapter, o, resources, files)
                    for o in golden.get("outputs", [])]
    return cell


def _published(chapter: str, output: NotebookNode, resources: list[str],
               files: dict[str, str]) -> NotebookNode:
    """An output as Quarto should see it: the files it carries taken out (into ``files``;
    each must match a glob of ``resources``), the engine's own MIME types left out."""
    output = copy.deepcopy(output)
    for item in files_of(output):
        path = str(item.get("path", ""))
        if not any(fnmatch.fnmatchcase(path, g) for g in resources):
            raise NotebookError(
                f"{chapter}: an output publishes {path!r}, which `project: resources:` of "
                "_quarto.yml does not list; list it there (the website serves only those)")
        files[path] = str(item.get("text", ""))
        del output.metadata[FILE_KEY]
    for mime in ENGINE_MIME:
        output.get("data", {}).pop(mime, None)
    return output
