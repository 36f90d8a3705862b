"""A YAML block of a chapter (front matter, cell options) loaded with errors at their line.

Every error is a :class:`~reviewbuild.exceptions.QmdSyntaxError` starting ``file:line:``,
the line of the offending character, key or value in the chapter. The reading itself is the
engine's one YAML reader, :mod:`reviewbuild.yamlsafe` (no aliases, no duplicate keys).
"""

from __future__ import annotations

from typing import Any

import yaml

from reviewbuild import yamlsafe
from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.yamlsafe import key_lines, line_at

__all__ = ["key_lines", "line_at", "load_yaml"]


def load_yaml(text: str, name: str, first: int, what: str) -> tuple[Any, yaml.Node | None]:
    """Load YAML, errors at the exact line of ``text`` (which starts at line ``first``)."""
    return yamlsafe.load(text, name, first=first, what=what, error=QmdSyntaxError)

