"""Files a chapter publishes beside its pages (the data behind a figure, for download).

A chapter does not write them itself: the file travels in the metadata of the output that
links to it (:class:`WithFile`), so the executed notebook holds everything its page needs.
Rendering the notebook (:mod:`reviewbuild.notebooks.publish`) writes the file, without
executing the chapter again, and only where ``_quarto.yml`` lists ``project: resources:``.
"""

from __future__ import annotations

from typing import Any

#: The key of an output's metadata that carries a published file: ``{"path", "text"}``.
FILE_KEY = "reviewbuild-file"


class WithFile:
    """Markdown shown in the page, carrying a file (``path`` relative to the book's root)."""

    def __init__(self, markdown: str, path: str, text: str) -> None:
        self.markdown, self.path, self.text = markdown, path, text

    def _repr_mimebundle_(self, include: Any = None,
                          exclude: Any = None) -> tuple[dict[str, str], dict[str, Any]]:
        data = {"text/markdown": self.markdown, "text/plain": f"<file {self.path}>"}
        return data, {FILE_KEY: {"path": self.path, "text": self.text}}


def files_of(output: dict[str, Any]) -> list[dict[str, str]]:
    """The files an output carries (a list of ``{"path", "text"}``; empty: none)."""
    meta = output.get("metadata") or {}
    item = meta.get(FILE_KEY)
    return [item] if isinstance(item, dict) else []
