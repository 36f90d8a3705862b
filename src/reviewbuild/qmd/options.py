"""A cell's ``#|`` options, checked: plain values of the types Quarto needs."""

from __future__ import annotations

import math
from typing import Any

import yaml

from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.qmd.yamlblock import key_lines, line_at, load_yaml

#: Cell options whose text is Markdown a reader sees (captions, alt text).
CAPTION_OPTIONS = ("fig-cap", "fig-subcap", "fig-alt", "tbl-cap", "tbl-subcap", "lst-cap")
#: Options that must be true/false (Jupyter engine).
BOOL_OPTIONS = ("eval", "error", "include", "warning")


def cell_options(text: str, name: str, first: int) -> tuple[dict[str, Any], yaml.Node | None]:
    """A cell's ``#|`` options, checked (a mapping of plain values of the types Quarto
    needs), and their YAML node."""
    what = "#| cell options"
    data, node = load_yaml(text, name, first, what)
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        raise QmdSyntaxError(f"{name}:{first}: {what} must be `key: value` lines")
    lines = key_lines(node, text, first)
    for key, _ in node.value:
        if key.tag != "tag:yaml.org,2002:str":
            line = line_at(text, first, key.start_mark.index)
            raise QmdSyntaxError(f"{name}:{line}: {what}: option name {key.value!r} must be "
                                 "text")
    for key, value in data.items():
        _check_plain(value, f"{name}:{lines.get(key, first)}: {what}: `{key}`")
    check_bools(data, name, lines, "")
    _check_texts(data, name, lines)
    return data, node


def _check_plain(value: Any, where: str) -> None:
    """Only what JSON can hold: text, numbers, true/false, null, lists and mappings."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QmdSyntaxError(f"{where} must be a finite number, not {value}")
        return
    if isinstance(value, list):
        for item in value:
            _check_plain(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise QmdSyntaxError(f"{where}: key {key!r} must be text")
            _check_plain(item, where)
        return
    kind = {"date": "a date", "datetime": "a date and time", "set": "a set",
            "bytes": "binary data"}.get(type(value).__name__, type(value).__name__)
    raise QmdSyntaxError(f"{where} is {kind}, which a notebook cannot hold "
                         "(quote it to keep it as text)")


def check_bools(options: dict[str, Any], name: str, lines: dict[Any, int], prefix: str) -> None:
    """The options of BOOL_OPTIONS are true or false (``prefix``: how messages name their
    mapping, e.g. ``execute: ``)."""
    for key in BOOL_OPTIONS:
        if key in options and not isinstance(options[key], bool):
            raise QmdSyntaxError(f"{name}:{lines.get(key, 1)}: `{prefix}{key}` must be true or "
                                 f"false, not {options[key]!r}")


def _check_texts(options: dict[str, Any], name: str, lines: dict[Any, int]) -> None:
    """``tags`` a list of text; labels and captions text (or lists of text)."""
    def texts(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    at = {k: f"{name}:{lines.get(k, 1)}: #| cell options: `{k}`" for k in options}
    if "tags" in options and not texts(options["tags"]):
        raise QmdSyntaxError(f"{at['tags']} must be a list of tags, e.g. "
                             f"`tags: [nbval-ignore-output]`, not {options['tags']!r}")
    if "label" in options and not isinstance(options["label"], str):
        raise QmdSyntaxError(f"{at['label']} must be text, not {options['label']!r}")
    for key in CAPTION_OPTIONS:
        if key in options and not (isinstance(options[key], str) or texts(options[key])):
            raise QmdSyntaxError(f"{at[key]} must be text (or a list of texts), "
                                 f"not {options[key]!r}")
