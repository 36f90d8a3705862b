"""A chapter's YAML front matter, checked (a mapping; ``execute:`` options true/false)."""

from __future__ import annotations

from typing import Any

from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.qmd.options import check_bools
from reviewbuild.qmd.yamlblock import key_lines, load_yaml


def front_matter(lines: list[str], name: str) -> tuple[dict[str, Any], int]:
    """The front matter of a chapter's ``lines`` and the index of the body's first line."""
    if not lines or lines[0].rstrip(" \t") != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip(" \t") in ("---", "..."):
            break
    else:
        raise QmdSyntaxError(f"{name}:1: the YAML front matter opened here is never closed "
                             "(add a line `---` after it)")
    text = "\n".join(lines[1:end])
    data, node = load_yaml(text, name, 2, "front matter")
    if data is None:
        return {}, end + 1
    if not isinstance(data, dict):
        raise QmdSyntaxError(f"{name}:2: the front matter must be a YAML mapping (`key: value`)")
    execute = data.get("execute")
    if execute is not None:
        if not isinstance(execute, dict):
            where = key_lines(node, text, 2).get("execute", 2)
            raise QmdSyntaxError(f"{name}:{where}: `execute` must be a mapping of options "
                                 "(e.g. `execute:` then `  eval: false`)")
        sub = next(v for k, v in node.value if k.value == "execute")
        check_bools(execute, name, key_lines(sub, text, 2), "execute: ")
    return data, end + 1
