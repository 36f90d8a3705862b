"""A YAML block of a chapter (front matter, cell options) loaded with errors at their line.

Every error is a :class:`~reviewbuild.exceptions.QmdSyntaxError` starting ``file:line:``,
the line of the offending character, key or value in the chapter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from reviewbuild.exceptions import QmdSyntaxError

#: YAML constructors fail with these on values such as ``!!int x`` or ``2020-02-31``.
_VALUE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)


def load_yaml(text: str, name: str, first: int, what: str) -> tuple[Any, yaml.Node | None]:
    """Load YAML, errors at the exact line of ``text`` (which starts at line ``first``)."""
    if not text.strip():
        return None, None
    loader = node = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _no_duplicate_keys(node, text, name, first, what)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = line_at(text, first, mark.index if mark else 0)
        problem = err.problem or err.context or "cannot be read"
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: {problem}") from None
    except yaml.YAMLError as err:  # the reader: a character YAML does not allow
        line = line_at(text, first, getattr(err, "position", 0))
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: "
                             f"{str(err).splitlines()[0]}") from None
    except _VALUE_ERRORS:
        bad = _bad_scalar(node)
        line = line_at(text, first, bad.start_mark.index) if bad else first
        value = f"{bad.value!r} is not a valid {bad.tag.replace('tag:yaml.org,2002:', '!!')}" \
            if bad else "a value cannot be read"
        raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: {value} "
                             "(quote it to keep it as text)") from None
    except RecursionError:
        raise QmdSyntaxError(f"{name}:{first}: {what}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _no_duplicate_keys(node: yaml.Node, text: str, name: str, first: int, what: str) -> None:
    """Quarto's YAML reader refuses a key given twice in one mapping; so does this one."""
    for mapping in _nodes(node, set()):
        if isinstance(mapping, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, _ in mapping.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag.endswith(":merge"):
                    continue
                if (key.tag, key.value) in seen:
                    line = line_at(text, first, key.start_mark.index)
                    raise QmdSyntaxError(f"{name}:{line}: bad YAML in {what}: `{key.value}` "
                                         "is given twice (keep one)")
                seen.add((key.tag, key.value))


def line_at(text: str, first: int, index: int) -> int:
    """The line of character ``index`` of ``text``, which starts at line ``first``."""
    return first + text.count("\n", 0, index)


def _bad_scalar(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar whose tag's constructor fails (e.g. ``!!int x``, ``2020-02-31``)."""
    for scalar in _nodes(node, set()):
        if isinstance(scalar, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(scalar)
            except _VALUE_ERRORS + (yaml.YAMLError,):
                return scalar
    return None


def _nodes(node: yaml.Node | None, seen: set[int]) -> Iterator[yaml.Node]:
    if node is None or id(node) in seen:
        return
    seen.add(id(node))
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _nodes(key, seen)
            yield from _nodes(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _nodes(item, seen)


def key_lines(node: yaml.Node | None, text: str, first: int) -> dict[Any, int]:
    """Top-level key -> line of its value (a block scalar's text starts on the next line)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    out = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        index = value.start_mark.index
        block = isinstance(value, yaml.ScalarNode) and value.style in ("|", ">")
        out[key.value] = line_at(text, first, index) + block
    return out


def has_alias(node: yaml.Node) -> bool:
    """Whether a node is reached twice (what an alias ``*name`` does in a composed tree)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            return True
        seen.add(id(item))
        if isinstance(item, yaml.MappingNode):
            stack += [n for pair in item.value for n in pair]
        elif isinstance(item, yaml.SequenceNode):
            stack += item.value
    return False
