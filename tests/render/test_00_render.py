"""Render the book with Quarto where it is installed: one ``quarto render``, every format.

Named ``test_00`` so that it runs before the checks of ``_book/`` in this folder. A second,
separate render would clean ``_book/`` and leave only its own format, so the command is the
one ``reviewbuild build`` runs (``build.render_command``), after the step that writes the
notebooks Quarto renders, and both outputs must be there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbuild import build


@pytest.mark.render
def test_one_quarto_render_leaves_site_and_pdf(root: Path) -> None:
    quarto = shutil.which("quarto")
    # before the skip, so that a machine without Quarto still runs the code the render uses
    cmd = build.render_command(quarto or "quarto")
    outputs = build.expected_outputs(root)
    assert {p.name for p in outputs} == {"index.html", "xpo1-review.pdf"}
    if quarto is None:
        pytest.skip("SKIPPED LOUDLY: `quarto` is not on PATH, so the book was not rendered "
                    "here; GitHub Actions renders it (install Quarto >= 1.9 to run this)")
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    # as `reviewbuild build` does: Quarto looks for the notebooks it renders (not committed)
    # before its pre-render step writes them again
    first = [sys.executable, "-m", "reviewbuild", "check", "--pre-render", "structure"]
    done = subprocess.run(first, cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(first)} failed:\n{done.stderr[-4000:]}"
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stderr[-4000:]}"
    missing = [str(p.relative_to(root)) for p in outputs if not p.is_file()]
    assert not missing, f"after one `quarto render`, missing: {missing}"
