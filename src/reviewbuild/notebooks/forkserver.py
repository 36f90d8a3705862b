"""Kernels forked from a process that has already imported what each of them imports.

A kernel started afresh spends about a second before its first cell (an interpreter,
ipykernel) and a chapter another second or more importing its libraries (pandas, matplotlib,
lifelines). A build executes many chapters, each in a kernel of its own as Quarto would. A
fork server pays both once per build: it starts as the kernel would (the kernel spec's
interpreter and options, the kernel's environment and directory), imports ipykernel and the
book's ``[tool.reviewbuild] preload`` libraries (:func:`runtime.import_preloaded`), freezes
what it imported (``gc.freeze``: the kernels' garbage collections skip it), and forks one
child per kernel, which then runs the kernel's own command (``-m
ipykernel_launcher -f <connection file>``). Every chapter still gets a process of its own in
which no other chapter ran.

A chapter may add libraries of its own (front matter ``reviewbuild: {preload: [...]}``): its
kernels come from a server forked from the book's once that has imported the book's list, which
then imports only the additions and freezes them too.

A kernel started afresh imports the same libraries in its setup cell, so either way a chapter
executes, and is recorded, the same (the test suite executes every chapter afresh and
compares it with its golden notebook, which a build wrote from a forked kernel).
A server that fails, or takes longer than a cell may to import, is stopped and kernels start
afresh (their setup cell then meets the same error or bound). ``REVIEWBUILD_FORK_KERNELS=0``
starts every kernel afresh. Only on Linux: elsewhere forking a process that has loaded system
frameworks is not safe.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import runpy
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

SETTING = "REVIEWBUILD_FORK_KERNELS"
#: Fork servers kept at once (one per interpreter, environment, directory and preload list;
#: more while each has a kernel running).
_KEEP = 2
#: Seconds a running server has to fork a kernel.
_FORK_SECONDS = 60
#: Set by ipykernel in its own environment before the first cell, so before any library
#: imported there reads it (ipykernel/kernelapp.py, ``init_gui_pylab``).
_KERNEL_SETS = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def enabled() -> bool:
    """Whether kernels are forked (Linux, unless ``REVIEWBUILD_FORK_KERNELS=0``)."""
    return sys.platform == "linux" and os.environ.get(SETTING, "1").strip() != "0"


class ForkedKernel:
    """The part of :class:`subprocess.Popen` that jupyter_client uses of a kernel process.

    The fork server, not this process, is the kernel's parent (and reaps it), so whether it
    still runs is asked of the system; its exit status is not known (``-1``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Server:
    """One fork server: started with the kernel's interpreter, environment and directory, or
    forked from ``parent``, a server whose preload list begins this one's, which then imports
    only the rest. It has ``timeout`` seconds to import what it preloads (a setup cell's
    bound), counted from its first fork, which waits for it."""

    def __init__(self, interpreter: list[str], env: dict[str, str], cwd: str,
                 preload: list[str], timeout: float, parent: Server | None = None) -> None:
        self._requests, requests_in = socket.socketpair()  # a socket can carry descriptors
        self._replies, replies_out = os.pipe()
        self._lock, self._sending = threading.Lock(), threading.Lock()
        self._timeout = timeout
        self.preload = preload
        self.reported = False  # whether the user was told the server failed
        self.kernels: list[ForkedKernel] = []
        self.process: subprocess.Popen | ForkedKernel | None = None  # known once ready
        self.error: str | None = None
        self._ready = False
        fds = (requests_in.fileno(), replies_out)
        try:
            if parent is not None:
                parent._send({"serve": preload[len(parent.preload):]}, fds)
            else:
                self.process = subprocess.Popen(
                    [*interpreter, "-c", "from reviewbuild.notebooks.forkserver import serve; "
                     f"serve({fds[0]}, {fds[1]}, {preload!r})"], env=_server_env(env),
                    cwd=cwd, stdin=subprocess.DEVNULL, pass_fds=fds, start_new_session=True)
        except OSError as err:
            self.error = f"could not start: {err}"
        finally:
            requests_in.close()
            os.close(replies_out)

    def _send(self, request: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        line = json.dumps(request).encode() + b"\n"
        with self._sending:  # a request is written whole, whichever thread sends the next
            if fds:
                socket.send_fds(self._requests, [line], list(fds))
            else:
                self._requests.sendall(line)

    def _read(self, timeout: float) -> dict[str, Any]:
        """The server's next reply (one JSON line), or an error once ``timeout`` passes or
        the server has exited (the server is then stopped)."""
        line, end = b"", time.monotonic() + timeout
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self._replies], [], [], max(0, end - time.monotonic()))
            chunk = os.read(self._replies, 4096) if ready else b""
            if not chunk:
                if self.process is not None:  # else it exits once it reads that we closed
                    self.process.kill()
                return {"error": "the fork server exited" if ready else
                        f"the fork server did not answer within {timeout:g} s"}
            line += chunk
        return json.loads(line)

    def fork(self, module: str, args: list[str], env: dict[str, str], cwd: str) -> int | None:
        """The process id of a new kernel running ``-m module args`` (None: the server is
        gone, and the caller starts the kernel afresh)."""
        with self._lock:
            if not self._ready and not self.error:  # its imports: once, bounded
                ready = self._read(self._timeout)
                self.error, self._ready = ready.get("error"), True
                if self.process is None and "pid" in ready:  # forked from another server
                    self.process = ForkedKernel(int(ready["pid"]))
            if self.error or self.process is None:
                return None
            try:
                self._send({"module": module, "args": args, "cwd": cwd,
                            "env": {**env, "JPY_PARENT_PID": str(self.process.pid)}})
                reply = self._read(_FORK_SECONDS)
            except OSError as err:
                reply = {"error": str(err)}
        if "pid" not in reply:
            self.error = reply.get("error", "no reply")
            return None
        return int(reply["pid"])

    def busy(self) -> bool:
        """Whether a kernel it forked still runs (a kernel exits when its server does)."""
        self.kernels = [k for k in self.kernels if k.poll() is None]
        return bool(self.kernels)

    def close(self) -> None:
        """Stop the server (its kernels are stopped by their managers)."""
        self._requests.close()
        with contextlib.suppress(OSError):
            os.close(self._replies)
        if self.process is None:  # forked from another server: it exits once it reads this
            return
        if not self._ready:  # still importing, for nothing: no need to wait for it
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _server_env(env: dict[str, str]) -> dict[str, str]:
    """The kernel's environment as ipykernel leaves it before the first cell."""
    return {**env, **{k: v for k, v in _KERNEL_SETS.items() if not env.get(k)}}


_servers: dict[tuple, Server] = {}
_servers_lock = threading.Lock()


def launch(cmd: list[str], env: dict[str, str], cwd: str, preload: list[str],
           timeout: float = 600) -> ForkedKernel | None:
    """A kernel running ``cmd`` forked from a server (started on first use, with ``timeout``
    seconds to import ``preload``), or None when ``cmd`` is not ``<python> [options] -m
    <module> ...`` or no server can fork it."""
    server = server_for(cmd, env, cwd, preload, timeout)
    if server is None:
        return None
    at = cmd.index("-m")
    pid = server.fork(cmd[at + 1], cmd[at + 2:], env, os.path.abspath(cwd))
    with _servers_lock:
        if pid is None:
            if not server.reported:
                server.reported = True
                print(f"reviewbuild: kernels start afresh, not forked ({server.error})",
                      file=sys.stderr, flush=True)
            return None
        server.kernels.append(ForkedKernel(pid))
        return server.kernels[-1]


def server_for(cmd: list[str], env: dict[str, str], cwd: str, preload: list[str],
               timeout: float = 600) -> Server | None:
    """The server that forks kernels running ``cmd`` in these settings, started (not waited
    for) if there is none yet; None when ``cmd`` is not ``<python> [options] -m <module>``."""
    if "-m" not in cmd[:-1]:
        return None
    key = (tuple(cmd[:cmd.index("-m")]), os.path.abspath(cwd), tuple(preload),
           tuple(sorted((k, v) for k, v in env.items() if k != "JPY_PARENT_PID")))
    with _servers_lock:
        found = _servers.get(key)
        if found is None:
            parent = _parent(key)
            idle = [k for k, s in _servers.items() if not s.busy() and s is not parent]
            for old in idle[:max(0, len(_servers) + 1 - _KEEP)]:
                _servers.pop(old).close()
            found = _servers[key] = Server(list(key[0]), env, key[1], preload, timeout, parent)
        return found


def _parent(key: tuple) -> Server | None:
    """A running server in the same settings whose preload list begins that of ``key`` (the
    longest such): a server for ``key`` is forked from it and imports only the rest."""
    interpreter, cwd, preload, env = key
    found = [(len(k[2]), s) for k, s in _servers.items() if not s.error
             and (k[0], k[1], k[3]) == (interpreter, cwd, env)
             and len(k[2]) < len(preload) and preload[:len(k[2])] == k[2]]
    return max(found, key=lambda pair: pair[0])[1] if found else None


def running(preload: list[str]) -> bool:
    """Whether a server of this preload list runs (in any settings)."""
    with _servers_lock:
        return any(key[2] == tuple(preload) for key in _servers)


def start_early(cmd: list[str], env: dict[str, str], cwd: str, preload: list[str],
                timeout: float = 600) -> None:
    """Start the server :func:`launch` will fork these kernels from, unless it runs or
    ``_KEEP`` servers run already (none is stopped for one that may be needed later)."""
    with _servers_lock:
        if len(_servers) >= _KEEP:
            return
    server_for(cmd, env, cwd, preload, timeout)


@atexit.register
def stop_servers() -> None:
    """Stop every fork server of this process."""
    with _servers_lock:
        while _servers:
            _servers.popitem()[1].close()


def serve(requests_fd: int, replies_fd: int, preload: list[str]) -> None:
    """The fork server's loop: import, then fork one kernel per request until the engine
    closes its end (each reply: ``{"pid": n}``, or ``{"error": ...}``). An engine that has
    gone (its command ended before this server was needed) ends it quietly."""
    try:
        _serve(requests_fd, replies_fd, preload)
    except (BrokenPipeError, ConnectionResetError):
        _exit(0)


def _serve(requests_fd: int, replies_fd: int, preload: list[str]) -> None:
    replies = os.fdopen(replies_fd, "wb", buffering=0)
    # ipykernel reads its parent's process id when imported: the kernels' parent is this one
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    try:
        # what every kernel imports before its first cell (launcher, kernel, shell, debugger)
        import ipykernel.debugger  # noqa: F401
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.kernelapp  # noqa: F401

        from reviewbuild.notebooks import runtime

        runtime.import_preloaded(preload)
        runtime.prepare_collect()
        # what was imported lives as long as the kernels: their garbage collections skip it
        # (Python's advice for a process that forks without exec; 0.1 s per chapter)
        gc.freeze()
    except BaseException as err:  # reported, and every kernel is started afresh instead
        replies.write(json.dumps({"error": f"{type(err).__name__}: {err}"}).encode() + b"\n")
        return
    replies.write(json.dumps({"ready": True, "pid": os.getpid()}).encode() + b"\n")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they end
    with socket.socket(fileno=requests_fd) as requests:
        for request, fds in _received(requests):
            pid = os.fork()
            if pid == 0:
                requests.close()
                replies.close()
                if "serve" in request:  # a server that imports more: it replies itself
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    try:
                        serve(*fds, request["serve"])
                    finally:
                        _exit(0)
                _become_kernel(request)
            for fd in fds:
                os.close(fd)
            if "serve" not in request:
                replies.write(json.dumps({"pid": pid}).encode() + b"\n")
    # the engine has closed its end: exit at once, without the interpreter's teardown of all
    # it imported (0.4 s the engine would wait for)
    _exit(0)


def _received(requests: socket.socket) -> Iterator[tuple[dict[str, Any], list[int]]]:
    """Each request (a JSON line) and the descriptors sent with it, until the engine closes
    its end."""
    buffer, fds = b"", []
    while True:
        chunk, received, _, _ = socket.recv_fds(requests, 1 << 16, 2)
        if not chunk:
            return
        buffer, fds = buffer + chunk, fds + received
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line), fds
            fds = []


def _exit(code: int) -> None:
    """Flush what was printed and end this process at once (a fork server or a forked child)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _become_kernel(request: dict[str, Any]) -> None:
    """In the forked child: become the kernel ``python -m module args`` would start, in its
    own session, directory and environment; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [request["module"], *request["args"]]
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        _exit(code)
