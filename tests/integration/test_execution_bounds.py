"""Executing chapters: in parallel (report chapters last), each once, within bounds (output,
memory, time), with one path rule, and without leaving kernel folders behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from reviewbuild.exceptions import NotebookError, ReviewBuildError
from reviewbuild.notebooks import commands, golden, limits, schedule
from reviewbuild.notebooks.convert import GOLDEN_DIR

BARRIER = '''
import pathlib, time
here = pathlib.Path({name!r}); here.touch()
other = pathlib.Path({other!r})
for _ in range(1200):
    if other.exists():
        break
    time.sleep(0.1)
else:
    raise RuntimeError("the other chapter never ran at the same time")
print("met")
'''


def _book(root: Path, chapters: dict[str, str]) -> Path:
    """A book of the engine alone with ``chapters`` (name -> one Python cell's code)."""
    (root / "chapters").mkdir(parents=True)
    listed = "".join(f"    - chapters/{name}.executed.ipynb\n" for name in chapters)
    (root / "_quarto.yml").write_text(
        f"project:\n  type: book\nbook:\n  title: t\n  chapters:\n{listed}"
        "jupyter: python3\n", encoding="utf-8")
    for name, code in chapters.items():
        (root / "chapters" / f"{name}.qmd").write_text(
            f"# {name}\n\n```{{python}}\n{code}\n```\n", encoding="utf-8")
    return root


@pytest.fixture
def env(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "book"
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return root


def test_independent_chapters_execute_at_the_same_time(env, tmp_path):
    """Each chapter waits for the other to have started: only a parallel build finishes."""
    a, b = str(tmp_path / "a.started"), str(tmp_path / "b.started")
    root = _book(env, {"01-a": BARRIER.format(name=a, other=b),
                       "02-b": BARRIER.format(name=b, other=a)})
    lines: list[str] = []
    result = commands.build(root, jobs=2, progress=lines.append)
    assert result.written == ["chapters/01-a.qmd", "chapters/02-b.qmd"]
    for chapter in result.written:  # one line as it starts, one as it ends, with its time
        assert f"{chapter}: executing ..." in lines  # and the cell that took longest
        assert any(line.startswith(f"{chapter}: executed in ") and "; slowest: " in line
                   and line.endswith("/2)") for line in lines)
    # how long each took is remembered, so that the next build starts the longest first
    assert set(schedule.durations(root)) == set(result.written)
    again: list[str] = []
    assert commands.build(root, jobs=2, progress=again.append).executed == []
    assert again == [f"chapters/{c}.qmd: up to date (inputs unchanged), not executed"
                     for c in ("01-a", "02-b")]


def test_a_report_chapter_runs_after_the_chapters_it_reads(env):
    root = _book(env, {"01-a": "print('a')",
                       "02-report": "import pathlib\nprint(pathlib.Path("
                                    f"'../{GOLDEN_DIR}/01-a.ipynb').exists())"})
    commands.build(root, jobs=2, progress=lambda _: None)
    from reviewbuild.notebooks import cache

    cache.save_entry(root, "chapters/02-report.qmd", {"files": {
        f"{GOLDEN_DIR}/01-a.ipynb": "old"}})
    (root / "chapters" / "01-a.qmd").write_text("# 01-a\n\n```{python}\nprint('b')\n```\n")
    order: list[str] = []
    commands.build(root, jobs=2, progress=order.append)
    starts = [line.split(":")[0] for line in order if line.endswith("executing ...")]
    assert starts == ["chapters/01-a.qmd", "chapters/02-report.qmd"]
    assert order.index("chapters/02-report.qmd: executing ...") > next(
        i for i, line in enumerate(order) if line.startswith("chapters/01-a.qmd: executed"))


def test_a_report_is_executed_in_the_build_that_rewrites_what_it_reads(env):
    """A report up to date when the build starts is stale once a chapter it reads writes a
    new golden notebook: the same build executes it, and the next finds nothing to do."""
    golden_a = f"{GOLDEN_DIR}/01-a.ipynb"
    report = ("import hashlib, pathlib\n"
              "from reviewbuild.notebooks.runtime import record_read\n"  # as the claims report
              f"p = pathlib.Path('..', {golden_a!r})\n"
              "if p.exists():\n"
              f"    record_read({golden_a!r}, hashlib.sha256(p.read_bytes()).hexdigest())\n"
              "print(p.exists())")
    root = _book(env, {"01-a": "print('a')", "02-report": report})
    commands.build(root, jobs=1, progress=lambda _: None)
    commands.build(root, ["chapters/02-report.qmd"], accept=True, force=True,
                   progress=lambda _: None)  # now it has read the golden of 01-a
    (root / "chapters" / "01-a.qmd").write_text("# 01-a\n\n```{python}\nprint('b')\n```\n")
    assert commands.build(root, jobs=2, progress=lambda _: None).written == [
        "chapters/01-a.qmd", "chapters/02-report.qmd"]
    assert commands.build(root, jobs=2, progress=lambda _: None).executed == []


def test_accepting_one_chapter_brings_its_reports_up_to_date(env):
    """``notebooks accept chapters/01-a.qmd`` rewrites a golden that a report reads: the same
    command executes the report (unselected, so not forced), and nothing is left stale."""
    golden_a = f"{GOLDEN_DIR}/01-a.ipynb"
    report = ("import hashlib, pathlib\n"
              "from reviewbuild.notebooks.runtime import record_read\n"
              f"p = pathlib.Path('..', {golden_a!r})\n"
              "if p.exists():\n"
              f"    record_read({golden_a!r}, hashlib.sha256(p.read_bytes()).hexdigest())")
    root = _book(env, {"01-a": "print('a')", "02-b": "print('b')", "02-report": report})
    commands.build(root, jobs=1, progress=lambda _: None)
    commands.build(root, ["chapters/02-report.qmd"], accept=True, force=True,
                   progress=lambda _: None)  # now it has read the golden of 01-a
    (root / "chapters" / "01-a.qmd").write_text("# 01-a\n\n```{python}\nprint('c')\n```\n")
    done = commands.build(root, ["chapters/01-a.qmd"], accept=True, force=True, jobs=1,
                          progress=lambda _: None)
    assert done.written == ["chapters/01-a.qmd", "chapters/02-report.qmd"]
    assert commands.build(root, jobs=1, progress=lambda _: None).executed == []


def test_a_failing_chapter_keeps_what_the_others_wrote(env):
    root = _book(env, {"01-ok": "print('fine')", "02-bad": "raise ValueError('broken')"})
    with pytest.raises(NotebookError, match="02-bad.qmd: cell .* failed: ValueError: broken"):
        commands.build(root, jobs=2, progress=lambda _: None)
    assert (root / GOLDEN_DIR / "01-ok.ipynb").is_file()
    assert not (root / GOLDEN_DIR / "02-bad.ipynb").exists()


def test_a_cell_printing_too_much_is_truncated_with_a_note(env, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_MAX_CELL_OUTPUT", "10000")
    root = _book(env, {"01-loud": "for i in range(2000):\n    print('x' * 99)"})
    commands.build(root, progress=lambda _: None)
    nb = nbformat.read(root / GOLDEN_DIR / "01-loud.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.get("name") == "stdout")
    assert "output truncated: this cell printed more than 10,000 characters" in text
    assert len(text) < 10_300


def test_a_golden_notebook_over_the_bound_is_refused(env, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_MAX_GOLDEN", "20k")
    root = _book(env, {"01-big": "from IPython.display import display\n"
                                 "display({'text/plain': 'y' * 50000}, raw=True)"})
    with pytest.raises(NotebookError, match=r"01-big.ipynb would hold 0\.\d MB, over the "
                                            r"bound of 0\.0 MB \(REVIEWBUILD_MAX_GOLDEN\)"):
        commands.build(root, progress=lambda _: None)
    assert not (root / GOLDEN_DIR / "01-big.ipynb").exists()


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="RLIMIT_AS is Linux's")
def test_the_kernel_memory_is_bounded(env, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_KERNEL_MEMORY", "3G")
    root = _book(env, {"01-hungry": "block = bytearray(4 * 2**30)"})
    with pytest.raises(NotebookError, match=r"MemoryError.*may use 3 GiB of address space: "
                                            "REVIEWBUILD_KERNEL_MEMORY"):
        commands.build(root, progress=lambda _: None)


def test_a_cell_timeout_is_a_setting(env, monkeypatch):
    """The bound holds (a synchronous kernel manager made nbclient wait for ever). 15 s:
    room for the setup cell on a loaded machine, far below the cell's 600 s."""
    monkeypatch.setenv("REVIEWBUILD_CELL_TIMEOUT", "15")
    root = _book(env, {"01-slow": "import time\ntime.sleep(600)"})
    began = time.monotonic()
    with pytest.raises(NotebookError, match=r"01-slow.qmd: cell 2 \(line 3\) did not finish "
                                            r"within 15 s \(REVIEWBUILD_CELL_TIMEOUT"):
        commands.build(root, progress=lambda _: None)
    assert time.monotonic() - began < 300


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_bad_timeout_setting_is_refused(monkeypatch, value):
    monkeypatch.setenv("REVIEWBUILD_CELL_TIMEOUT", value)
    with pytest.raises(ReviewBuildError, match="REVIEWBUILD_CELL_TIMEOUT"):
        limits.cell_timeout()


def test_a_chapter_outside_the_book_is_refused_by_every_command(env, tmp_path):
    root = _book(env, {"01-a": "print(1)"})
    (tmp_path / "outside.qmd").write_text("# out\n\n```{python}\nprint(2)\n```\n")
    config = root / "_quarto.yml"
    config.write_text(config.read_text().replace(
        "    - chapters/01-a.executed.ipynb\n",
        "    - chapters/01-a.executed.ipynb\n    - ../outside.qmd\n"))
    # the structure gate, run first by every notebooks command, names the path rule's problem
    with pytest.raises(ReviewBuildError, match=r"_quarto.yml: chapter \.\./outside.qmd: path "
                                         r"'\.\./outside.qmd' must stay inside"):
        commands.build(root, progress=lambda _: None)
    assert not (root / GOLDEN_DIR).exists()
    from reviewbuild import structure

    assert structure.check(root)[0].startswith("_quarto.yml: chapter ../outside.qmd: path")


def test_stale_kernel_folders_are_removed(tmp_path):
    dead = tmp_path / f"{limits.SOCKETS_PREFIX}999999999-abc"
    old_style = tmp_path / f"{limits.SOCKETS_PREFIX}k2j3h4"
    mine = tmp_path / f"{limits.SOCKETS_PREFIX}{os.getpid()}-xyz"
    fresh = tmp_path / f"{limits.SOCKETS_PREFIX}999999998-new"
    for path in (dead, old_style, mine, fresh):
        path.mkdir()
        (path / "k-1").write_text("")
    now = time.time() + limits.STALE_AFTER + 5
    os.utime(fresh, (now, now))
    assert sorted(limits.remove_stale_sockets(tmp_path, now=now)) == sorted([dead, old_style])
    assert mine.is_dir() and fresh.is_dir()


def test_an_unchanged_chapter_rebuilds_to_a_byte_identical_golden(env):
    """Object addresses and ignored outputs (the build's time) do not churn the golden."""
    code = ("#| tags: [nbval-ignore-output]\nimport time\nprint(time.time_ns())\n"
            "class Thing:\n    pass\nThing()")
    root = _book(env, {"01-a": code})
    commands.build(root, progress=lambda _: None)
    path = root / GOLDEN_DIR / "01-a.ipynb"
    before = path.read_bytes()
    result = commands.build(root, force=True, progress=lambda _: None)
    assert result.executed == ["chapters/01-a.qmd"] and not result.changed
    assert path.read_bytes() == before
    assert golden.read(root, "chapters/01-a.qmd") is not None


def test_an_ignored_output_follows_its_chapter_when_an_input_changed(env):
    """An ``nbval-ignore-output`` cell keeps its recorded output only while nothing the
    chapter reads changed: the build appendix kept rows its code no longer printed."""
    code = ("#| tags: [nbval-ignore-output]\nimport hashlib, pathlib\n"
            "from reviewbuild.notebooks.runtime import record_read\n"
            "p = pathlib.Path('../data.txt')\n"
            "record_read('data.txt', hashlib.sha256(p.read_bytes()).hexdigest())\n"
            "print(p.read_text())")
    root = _book(env, {"01-a": code})
    (root / "data.txt").write_text("first")
    commands.build(root, progress=lambda _: None)
    golden_a = root / GOLDEN_DIR / "01-a.ipynb"
    assert "first" in golden_a.read_text(encoding="utf-8")
    commands.build(root, force=True, progress=lambda _: None)  # nothing changed: kept
    assert "first" in golden_a.read_text(encoding="utf-8")
    (root / "data.txt").write_text("second")
    result = commands.build(root, progress=lambda _: None)
    assert result.written == ["chapters/01-a.qmd"]
    assert "second" in golden_a.read_text(encoding="utf-8")
