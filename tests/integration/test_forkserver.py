"""Kernels forked from a server that has imported the book's ``preload`` libraries execute a
chapter, and record what it read, exactly as a kernel started afresh; they are bounded and
stopped like one; and the engine falls back to a fresh kernel when no server can fork."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

import nbformat
import pytest

from reviewbuild.exceptions import NotebookError, ReviewBuildError
from reviewbuild.notebooks import commands, forkserver
from reviewbuild.notebooks.execute import execute_chapter

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")

#: A library of the test's own that reads a file of the book when imported.
PROBE = ("import os\nwith open(os.path.join(os.environ['REVIEWBUILD_ROOT'], 'data', "
         "'setting.txt')) as f:\n    SETTING = f.read().strip()\n")
CHAPTER = """# Probe

```{python}
import sys
import matplotlib
import pandas as pd
import preload_probe
table = pd.read_csv("../data/table.csv")
print(preload_probe.SETTING, int(table["n"].sum()), sys.argv[0].endswith("ipykernel_launcher.py"))
print(matplotlib.rcParams["backend"], sys.path[:1])
```
"""


@pytest.fixture
def book(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "table.csv").write_text("n\n1\n2\n", encoding="utf-8")
    (root / "data" / "setting.txt").write_text("on\n", encoding="utf-8")
    (root / "chapters" / "01-probe.qmd").write_text(CHAPTER, encoding="utf-8")
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: t\n  chapters:\n"
        "    - chapters/01-probe.executed.ipynb\njupyter: python3\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.reviewbuild]\npreload = ["pandas", "matplotlib", "preload_probe"]\n',
        encoding="utf-8")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "preload_probe.py").write_text(PROBE, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(lib), os.environ.get("PYTHONPATH")])))
    monkeypatch.syspath_prepend(str(lib))
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.chdir(tmp_path)
    yield root
    forkserver.stop_servers()


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """Kernels forked by a server from now on (their process ids)."""
    monkeypatch.setenv(forkserver.SETTING, "1")
    forked: list[int] = []
    launch = forkserver.launch

    def counted(*args, **kw):
        kernel = launch(*args, **kw)
        if kernel is not None:
            forked.append(kernel.pid)
        return kernel
    monkeypatch.setattr(forkserver, "launch", counted)
    return forked


def _outputs(run) -> str:
    cells = getattr(run, "notebook", run).cells
    return json.dumps([c.get("outputs", []) for c in cells], sort_keys=True)


def test_a_forked_kernel_executes_and_records_as_one_started_afresh(book, forks, monkeypatch):
    forked = execute_chapter(book, "chapters/01-probe.qmd")
    assert len(forks) == 1
    monkeypatch.setenv(forkserver.SETTING, "0")
    fresh = execute_chapter(book, "chapters/01-probe.qmd")
    assert len(forks) == 1
    assert _outputs(forked) == _outputs(fresh)
    assert "on 3 True" in _outputs(forked)
    assert "matplotlib_inline.backend_inline" in _outputs(forked)  # as ipykernel sets it
    assert forked.inputs == fresh.inputs
    # the file the preloaded library read when the server imported it is the chapter's input
    assert [p for p, _ in forked.inputs["files"]] == ["data/setting.txt", "data/table.csv"]
    assert forked.notebook.cells[1].source == fresh.notebook.cells[1].source
    assert "preload=['pandas', 'matplotlib', 'preload_probe']" in forked.notebook.cells[1].source


@pytest.fixture
def servers(monkeypatch) -> list[str]:
    """Fork servers started from now on: "early" for each that :func:`forkserver.start_early`
    started, else "on first fork"; and the preload list of each, in ``servers.preloads``."""
    started = _Started()
    start = forkserver.Server.__init__

    def counted(self, interpreter, env, cwd, preload, timeout, parent=None):
        early = any(f.name == "start_early" for f in traceback.extract_stack())
        started.append("early" if early else "on first fork")
        started.preloads.append(preload)
        started.parents.append(parent and parent.preload)
        start(self, interpreter, env, cwd, preload, timeout, parent)
    monkeypatch.setattr(forkserver.Server, "__init__", counted)
    return started


class _Started(list):
    preloads: list[list[str]]
    parents: list[list[str] | None]

    def __init__(self) -> None:
        super().__init__()
        self.preloads, self.parents = [], []


def test_one_server_forks_every_kernel_of_a_build(book, forks, servers):
    for _ in range(2):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert len(servers) == 1 and len(set(forks)) == 2


def test_a_build_starts_its_server_before_the_first_kernel(book, forks, servers):
    """Started as soon as a chapter is known to execute, so that its imports overlap the
    engine's checks; the kernel is then forked from that same server."""
    commands.build(book, progress=lambda _: None)  # no golden notebook yet: executes
    assert servers == ["early"] and len(forks) == 1
    commands.build(book, progress=lambda _: None)  # up to date: no server is started
    assert servers == ["early"] and len(forks) == 1
    commands.build(book, force=True, progress=lambda _: None)
    assert servers == ["early", "early"] and len(forks) == 2


def test_a_chapter_adds_its_own_preload_and_gets_a_server_of_its_own(book, forks, servers,
                                                                    monkeypatch):
    """Front matter ``reviewbuild: {preload: [...]}`` adds libraries for one chapter: its
    kernels come from a second server, forked from the first, that imported them too, both
    started early; its setup cell names them, so that a kernel started afresh imports them
    there, and it executes and records as it does there (what they read included)."""
    (book / "data" / "extra.txt").write_text("extra\n", encoding="utf-8")
    (book.parent / "lib" / "extra_probe.py").write_text(PROBE.replace(
        "setting.txt", "extra.txt"), encoding="utf-8")
    second = book / "chapters" / "02-second.qmd"
    second.write_text("---\nreviewbuild:\n  preload: [extra_probe]\n---\n\n"
                      + CHAPTER.replace("# Probe", "# Second").replace(
                          "import preload_probe\n", "import extra_probe, preload_probe\n"),
                      encoding="utf-8")
    config = book / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "    - chapters/01-probe.executed.ipynb\n", "    - chapters/01-probe.executed.ipynb\n"
        "    - chapters/02-second.executed.ipynb\n"), encoding="utf-8")
    commands.build(book, force=True, jobs=1, progress=lambda _: None)
    base = ["pandas", "matplotlib", "preload_probe"]
    assert servers == ["early", "early"] and servers.preloads == [base, base + ["extra_probe"]]
    assert servers.parents == [None, base] and len(forks) == 2
    forked = execute_chapter(book, "chapters/02-second.qmd")
    assert len(forks) == 3 and servers.parents[-1] is None  # no base server runs any more
    monkeypatch.setenv(forkserver.SETTING, "0")
    fresh = execute_chapter(book, "chapters/02-second.qmd")
    assert "preload=['pandas', 'matplotlib', 'preload_probe', 'extra_probe']" in \
        fresh.notebook.cells[1].source
    assert _outputs(forked) == _outputs(fresh) and forked.inputs == fresh.inputs
    assert [p for p, _ in forked.inputs["files"]] == [
        "data/extra.txt", "data/setting.txt", "data/table.csv"]
    golden = nbformat.read(book / "tests" / "notebooks" / "02-second.ipynb", as_version=4)
    assert _outputs(golden) == _outputs(fresh)  # the build's, from the second server


@pytest.mark.parametrize(("front", "message"), [
    ("reviewbuild: [json]", "takes one key, `preload:`"),
    ("reviewbuild:\n  preloads: [json]", "takes one key, `preload:`"),
    ("reviewbuild:\n  preload: json", "`reviewbuild: preload:` must list module names"),
    ("reviewbuild:\n  preload: [no_such_library_at_all]", "no_such_library_at_all, not inst"),
])
def test_a_bad_chapter_preload_is_refused_naming_the_chapter(book, front, message):
    chapter = book / "chapters" / "01-probe.qmd"
    chapter.write_text(f"---\n{front}\n---\n\n{CHAPTER}", encoding="utf-8")
    with pytest.raises(ReviewBuildError, match=rf"chapters/01-probe.qmd: front matter .*"
                                               rf"{re.escape(message)}"):
        execute_chapter(book, "chapters/01-probe.qmd")


def test_a_build_stops_its_servers_when_its_chapters_are_executed(book, forks):
    """A render that follows has the servers' memory back."""
    result = commands.build(book, progress=lambda _: None)
    assert result.written == ["chapters/01-probe.qmd"] and len(forks) == 1
    assert forkserver._servers == {}


def test_a_forked_kernel_that_dies_is_reported(book, forks):
    (book / "chapters" / "01-probe.qmd").write_text(
        "# Dies\n\n```{python}\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n```\n",
        encoding="utf-8")
    began = time.monotonic()
    with pytest.raises(NotebookError, match=r"cell 2 \(line 3\) did not finish: the kernel died"):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert forks and time.monotonic() - began < 60
    with pytest.raises(ProcessLookupError):
        os.kill(forks[0], 0)


def test_a_forked_kernel_is_bounded_in_memory(book, forks, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_KERNEL_MEMORY", "3G")
    (book / "chapters" / "01-probe.qmd").write_text(
        "# Hungry\n\n```{python}\nblock = bytearray(4 * 2**30)\n```\n", encoding="utf-8")
    with pytest.raises(NotebookError, match=r"MemoryError.*may use 3 GiB of address space"):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert forks


def test_a_server_that_cannot_start_leaves_kernels_started_afresh(book, forks, monkeypatch):
    """A preloaded library that fails when imported: the server says so, the kernel starts
    afresh, and its setup cell fails naming the error."""
    (book.parent / "lib" / "preload_probe.py").write_text("raise RuntimeError('probe broken')\n",
                                                          encoding="utf-8")
    with pytest.raises(NotebookError, match=r"setup cell 1 failed: RuntimeError: probe broken"):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert forks == []


def test_a_second_server_that_cannot_import_leaves_its_kernels_started_afresh(
        book, forks, servers, capfd):
    """A chapter's own preloaded library that fails when imported: the server forked for it
    says so, its kernel starts afresh and the setup cell fails naming the error; the first
    server still forks the kernels of the other chapters."""
    (book.parent / "lib" / "broken_probe.py").write_text("raise RuntimeError('extra broken')\n",
                                                         encoding="utf-8")
    chapter = book / "chapters" / "01-probe.qmd"
    execute_chapter(book, "chapters/01-probe.qmd")
    chapter.write_text(f"---\nreviewbuild:\n  preload: [broken_probe]\n---\n\n{CHAPTER}",
                       encoding="utf-8")
    with pytest.raises(NotebookError, match=r"setup cell 1 failed: RuntimeError: extra broken"):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert servers.parents[-1] == ["pandas", "matplotlib", "preload_probe"] and len(forks) == 1
    assert "kernels start afresh, not forked (RuntimeError: extra broken)" in \
        capfd.readouterr().err
    chapter.write_text(CHAPTER, encoding="utf-8")
    execute_chapter(book, "chapters/01-probe.qmd")
    assert len(forks) == 2


@pytest.mark.parametrize(("value", "message"), [
    ('"pandas"', "must list module names"),
    ('["pandas", "no such"]', "must list module names"),
    ('["reviewbuild.claims"]', "names the book's own modules"),
    ('["no_such_library_at_all"]', "no_such_library_at_all, not installed"),
])
def test_a_bad_preload_list_is_refused_naming_the_file(book, value, message):
    (book / "pyproject.toml").write_text(f"[tool.reviewbuild]\npreload = {value}\n",
                                         encoding="utf-8")
    with pytest.raises(ReviewBuildError, match=rf"pyproject.toml: \[tool.reviewbuild\] preload .*"
                                               rf"{message}"):
        execute_chapter(book, "chapters/01-probe.qmd")


def test_a_server_with_a_running_kernel_is_never_stopped_to_make_room(tmp_path, monkeypatch):
    """At most two servers are kept, but stopping one would end the kernels it forked."""
    (tmp_path / "sleeper.py").write_text("import time\ntime.sleep(120)\n", encoding="utf-8")
    (tmp_path / "quick.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    launch = forkserver.launch
    try:
        running = launch([sys.executable, "-m", "sleeper", "-"], {**env, "N": "1"},
                         str(tmp_path), [])
        ended = launch([sys.executable, "-m", "quick", "-"], {**env, "N": "2"}, str(tmp_path), [])
        assert running is not None and ended is not None
        assert ended.wait(timeout=30) == -1 and running.poll() is None
        third = launch([sys.executable, "-m", "quick", "-"], {**env, "N": "3"}, str(tmp_path), [])
        assert third is not None and third.wait(timeout=30) == -1
        assert running.poll() is None  # its server was kept; the idle one was stopped
        assert sorted(dict(k[3])["N"] for k in forkserver._servers) == ["1", "3"]
        running.terminate()
        assert running.wait(timeout=30) == -1
    finally:
        forkserver.stop_servers()


def test_a_server_not_needed_after_all_is_stopped_at_once_and_quietly(book, capfd):
    """A server started early for a command that then ends (a check failed, or nothing was
    stale) is killed while it still imports, not waited for, and prints nothing."""
    (book.parent / "lib" / "preload_probe.py").write_text("import time\ntime.sleep(1.5)\n",
                                                          encoding="utf-8")
    server = forkserver.server_for([sys.executable, "-m", "ipykernel_launcher", "-f", "x"],
                                   dict(os.environ), str(book), ["preload_probe"])
    assert server is not None and forkserver.running(["preload_probe"])
    began = time.monotonic()
    forkserver.stop_servers()
    assert time.monotonic() - began < 1 and server.process.poll() is not None
    assert not forkserver.running(["preload_probe"])
    time.sleep(2)  # past the import: had it lived on, it would have written to a closed pipe
    assert "Traceback" not in capfd.readouterr().err


def test_a_server_that_hangs_importing_is_bounded_by_the_cell_timeout(book, forks,
                                                                     monkeypatch, capfd):
    """Importing the preload list is the setup cell's work, bounded as a cell is: the server
    is stopped, the kernel starts afresh, and its setup cell hits the same bound."""
    monkeypatch.setenv("REVIEWBUILD_CELL_TIMEOUT", "5")
    (book.parent / "lib" / "preload_probe.py").write_text("import time\ntime.sleep(600)\n",
                                                          encoding="utf-8")
    began = time.monotonic()
    with pytest.raises(NotebookError, match=r"setup cell 1 did not finish within 5 s"):
        execute_chapter(book, "chapters/01-probe.qmd")
    assert forks == [] and time.monotonic() - began < 120
    assert "kernels start afresh, not forked (the fork server did not answer within 5 s)" \
        in capfd.readouterr().err
