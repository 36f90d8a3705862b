"""What the project adds to Quarto for the rendered book, checked on its input (issue 22):
collapsible callouts made buttons, diagrams drawn top to bottom, the part closed before the
conclusion."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reviewbuild import book

ROOT = Path(__file__).resolve().parents[2]


def _html() -> dict:
    return yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["format"]["html"]


def test_callout_headers_become_buttons_after_quarto_renders_them() -> None:
    filters = [f if isinstance(f, dict) else {"path": f} for f in _html().get("filters", [])]
    entry = next((f for f in filters if f["path"].endswith("callout-button.lua")), None)
    assert entry and entry.get("at") == "post-render", filters
    lua = (ROOT / entry["path"]).read_text(encoding="utf-8")
    assert 'el.classes:includes("callout-header")' in lua
    assert 'el.attributes["role"] = "button"' in lua and 'el.attributes["tabindex"] = "0"' in lua


def test_callout_buttons_answer_the_keyboard() -> None:
    keys = _html()["include-after-body"]
    assert "_callout-keys.html" in keys, keys
    script = (ROOT / "_callout-keys.html").read_text(encoding="utf-8")
    assert ".callout-header[role='button']" in script and "Enter" in script and '" "' in script


def _mermaid_blocks() -> dict[str, list[str]]:
    found = {}
    for qmd in sorted((ROOT / "chapters").glob("*.qmd")):
        blocks = re.findall(r"```\{mermaid\}\n(.*?)```", qmd.read_text(encoding="utf-8"), re.S)
        if blocks:
            found[qmd.stem] = blocks
    return found


def test_diagrams_run_top_to_bottom() -> None:
    """A left-to-right flowchart is as wide as its longest chain; printed at the text width
    its text shrank to 3-4 pt. Top to bottom, the width is that of the widest rank."""
    blocks = _mermaid_blocks()
    assert blocks, "no mermaid diagram found"
    for stem, diagrams in blocks.items():
        for diagram in diagrams:
            code = [ln for ln in diagram.splitlines() if ln.strip() and not ln.startswith("%%")]
            assert re.fullmatch(r"flowchart (TB|TD)", code[0].strip()), f"{stem}: {code[0]}"


def test_the_part_ends_before_the_chapters_that_follow_it() -> None:
    """orange-book's part page lists every chapter until the next part; the chapter after
    the part's last one resets the part, so the conclusion and the References are not
    listed under it."""
    chapters = book.quarto_config(ROOT)["book"]["chapters"]
    parts = [i for i, c in enumerate(chapters) if isinstance(c, dict) and "part" in c]
    assert parts, "no part in the book"
    after = chapters[parts[-1] + 1]
    text = (ROOT / after).read_text(encoding="utf-8")
    first = text.split("\n# ", 1)[0] if not text.startswith("# ") else ""
    assert '#state("part-state", none).update(none)' in first, f"{after} does not end the part"
