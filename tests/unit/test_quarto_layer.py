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


def test_diagrams_name_compartments_in_their_nodes() -> None:
    """Mermaid centres a subgraph's title at its top, where an edge entering from the rank
    above passes: in the PDF an arrow crossed "Cytoplasm" in Fig. 3.1. The nodes name their
    compartment instead."""
    for stem, diagrams in _mermaid_blocks().items():
        for diagram in diagrams:
            assert not re.search(r"^\s*subgraph\b", diagram, re.M), f"{stem}: a subgraph"


def test_the_part_ends_with_its_last_chapter() -> None:
    """orange-book's part page lists every chapter until the next part; the part's last
    chapter resets the part at its end, so the Conclusion and the References that follow
    are not listed under it (a reset at the start of the next chapter comes after that
    chapter's heading, too late)."""
    chapters = book.quarto_config(ROOT)["book"]["chapters"]
    part = [c for c in chapters if isinstance(c, dict) and "part" in c][-1]
    last = part["chapters"][-1]
    text = (ROOT / last).read_text(encoding="utf-8").rstrip()
    tail = text.rsplit("```{=typst}", 1)[-1]
    assert text.endswith("```") and '#state("part-state", none).update(none)' in tail, (
        f"{last} does not end the part")


def test_hand_written_tables_align_every_column() -> None:
    """A pipe-table column without an alignment prints centred in the PDF (Typst), and
    equal dashes give equal widths: Table C.1 printed as five narrow centred columns."""
    delimiter = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", re.M)
    rows = {qmd.name: delimiter.findall(qmd.read_text(encoding="utf-8"))
            for qmd in sorted((ROOT / "chapters").glob("*.qmd"))}
    assert any(rows.values()), "no hand-written table found"
    for name, found in rows.items():
        for row in found:
            cells = row.strip().strip("|").split("|")
            assert all(":" in c for c in cells), f"{name}: a column without alignment: {row}"
            assert len({c.count("-") for c in cells}) > 1, f"{name}: equal widths: {row}"
