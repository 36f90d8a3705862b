"""A render must not modify a tracked file: Quarto appends its own entries to .gitignore."""

from __future__ import annotations

from reviewbuild.paths import project_root

#: What Quarto (1.5 and later, src/project/project-gitignore.ts `kQuartoIgnore`) appends to
#: a project's .gitignore, line by line, when a line is missing.
QUARTO_ENTRIES = ["/.quarto/", "**/*.quarto_ipynb"]


def test_gitignore_has_every_line_quarto_would_append() -> None:
    lines = [ln.strip() for ln in (project_root() / ".gitignore").read_text().splitlines()]
    missing = [entry for entry in QUARTO_ENTRIES if entry not in lines]
    assert not missing, f".gitignore lacks {missing}: a render would append them"
