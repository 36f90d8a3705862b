"""The one YAML reader of the engine: every YAML file and block, errors at ``file:line``.

Safe types only (no Python objects), no anchors and aliases (``&name``/``*name``: a few
lines of aliases can expand into billions of values), no key given twice in one mapping (as
Quarto's reader), UTF-8 only and no NUL or other control characters. Every failure is the
caller's error class with a message starting ``file:line:``, the line of the offending
character, key or value.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.textfile import read_utf8

#: YAML constructors fail with these on values such as ``!!int x`` or ``2020-02-31``.
_VALUE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases while composing (before anything expands)."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is not allowed: write the value out "
                "(anchors and aliases are refused, so a few lines cannot expand into a huge "
                "document)", event.start_mark)
        return super().compose_node(parent, index)


def load(text: str, name: str, *, first: int = 1, what: str = "",
         error: type[ReviewBuildError] = ReviewBuildError) -> tuple[Any, yaml.Node | None]:
    """``(data, node)`` of a YAML text that starts at line ``first`` of file ``name``."""
    if not text.strip():
        return None, None
    bad = f"bad YAML in {what}" if what else "bad YAML"
    loader = node = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _no_duplicate_keys(node, text, name, first, bad, error)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = line_at(text, first, mark.index if mark else 0)
        problem = err.problem or err.context or "cannot be read"
        raise error(f"{name}:{line}: {bad}: {problem}") from None
    except yaml.YAMLError as err:  # the reader: a character YAML does not allow
        line = line_at(text, first, getattr(err, "position", 0))
        raise error(f"{name}:{line}: {bad}: {str(err).splitlines()[0]}") from None
    except _VALUE_ERRORS:
        scalar = _bad_scalar(node)
        line = line_at(text, first, scalar.start_mark.index) if scalar else first
        value = (f"{scalar.value!r} is not a valid "
                 f"{scalar.tag.replace('tag:yaml.org,2002:', '!!')}" if scalar
                 else "a value cannot be read")
        raise error(f"{name}:{line}: {bad}: {value} "
                    "(quote it to keep it as text)") from None
    except RecursionError:
        raise error(f"{name}:{first}: {what or 'YAML'}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def read(path: Path, name: str | None = None, *, what: str = "",
         error: type[ReviewBuildError] = ReviewBuildError) -> tuple[Any, yaml.Node | None, str]:
    """``(data, node, text)`` of a YAML file; ``name`` is how messages call it."""
    name = name or str(path)
    text = read_utf8(path, name, error)
    return (*load(text, name, what=what, error=error), text)


def _no_duplicate_keys(node: yaml.Node, text: str, name: str, first: int, bad: str,
                       error: type[ReviewBuildError]) -> None:
    """Quarto's YAML reader refuses a key given twice in one mapping; so does this one."""
    for mapping in nodes(node):
        if isinstance(mapping, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, _ in mapping.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag.endswith(":merge"):
                    continue
                if (key.tag, key.value) in seen:
                    line = line_at(text, first, key.start_mark.index)
                    raise error(f"{name}:{line}: {bad}: `{key.value}` is given "
                                "twice (keep one)")
                seen.add((key.tag, key.value))


def line_at(text: str, first: int, index: int) -> int:
    """The line of character ``index`` of ``text``, which starts at line ``first``."""
    return first + text.count("\n", 0, index)


def line_of(node: yaml.Node, first: int = 1) -> int:
    """The line on which ``node`` starts (a block scalar's text starts on the next line)."""
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    return first + node.start_mark.line + block


def _bad_scalar(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar whose tag's constructor fails (e.g. ``!!int x``, ``2020-02-31``)."""
    for scalar in nodes(node):
        if isinstance(scalar, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(scalar)
            except _VALUE_ERRORS + (yaml.YAMLError,):
                return scalar
    return None


def nodes(node: yaml.Node | None) -> Iterator[yaml.Node]:
    """Every node of a composed tree, depth first (each once)."""
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, yaml.MappingNode):
            stack += [n for pair in reversed(item.value) for n in reversed(pair)]
        elif isinstance(item, yaml.SequenceNode):
            stack += reversed(item.value)


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node (None if absent or not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def key_lines(node: yaml.Node | None, text: str = "", first: int = 1) -> dict[Any, int]:
    """Key -> line of its value, for the keys of a mapping node (``text`` is unused and kept
    for the chapter reader's calls)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: line_of(value, first) for key, value in node.value
            if isinstance(key, yaml.ScalarNode)}
