"""Golden notebooks (``tests/notebooks/<chapter>.ipynb``): in sync? outputs changed?

Outputs are compared as nbval compares them (``pytest --nbval``): every output field except
metadata, tracebacks, execution counts and PNG/JPEG bytes, after the regex sanitizers in
``tests/notebooks/nbval_sanitize.cfg`` (memory addresses, timings, paths, random ids).
Figures are compared through the data fingerprint ``runtime`` prints under each open
matplotlib figure, and every PNG by perceptual hash (imagehash), never by bytes.
"""

from __future__ import annotations

import base64
import difflib
import io
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from reviewbuild.atomic import atomic_path
from reviewbuild.exceptions import NotebookError
from reviewbuild.notebooks import limits
from reviewbuild.notebooks.convert import (
    chapter_notebook,
    code_signature,
    describe_cell,
    golden_path,
    read_notebook,
)
from reviewbuild.published import files_of

SANITIZE = "tests/notebooks/nbval_sanitize.cfg"
IGNORE_TAG = "nbval-ignore-output"
#: Largest Hamming distance between perceptual hashes (64 bits) of "the same" figure.
PHASH_TOLERANCE = 6
_SKIP = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
         "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


def sanitizers(root: Path) -> list[tuple[str, str]]:
    """(regex, replacement) pairs, read as nbval reads ``--nbval-sanitize-with``."""
    path = root / SANITIZE
    if not path.is_file():
        return []
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", path.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)


def _clean(text: object, pats: list[tuple[str, str]]) -> object:
    if not isinstance(text, str):
        return text
    for regex, repl in pats:
        text = re.sub(regex, repl, text)
    return text


def comparable(cell: NotebookNode, pats: list[tuple[str, str]]) -> dict[str, list[object]]:
    """A cell's outputs flattened by field/MIME type, sanitized (nbval's comparison)."""
    out: dict[str, list[object]] = {}
    streams: dict[str, str] = {}
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            streams[o["name"]] = streams.get(o["name"], "") + o.get("text", "")
            continue
        for key, value in o.items():
            if key in _SKIP:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in _SKIP:
                        out.setdefault(mime, []).append(_clean(data, pats))
            else:
                out.setdefault(key, []).append(_clean(value, pats))
    for name, text in streams.items():
        out.setdefault(name, []).append(_clean(text, pats))
    return out


def _pngs(outputs: list) -> list[str]:
    return [o["data"]["image/png"] for o in outputs
            if isinstance(o.get("data"), dict) and "image/png" in o["data"]]


def image_differences(old_outputs: list, new_outputs: list,
                      tolerance: int = PHASH_TOLERANCE) -> list[str]:
    """Figures (PNG) that look different: perceptual-hash distance above ``tolerance``."""
    try:
        import imagehash
        from PIL import Image
    except ImportError as err:
        raise NotebookError("comparing figures needs imagehash and pillow: "
                            "pip install -e '.[test]'") from err

    def phash(data: str) -> imagehash.ImageHash:
        return imagehash.phash(Image.open(io.BytesIO(base64.b64decode(data))))

    old, new = _pngs(old_outputs), _pngs(new_outputs)
    if len(old) != len(new):
        return [f"{len(old)} figure(s) before, {len(new)} now"]
    out = []
    for n, (a, b) in enumerate(zip(old, new, strict=True), 1):
        if a == b:
            continue  # the same image (the usual case): no hash needed
        distance = phash(a) - phash(b)
        if distance > tolerance:
            out.append(f"figure {n} looks different (perceptual-hash distance {distance} > "
                       f"{tolerance})")
    return out


def _short(values: list[object] | None) -> str:
    text = " | ".join(str(v) for v in values or []) or "(no output)"
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."


def _matching_cells(old: NotebookNode, new: NotebookNode
                    ) -> list[tuple[NotebookNode, NotebookNode, int]]:
    """(old cell, new cell, index in ``new``) of the code cells whose source is the same,
    aligned by source (difflib), so added or edited cells are not paired."""
    a_cells = [c for c in old.cells if c.cell_type == "code"]
    b_cells = [c for c in new.cells if c.cell_type == "code"]
    index = {id(c): i for i, c in enumerate(new.cells)}
    matcher = difflib.SequenceMatcher(a=[c.source for c in a_cells],
                                      b=[c.source for c in b_cells], autojunk=False)
    return [(a_cells[block.a + k], b_cells[block.b + k], index[id(b_cells[block.b + k])])
            for block in matcher.get_matching_blocks() for k in range(block.size)]


def keep_unchanged_outputs(old: NotebookNode | None, new: NotebookNode,
                           pats: list[tuple[str, str]], inputs_changed: bool = False
                           ) -> NotebookNode:
    """``new`` with the outputs of ``old`` wherever the two differ only as nbval does not see
    (sanitized text such as object addresses; cells tagged ``nbval-ignore-output``, such as
    the machine's Python, unless ``inputs_changed``: code, data or packages that may have
    changed them), so that an unchanged book rebuilds to byte-identical golden notebooks.
    Figures and published files are always the new ones: the book shows the golden
    notebook's outputs, so it must show what the chapter draws now."""
    if old is None:
        return new
    for a, b, i in _matching_cells(old, new):
        ignored = IGNORE_TAG in b.metadata.get("tags", []) and not inputs_changed
        if _published_files(a) != _published_files(b) or _images(a) != _images(b):
            continue  # what the book shows (figures, their data files) is kept as executed
        if ignored or not _cell_differences(a, b, describe_cell(new, i), pats):
            b.outputs = a.get("outputs", [])
            if "execution_count" in a:
                b.execution_count = a.execution_count
    return new


def _images(cell: NotebookNode) -> list[object]:
    return [o.get("data", {}).get(m) for o in cell.get("outputs", [])
            for m in ("image/png", "image/jpeg", "image/svg+xml") if m in o.get("data", {})]


def _published_files(cell: NotebookNode) -> list[dict[str, str]]:
    return [f for output in cell.get("outputs", []) for f in files_of(output)]


def differences(old: NotebookNode, new: NotebookNode,
                pats: list[tuple[str, str]]) -> list[str]:
    """Output changes of the cells whose code is the same in both notebooks.

    Cells are aligned by their source (difflib), so added or edited cells are not compared:
    only outputs that changed while their code did not are reported.
    """
    diffs = []
    for a, b, i in _matching_cells(old, new):
        if IGNORE_TAG not in b.metadata.get("tags", []):
            diffs += _cell_differences(a, b, describe_cell(new, i), pats)
    return diffs


def _cell_differences(a: NotebookNode, b: NotebookNode, where: str,
                      pats: list[tuple[str, str]]) -> list[str]:
    diffs = [f"{where}: {d}" for d in image_differences(a.get("outputs", []),
                                                         b.get("outputs", []))]
    ca, cb = comparable(a, pats), comparable(b, pats)
    for key in sorted(set(ca) | set(cb)):
        if ca.get(key) != cb.get(key):
            diffs.append(f"{where} `{_head(b.source)}`: {key} was {_short(ca.get(key))} "
                         f"-> now {_short(cb.get(key))}")
    return diffs


def _head(source: str) -> str:
    first = source.strip().splitlines()[0] if source.strip() else ""
    return first if len(first) <= 60 else first[:57] + "..."


def read(root: Path, chapter: str) -> NotebookNode | None:
    """The golden notebook of ``chapter`` (None: there is none); NotebookError if unreadable."""
    return read_notebook(root, chapter) if golden_path(root, chapter).is_file() else None


def write(root: Path, chapter: str, nb: NotebookNode) -> Path:
    """Write the golden notebook of ``chapter``; refused (NotebookError) over
    :func:`limits.max_golden` bytes."""
    path = golden_path(root, chapter)
    text = nbformat.writes(nb)
    text += "" if text.endswith("\n") else "\n"
    size, bound = len(text.encode("utf-8")), limits.max_golden()
    if bound and size > bound:
        raise NotebookError(
            f"{chapter}: its golden notebook {path.relative_to(root)} would hold "
            f"{size / 1e6:.1f} MB, over the bound of {bound / 1e6:.1f} MB "
            "(REVIEWBUILD_MAX_GOLDEN); not written. Make the chapter print or display less "
            "(a table's head, a summary), or raise the bound if the output is meant")
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def sync_problem(root: Path, chapter: str) -> str | None:
    """Why the golden notebook of ``chapter`` does not match its current code (None: it does)."""
    golden = read(root, chapter)
    rel = golden_path(root, chapter).relative_to(root)
    if golden is None:
        return (f"{chapter}: golden notebook {rel} is missing: run "
                f"`reviewbuild notebooks accept {chapter}` and commit it")
    want, have = code_signature(chapter_notebook(root, chapter)), code_signature(golden)
    if want == have:
        return None
    first = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
                 min(len(want), len(have)))
    shown = want[first][1] if first < len(want) else "(cell removed)"
    return (f"{chapter}: golden notebook {rel} is stale (code differs from cell {first + 1}: "
            f"`{_head(shown)}`): run `reviewbuild notebooks accept {chapter}` after reviewing "
            "the change, and commit it")
