"""A chapter ``.qmd`` as a Jupyter notebook, cell for cell, for execution and nbval.

The notebook has: a note saying it is generated; a setup cell (``enter_chapter``); every
``{python}`` cell in order (``eval: false`` cells become raw cells, and may make no claim;
``error: true`` cells are tagged ``raises-exception`` as Quarto does, though only a claim's
failure may show there, :mod:`.execute`); one code cell per inline `` `{python} expr` `` at
its place in the text, so nbval compares every number of the prose; and a last cell printing
the chapter's claims (:func:`reviewbuild.claims.summary`). A cell's ``#| tags:`` are kept:
``#| tags: [nbval-ignore-output]`` marks output that legitimately varies between machines
(software versions, dates), which nbval then does not compare. Cell sources leave out the
``#|`` option lines (they go to the cell metadata), so editing a caption or other prose never
makes a golden notebook stale.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from reviewbuild import pyproject
from reviewbuild.book import quarto_config
from reviewbuild.claims import CLAIM_FUNCTIONS, SUMMARY_TAG
from reviewbuild.exceptions import NotebookError
from reviewbuild.qmd.model import Chapter, CodeCell, InlineExpr
from reviewbuild.qmd.reader import read_data

GOLDEN_DIR = "tests/notebooks"
SETUP_TAG = "reviewbuild-setup"
INLINE_TAG = "reviewbuild-inline"


def golden_path(root: Path, chapter: str) -> Path:
    """``tests/notebooks/<stem>.ipynb`` for ``chapter`` (a path relative to the root)."""
    return root / GOLDEN_DIR / f"{Path(chapter).stem}.ipynb"


def parse_chapter(root: Path, chapter: str) -> Chapter:
    """The chapter as read now (parsed once per content: every command reads each chapter
    several times)."""
    return _parsed((root / chapter).read_bytes(), chapter)


@functools.lru_cache(maxsize=64)
def _parsed(data: bytes, chapter: str) -> Chapter:
    return read_data(data, chapter)


def code_hash(doc: Chapter, preload: list[str] | None = None) -> str:
    """sha256 of what executes: each python cell/inline expression, eval, error, tags, and
    the libraries the kernel imports first (``preload``, when the book lists any)."""
    items: list[Any] = [
        ["cell", i.code, i.evaluated, bool(i.options.get("error", False)),
         i.options.get("tags") or []]
        if isinstance(i, CodeCell) else ["inline", i.expr]
        for i in doc.python_items()
    ]
    items += [["preload", preload]] if preload else []
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def chapter_code_hash(root: Path, chapter: str) -> str:
    """:func:`code_hash` of ``chapter`` in the book at ``root``."""
    return code_hash(parse_chapter(root, chapter), chapter_preload(root, chapter))


def chapter_preload(root: Path, chapter: str) -> list[str]:
    """The libraries the chapter's kernel imports before its first cell: the book's
    ``preload`` and those the chapter's front matter adds, for the libraries only some
    chapters import (``reviewbuild: {preload: [inmoose.limma]}``). Their chapters share a fork
    server of their own; the others do not pay for the import."""
    own = parse_chapter(root, chapter).front_matter.get("reviewbuild") or {}
    if not isinstance(own, dict) or set(own) - {"preload"}:
        raise NotebookError(f"{chapter}: front matter `reviewbuild:` takes one key, "
                            "`preload:` (a list of libraries' module names)")
    added = pyproject.checked_preload(root, own.get("preload", []),
                                      f"{chapter}: front matter `reviewbuild: preload:`")
    book = pyproject.preload(root)
    return book + [name for name in dict.fromkeys(added) if name not in book]


def _code_cell(source: str, n: int, tags: list[str], meta: dict[str, Any]) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source, id=f"cell-{n:03d}")
    cell.metadata["reviewbuild"] = meta
    if tags:
        cell.metadata["tags"] = tags
    return cell


def notebook_from_qmd(doc: Chapter, chapter: str, warnings: bool = True,
                      preload: list[str] | None = None) -> NotebookNode:
    """The notebook of a parsed chapter (``chapter``: its path relative to the book's root).

    ``warnings=False`` (Quarto's ``execute: warning: false``) hides Python warnings;
    ``preload``: libraries the setup cell imports unless a fork server did.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["reviewbuild"] = {"chapter": chapter, "code_sha256": code_hash(doc, preload)}
    nb.cells.append(nbformat.v4.new_markdown_cell(
        f"Golden notebook generated from `{chapter}` by `reviewbuild notebooks build`. "
        "Do not edit: after an intentional change run `reviewbuild notebooks accept`.",
        id="cell-000"))
    setup = ("from reviewbuild.notebooks.runtime import enter_chapter\n\n"
             f"enter_chapter({chapter!r}{'' if warnings else ', warnings=False'}"
             f"{f', preload={preload!r}' if preload else ''})")
    nb.cells.append(_code_cell(setup, 1, [SETUP_TAG], {"kind": "setup"}))
    for item in doc.python_items():
        n = len(nb.cells)
        if isinstance(item, InlineExpr):
            nb.cells.append(_code_cell(item.expr, n, [INLINE_TAG],
                                       {"kind": "inline", "line": item.line}))
            continue
        meta = {"kind": "cell", "line": item.line, "options": _plain_options(item.options)}
        if not item.evaluated:
            _refuse_unexecuted_claims(item, chapter)
            raw = nbformat.v4.new_raw_cell(item.code, id=f"cell-{n:03d}")
            raw.metadata["reviewbuild"] = meta
            nb.cells.append(raw)
            continue
        tags = list(item.options.get("tags") or [])  # e.g. nbval-ignore-output
        tags += ["raises-exception"] if item.options.get("error") else []
        nb.cells.append(_code_cell(item.code, n, tags, meta))
    summary = "from reviewbuild.claims import summary\n\nsummary()"
    nb.cells.append(_code_cell(summary, len(nb.cells), [SUMMARY_TAG], {"kind": "claims"}))
    return nb


def _refuse_unexecuted_claims(cell: CodeCell, chapter: str) -> None:
    """NotebookError if a cell that does not run (``eval: false``) calls a claim function: its
    claim would never be checked, while the sentence it backs stays in the text."""
    if made := claim_calls(cell.code):
        raise NotebookError(
            f"{chapter}:{cell.line}: this cell makes a claim ({', '.join(made)}) but has "
            "`eval: false` (its own or the chapter's), so the claim would never be checked: "
            "remove `eval: false`, or remove the claim together with the sentence it backs")


def claim_calls(code: str) -> list[str]:
    """The claim functions (:data:`~reviewbuild.claims.CLAIM_FUNCTIONS`) that ``code`` calls,
    by name or as an attribute; by their names followed by ``(`` if the code does not parse."""
    try:
        calls = [n.func for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    except SyntaxError:
        return sorted(set(re.findall(rf"\b({'|'.join(CLAIM_FUNCTIONS)})\s*\(", code)))
    names = {getattr(f, "id", None) or getattr(f, "attr", None) for f in calls}
    return sorted(names & CLAIM_FUNCTIONS)


def _plain_options(options: dict[str, Any]) -> dict[str, Any]:
    """A copy of a cell's options (the reader lets only JSON values through)."""
    return json.loads(json.dumps(options))


def chapter_notebook(root: Path, chapter: str) -> NotebookNode:
    doc = parse_chapter(root, chapter)
    return notebook_from_qmd(doc, chapter, warnings=_warnings(root, doc),
                             preload=chapter_preload(root, chapter))


def _warnings(root: Path, doc: Chapter) -> bool:
    """Quarto's ``execute: warning`` for this chapter (front matter over _quarto.yml)."""
    book = quarto_config(root)
    value = (book.get("execute") or {}).get("warning", True)
    return bool((doc.front_matter.get("execute") or {}).get("warning", value))


def code_signature(nb: NotebookNode) -> list[tuple[str, str]]:
    """What must match between a chapter and its golden notebook: the cells' code, in order."""
    return [(c.cell_type, c.source) for c in nb.cells if c.cell_type in ("code", "raw")]


def has_python(doc: Chapter) -> bool:
    return bool(doc.python_items())


def describe_cell(nb: NotebookNode, index: int) -> str:
    """``cell 4 (line 23, label fig-km)`` for messages."""
    meta = nb.cells[index].metadata.get("reviewbuild", {})
    where = [f"line {meta['line']}"] if "line" in meta else []
    label = meta.get("options", {}).get("label")
    if label:
        where.append(f"label {label}")
    kind = {"inline": "inline expression", "setup": "setup cell",
            "claims": "claims summary"}.get(meta.get("kind"), "cell")
    return f"{kind} {index}" + (f" ({', '.join(where)})" if where else "")


def read_notebook(root: Path, chapter: str) -> NotebookNode:
    """The golden notebook of ``chapter``; a file that is not a valid notebook is a
    :class:`NotebookError` naming it and the fix."""
    path = golden_path(root, chapter)
    try:
        text = path.read_bytes().decode("utf-8")
        parsed = json.loads(text)  # its error names the line
        if not isinstance(parsed, dict):
            raise ValueError(f"a JSON {type(parsed).__name__}, not an object with cells")
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except json.JSONDecodeError as err:
        raise NotebookError(f"{_rel(root, path)}:{err.lineno}: not valid JSON ({err.msg}), so "
                            f"not a notebook; {_fix(root, path, chapter)}") from None
    except (ValueError, AttributeError, KeyError, TypeError, nbformat.ValidationError) as err:
        why = (str(err).strip().splitlines() or [""])[0][:200]
        raise NotebookError(f"{_rel(root, path)}: not a valid notebook ({type(err).__name__}: "
                            f"{why}); {_fix(root, path, chapter)}") from None
    return nb


def claims_from_notebook(root: Path, chapter: str) -> list[dict[str, Any]]:
    """The claims recorded in the summary cell of ``chapter``'s golden notebook."""
    path = golden_path(root, chapter)
    return claims_of(read_notebook(root, chapter),
                     f"{_rel(root, path)}: {{}}; {_fix(root, path, chapter)}")


#: What a claim record of the summary must hold, and of which type.
_RECORD = {"id": str, "chapter": str, "statement": str, "kind": str, "status": str,
           "values": dict}


def claims_of(nb: NotebookNode, where: str = "{}") -> list[dict[str, Any]]:
    """The claims printed by an executed notebook's summary cell (``where``: a message
    template, ``{}`` replaced by what is wrong)."""
    for cell in nb.cells:
        if SUMMARY_TAG in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream" and o.get("name") == "stdout")
            try:
                records = json.loads(text) if text.strip() else []
            except json.JSONDecodeError as err:
                raise NotebookError(where.format(f"its claims summary is not JSON ({err})")
                                    ) from None
            problem = _records_problem(records)
            if problem:
                raise NotebookError(where.format(f"its claims summary {problem}"))
            return records
    return []


def _records_problem(records: object) -> str | None:
    if not isinstance(records, list):
        return f"is a {type(records).__name__}, not a list of claims"
    for n, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            return f"has a {type(rec).__name__} as claim {n}, not a record"
        bad = [k for k, kind in _RECORD.items() if not isinstance(rec.get(k), kind)]
        if bad:
            return f"lacks {', '.join(bad)} in claim {n}"
    return None


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _fix(root: Path, path: Path, chapter: str) -> str:
    return (f"restore the committed copy (`git checkout -- {_rel(root, path)}`) or write it "
            f"again (`reviewbuild notebooks accept {chapter}`)")
