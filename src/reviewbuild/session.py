"""The state of one execution of a chapter, in one object with one reset.

An execution is one run of a chapter's cells in one kernel: it began chapter ``chapter``, made
``claims`` (every one, in order, whatever the cells do with the exceptions), read the data
sources ``reads``, consulted the declarations ``uses``, read the project files ``files`` and
``opened``, read the files ``outside`` the book that no rule expects a chapter to read, and
reached the ``network`` other than through the engine's fetcher (:func:`fetching`).
:mod:`reviewbuild.claims`, :mod:`reviewbuild.data.provenance` and
:mod:`reviewbuild.notebooks.runtime` all record into :func:`current`.

:func:`reset` starts a new execution. The engine's setup cell calls it (``enter_chapter``,
which also sets ``engine``: failing claims are then announced to the engine as they happen).
Under Quarto, whose kept-alive kernel runs ``%reset`` after each render, an execution starts
when ``begin_chapter`` finds the kernel's namespace no longer marked by this one.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Key of the IPython namespace entry that marks the current execution.
MARK = "__reviewbuild_execution__"


@dataclass
class Execution:
    """What one execution did so far (see the module's docstring)."""

    engine: bool = False
    expected: str | None = None
    chapter: str | None = None
    claims: list[Any] = field(default_factory=list)
    reads: dict[str, str | None] = field(default_factory=dict)
    uses: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    opened: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)
    network: set[str] = field(default_factory=set)
    fetching: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


_current = Execution()


def current() -> Execution:
    """The execution under way in this process."""
    return _current


def reset(engine: bool = False, expected: str | None = None) -> Execution:
    """Start a new execution (``engine``: run by the engine; ``expected``: its chapter stem)."""
    global _current
    _current = Execution(engine=engine, expected=expected)
    shell = _shell()
    if shell is not None:
        shell.user_ns[MARK] = _current
        shell.user_ns_hidden[MARK] = _current
    return _current


@contextmanager
def fetching() -> Iterator[None]:
    """The network used inside this block is the engine's fetcher getting a registered source
    (downloaded once, verified against its pin, recorded): not a chapter's own network use."""
    state = current()
    with state.lock:
        state.fetching += 1
    try:
        yield
    finally:
        with state.lock:
            state.fetching -= 1


def started() -> bool:
    """False when this kernel's namespace was reset since the execution began (Quarto's
    kept-alive kernel between two renders): the next ``begin_chapter`` starts a new one."""
    shell = _shell()
    return shell is None or shell.user_ns.get(MARK) is _current


def _shell() -> Any:
    """The IPython shell running this code, if any (IPython is not imported for it)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
