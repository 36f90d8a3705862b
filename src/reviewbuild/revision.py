"""The revision of the book's sources, as git describes it where the book is rendered.

Chapters are executed once, before their golden notebooks are committed, so a value computed
when a chapter executes cannot name the commit the book is rendered from. An inline value of
:class:`AtRender` is filled in by the step that writes the notebooks Quarto renders
(:mod:`reviewbuild.notebooks.publish`), with :func:`describe` at that moment.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

#: The MIME type of an output the render step fills in with :func:`describe`.
AT_RENDER_MIME = "text/x-reviewbuild-revision"


def output(cmd: list[str], cwd: Path) -> str | None:
    """What ``cmd`` prints in ``cwd``, or None where it is missing, fails or hangs."""
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def describe(root: Path) -> str:
    """``0f527e433bfa``, with `` (with local changes)`` where tracked files differ from it;
    ``not a git checkout`` outside one."""
    commit = output(["git", "rev-parse", "--short=12", "HEAD"], root)
    if commit is None:
        return "not a git checkout"
    dirty = output(["git", "status", "--porcelain", "--untracked-files=no"], root)
    return commit + (" (with local changes)" if dirty else "")


class AtRender:
    """An inline value that is the revision the book is rendered from (filled in then)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": "'(the revision, filled in when the book is rendered)'",
                AT_RENDER_MIME: ""}
