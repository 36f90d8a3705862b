"""Execute a chapter's notebook in a Jupyter kernel the way Quarto does.

The kernel starts in the chapter's directory, runs the cells in order and stops at the
first error (unless the cell has ``error: true``), which is reported with the chapter, the
cell and its line in the ``.qmd``. After the last cell a hidden cell asks the kernel what
it read (data sources, golden notebooks, package modules) for the data-aware cache. A failing
claim's display is kept as its message arrives (``Execution.announced``), so no later cell
can take it back (:mod:`reviewbuild.notebooks.verdicts`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from reviewbuild import pyproject
from reviewbuild.claims import CLAIM_ERRORS, VERDICT_MIME
from reviewbuild.exceptions import NotebookError
from reviewbuild.notebooks import forkserver, limits
from reviewbuild.notebooks.convert import chapter_notebook, chapter_preload, describe_cell

KERNEL = "python3"
_COLLECT = "from reviewbuild.notebooks.runtime import collect\ncollect()"
_OUTSIDE = (
    "{chapter} read files from outside the book:\n  {found}\nThe build cannot tell when they "
    "change, and another machine does not have them, so a page could show numbers they no "
    "longer give. Register each as a data source in data/sources.yaml (the build then fetches "
    "it and checks its sha256), or move it into the book's data/ folder.")
_NETWORK = (
    "{chapter} used the network:\n  {found}\nWhat a server returns can change without the "
    "build knowing, so a page could show numbers it no longer gives. Register the data as a "
    "source in data/sources.yaml: the build downloads it once, checks its sha256 and records "
    "which chapters read it.")


@dataclass
class Execution:
    chapter: str
    notebook: NotebookNode
    inputs: dict[str, Any] = field(default_factory=dict)
    #: Every failing claim the kernel announced (a display of :data:`VERDICT_MIME`).
    announced: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds each code cell took, by its description (``cell 4 (line 23, label fig-km)``).
    cell_seconds: dict[str, float] = field(default_factory=dict)

    def timing(self) -> str:
        """``cells 8.1 s; slowest: cell 15 (line 120) 2.9 s`` for progress lines."""
        if not self.cell_seconds:
            return "no code cells"
        slowest = max(self.cell_seconds, key=self.cell_seconds.__getitem__)
        return (f"cells {sum(self.cell_seconds.values()):.1f} s; slowest: {slowest} "
                f"{self.cell_seconds[slowest]:.1f} s")


class _Client(NotebookClient):
    """Keeps each claim verdict the kernel displays, whatever happens to the output later."""

    def process_message(self, msg: dict[str, Any], cell: NotebookNode,
                        cell_index: int) -> NotebookNode | None:
        data = msg.get("content", {}).get("data") if msg.get("msg_type") in (
            "display_data", "update_display_data", "execute_result") else None
        if isinstance(data, dict) and isinstance(data.get(VERDICT_MIME), dict):
            self.announced.append(dict(data[VERDICT_MIME]))
        return super().process_message(msg, cell, cell_index)


def _env(root: Path, extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env["REVIEWBUILD_ROOT"] = str(root)
    env.update(pyproject.handed_owners())
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.update(extra or {})
    return env


class _PromptClient(AsyncKernelClient):
    """A client that does not wait longer than the kernel needs: it connects to a kernel
    still binding its sockets every 10 ms, not zmq's 100 ms (a forked kernel binds them
    within 0.1 s of its start), and knows the kernel ready without 0.2 s of silence."""

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, 10)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait (a ``kernel_info`` reply, and IOPub connected), ended by
        the kernel's idle status after a request it answered instead of 0.2 s without a
        message on IOPub. A kernel slow to start answers every request sent meanwhile, so
        any of them counts. RuntimeError if the kernel dies, or is not ready in ``timeout``."""
        end = time.monotonic() + (timeout if timeout is not None else float("inf"))
        sent: set[str] = set()
        idle: set[str] = set()  # requests whose idle status IOPub carried
        while True:
            sent.add(self.kernel_info())
            with contextlib.suppress(Empty):
                reply = await self.shell_channel.get_msg(timeout=1)
                request = reply["parent_header"].get("msg_id")
                if request in sent and await self._idle_after(request, idle):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > end:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _idle_after(self, request: str, idle: set[str], within: float = 0.2) -> bool:
        """Whether IOPub carries the kernel's idle status for ``request`` within ``within``
        seconds (False: IOPub was not connected yet, and the wait starts over); the idle
        statuses read meanwhile are added to ``idle``."""
        end = time.monotonic() + within
        while request not in idle:
            if (left := end - time.monotonic()) <= 0:
                return False
            try:
                msg = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                idle.add(msg["parent_header"].get("msg_id"))
        return True


class _BoundedKernel(AsyncKernelManager):
    """A kernel whose address space is limited (:func:`limits.kernel_memory`), forked from a
    server that has imported the book's ``preload`` libraries (:mod:`.forkserver`) unless
    ``preload`` is None. Asynchronous: nbclient enforces a cell's timeout only with an
    asynchronous kernel manager."""

    memory = 0
    preload: list[str] | None = None

    async def _async_wait(self, pollinterval: float = 0.01) -> None:
        """Wait for the kernel to end, asking every 10 ms, not 100 ms (a killed kernel ends
        within milliseconds: 0.1 s saved per chapter)."""
        await super()._async_wait(pollinterval)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        forked = None if self.preload is None else forkserver.launch(
            kernel_cmd, kw["env"], str(kw.get("cwd") or os.getcwd()), self.preload,
            timeout=limits.cell_timeout())
        if forked is None:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        else:
            own = self.provisioner
            own.process, own.pid, own.pgid = forked, forked.pid, forked.pid  # type: ignore
            self._reconcile_connection_info(own.connection_info)  # type: ignore[union-attr]
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            limits.limit_memory(process.pid, self.memory)


class _BoundedClient(_Client):
    """Keeps at most ``max_output`` characters of stream output per cell, then a note."""

    max_output = 0

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        if msg["msg_type"] != "stream" or self.max_output <= 0:
            return super().output(outs, msg, display_id, cell_index)
        used = getattr(self, "_printed", {})
        self._printed = used
        before = used.get(cell_index, 0)
        text = msg["content"].get("text", "")
        used[cell_index] = before + len(text)
        if before > self.max_output:
            return None  # already truncated
        if used[cell_index] > self.max_output:
            msg = {**msg, "content": {**msg["content"], "text": (
                text[:self.max_output - before] + limits.truncation_note(self.max_output))}}
            used[cell_index] = self.max_output + 1
        return super().output(outs, msg, display_id, cell_index)


def start_kernel_early(root: Path, chapter: str) -> None:
    """When kernels are forked, start the fork server that the kernel of ``chapter`` will be
    forked from (unless it runs), so that its imports overlap the engine's other work."""
    if not forkserver.enabled():
        return
    preload = chapter_preload(root, chapter)
    if forkserver.running(preload):
        return
    try:
        km = _BoundedKernel(kernel_name=KERNEL)
        cmd, spec_env = km.format_kernel_cmd(), km.kernel_spec.env or {}
    except NoSuchKernel:
        return  # the chapter's execution reports it
    env = {**_env(root, None), **spec_env}  # as the kernel's provisioner sets it
    forkserver.start_early(cmd, env, str((root / chapter).parent), preload,
                           limits.cell_timeout())


def execute_chapter(root: Path, chapter: str, env: dict[str, str] | None = None,
                    timeout: int | None = None) -> Execution:
    """Convert and execute ``chapter`` (relative to ``root``); NotebookError on failure."""
    nb = chapter_notebook(root, chapter)
    return execute_notebook(nb, root, chapter, env=env, timeout=timeout,
                            preload=chapter_preload(root, chapter))


def execute_notebook(nb: NotebookNode, root: Path, chapter: str,
                     env: dict[str, str] | None = None, timeout: int | None = None,
                     preload: list[str] | None = None) -> Execution:
    """Execute ``nb`` within the bounds of :mod:`limits` (``timeout``: seconds per cell), in a
    kernel forked from a server that has imported ``preload`` (default: the book's)."""
    cwd = (root / chapter).parent
    timeout = timeout or limits.cell_timeout()
    memory = limits.kernel_memory()
    limits.remove_stale_sockets()
    # Local IPC sockets (absolute paths in a private directory), not TCP: nothing listens on
    # the network, and ipykernel does not warn about unencrypted TCP.
    sockets = limits.sockets_dir()
    try:
        km = _BoundedKernel(kernel_name=KERNEL, transport="ipc", ip=f"{sockets}/k",
                            client_factory=_PromptClient)
        km.memory = memory
        if preload is None:
            preload = pyproject.preload(root)
        km.preload = preload if forkserver.enabled() else None
        client = _BoundedClient(nb, km=km, kernel_name=KERNEL, timeout=timeout,
                                record_timing=False, resources={"metadata": {"path": str(cwd)}})
        client.max_output = limits.max_cell_output()
        client.announced = []
        seconds: dict[str, float] = {}
        try:
            inputs = _run_all(client, nb, chapter, _env(root, env), cwd, memory, seconds)
        finally:  # the client does not stop a kernel it was given
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    _tidy(nb)
    return Execution(chapter, nb, inputs, client.announced, seconds)


def _run_all(client: NotebookClient, nb: NotebookNode, chapter: str, env: dict[str, str],
             cwd: Path, memory: int, seconds: dict[str, float]) -> dict[str, Any]:
    with client.setup_kernel(env=env, cwd=str(cwd)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            began = time.perf_counter()
            _run_cell(client, nb, index, chapter, memory)
            seconds[describe_cell(nb, index)] = time.perf_counter() - began
        return _collect(client, nb, chapter)


def _memory_hint(memory: int) -> str:
    if memory <= 0:
        return ""
    return (f" (the kernel may use {memory / 2**30:.3g} GiB of address space: "
            "REVIEWBUILD_KERNEL_MEMORY raises or, with 0, removes that limit)")


def _run_cell(client: NotebookClient, nb: NotebookNode, index: int, chapter: str,
              memory: int = 0) -> None:
    try:
        client.execute_cell(nb.cells[index], index)
        _refuse_errors_let_through(nb, index, chapter)
    except CellExecutionError as err:
        name = getattr(err, "ename", "Error")
        hint = _memory_hint(memory) if name == "MemoryError" else ""
        raise _cell_error(nb, index, chapter,
                          f"failed: {name}: {getattr(err, 'evalue', err)}{hint}") from None
    except CellTimeoutError:
        raise _cell_error(nb, index, chapter, f"did not finish within {client.timeout} s "
                          "(REVIEWBUILD_CELL_TIMEOUT sets the bound)") from None
    except DeadKernelError as err:
        raise _cell_error(nb, index, chapter, f"did not finish: the kernel died ({err})"
                          f"{_memory_hint(memory)}", code=False) from None


def _refuse_errors_let_through(nb: NotebookNode, index: int, chapter: str) -> None:
    """NotebookError if an ``error: true`` cell raised anything but a claim's failure (which
    the drift gate reports): the chapter would go on with values the cell never computed,
    and a later claim could hold on them."""
    for out in nb.cells[index].get("outputs", []):
        if out.get("output_type") == "error" and out.get("ename") not in CLAIM_ERRORS:
            raise _cell_error(
                nb, index, chapter, f"failed: {out.get('ename')}: {out.get('evalue')}. "
                "`error: true` does not let a chapter go on past a failed computation, since "
                "its later numbers and claims could rest on values the cell never computed: "
                "fix the error, or catch it in the cell and say in the text what it means")


def _cell_error(nb: NotebookNode, index: int, chapter: str, what: str,
                code: bool = True) -> NotebookError:
    """The error naming the chapter, the cell and ``what`` happened, with the cell's first
    lines of code (``code``)."""
    text = f"{chapter}: {describe_cell(nb, index)} {what}"
    return NotebookError(text + (f"\n--- code ---\n{_head(nb.cells[index].source)}"
                                 if code else ""))


def _head(source: str, n: int = 8) -> str:
    lines = source.splitlines()
    return "\n".join(lines[:n] + (["..."] if len(lines) > n else []))


def _collect(client: NotebookClient, nb: NotebookNode, chapter: str) -> dict[str, Any]:
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(_COLLECT, id="collect")
    nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(nb.cells) - 1)
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        inputs = json.loads(text)
    except (CellExecutionError, json.JSONDecodeError) as err:
        raise NotebookError(f"{chapter}: could not collect what the chapter read: {err}") from None
    finally:
        nb.cells.pop()
    for kind, text in (("outside", _OUTSIDE), ("network", _NETWORK)):
        if found := inputs.pop(kind, []):
            raise NotebookError(text.format(chapter=chapter, found="\n  ".join(found)))
    return inputs


def _tidy(nb: NotebookNode) -> None:
    """Drop machine-specific metadata so golden notebooks differ only when outputs do."""
    info = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {"name": info.get("name", "python")}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
