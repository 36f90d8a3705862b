"""The recorded inputs of an execution without a kernel: what counts as a changed input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from reviewbuild import atomic
from reviewbuild import format as format_module
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.notebooks import cache, commands, runtime
from reviewbuild.notebooks.convert import GOLDEN_DIR, code_hash, golden_path, parse_chapter

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "drift-book"
CHAPTER = "chapters/01-drift.qmd"


@pytest.fixture
def book(tmp_path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "trials.csv").write_text("id\nNCT00000001\n", encoding="utf-8")
    (root / "data" / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(root: Path, **overrides) -> dict:
    entry = {
        "code": code_hash(parse_chapter(root, CHAPTER)),
        "modules": {"reviewbuild/format.py": _sha(Path(format_module.__file__))},
        "data": {},
        "files": {"data/trials.csv": _sha(root / "data" / "trials.csv")},
    }
    entry.update(overrides)
    cache.save_entry(root, CHAPTER, entry)
    return entry


def test_python_chapters_come_from_quarto_yml(book):
    assert cache.python_chapters(book) == [CHAPTER]


def test_unchanged_inputs_mean_no_changes(book):
    entry = _record(book)
    assert cache.change_list(book, CHAPTER, entry) == []


def test_a_changed_preload_list_is_a_change_of_every_chapters_code(book):
    """Each chapter is recorded as using the preloaded libraries and its setup cell imports
    them, so the list is part of its code."""
    entry = _record(book)
    with (book / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[tool.reviewbuild]\npreload = ["pandas"]\n')
    assert cache.change_list(book, CHAPTER, entry) == [("code", "its code changed")]
    entry = _record(book, code=cache.chapter_code_hash(book, CHAPTER))
    assert cache.change_list(book, CHAPTER, entry) == []


def test_each_kind_of_change_is_named(book):
    entry = _record(book, modules={"reviewbuild/format.py": "0" * 64},
                    data={"tcga-cdr": "0" * 64})
    (book / "data" / "trials.csv").write_text("id\nNCT00000002\n", encoding="utf-8")
    qmd = book / CHAPTER
    qmd.write_text(qmd.read_text(encoding="utf-8").replace("n_chol = len(chol)",
                                                           "n_chol = len(chol) + 0"))
    kinds = dict(cache.change_list(book, CHAPTER, entry))
    assert kinds["code"] == "its code changed"
    assert kinds["module"] == "package module reviewbuild/format.py changed"
    assert kinds["data"] == "data source tcga-cdr changed"  # not in this registry any more
    assert kinds["file"] == "data/trials.csv changed"
    assert cache.changes(book, CHAPTER, entry, modules=False) == [
        "its code changed", "data source tcga-cdr changed", "data/trials.csv changed"]


def test_no_record_is_a_change(book):
    assert cache.change_list(book, CHAPTER, None) == [
        ("record", f"no record in {cache.MANIFEST}")]


def test_prose_edit_is_not_a_change(book):
    entry = _record(book)
    qmd = book / CHAPTER
    qmd.write_text(qmd.read_text(encoding="utf-8").replace("died during", "died in"))
    assert cache.changes(book, CHAPTER, entry) == []


def test_gate_reports_a_malformed_chapter(book):
    from reviewbuild.notebooks import publish

    (book / CHAPTER).write_text("# T\n\n```{python}\nx = 1\n", encoding="utf-8")
    with pytest.raises(ReviewBuildError, match="chapters/01-drift.qmd:3: .*never closed"):
        publish.problems(book)


def test_build_keeps_golden_notebooks_of_chapters_without_python(book, capsys):
    """Issue 20, item 2: only `notebooks remove NAME` deletes a golden notebook."""
    orphan = golden_path(book, "chapters/99-gone.qmd")
    orphan.parent.mkdir(parents=True)
    orphan.write_text("{}", encoding="utf-8")
    cache.save_entry(book, "chapters/99-gone.qmd", {"code": "x"})
    (book / CHAPTER).write_text("# Only prose {#sec-drift}\n", encoding="utf-8")
    config = book / "_quarto.yml"  # a chapter without Python is listed as itself
    config.write_text(config.read_text(encoding="utf-8").replace("01-drift.executed.ipynb",
                                                                 "01-drift.qmd"))
    result = commands.build(book)
    assert result.orphans == ["tests/notebooks/99-gone.ipynb",
                              f"{cache.MANIFEST} entry chapters/99-gone.qmd"]
    assert orphan.exists() and list(cache.load_manifest(book)) == ["chapters/99-gone.qmd"]
    assert commands.remove(book, ["99-gone"]) == [
        "tests/notebooks/99-gone.ipynb", f"{cache.MANIFEST} entry chapters/99-gone.qmd"]
    assert not orphan.exists() and cache.load_manifest(book) == {}


# --- concurrent builds and interrupted writes (issue 12, item 9) ---------------------
_WRITER = """
import sys
from pathlib import Path
from reviewbuild.notebooks import cache
root, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    cache.save_entry(root, f"chapters/{who}-{i}.qmd", {"code": who, "modules": {}, "data": {},
                                                       "files": {}})
"""


def test_concurrent_writers_lose_no_manifest_entry(book):
    import subprocess
    import sys

    writers, n = 6, 25
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(book), f"w{w}", str(n)])
             for w in range(writers)]
    assert [p.wait(timeout=120) for p in procs] == [0] * writers
    manifest = cache.load_manifest(book)
    assert len(manifest) == writers * n
    assert not list((book / "tests" / "notebooks").glob(".manifest.json.*.tmp"))


def test_leftovers_of_an_interrupted_manifest_write_are_removed(book):
    _record(book)
    left = book / "tests" / "notebooks" / ".manifest.json.abc123.tmp"
    left.write_text("{half", encoding="utf-8")
    _record(book)
    assert not left.exists()


# --- notebooks build --force (item 12) -------------------------------------------------
def _fake_runs(monkeypatch, outputs: list[str]) -> None:
    import nbformat.v4 as v4

    from reviewbuild.notebooks.execute import Execution

    def run(root, chapter):
        text = outputs.pop(0)
        cell = v4.new_code_cell("print(n)", outputs=[
            v4.new_output("stream", name="stdout", text=text)])
        return Execution(chapter, v4.new_notebook(cells=[cell]), {})

    monkeypatch.setattr(commands, "execute_chapter", run)


def test_build_force_does_not_overwrite_changed_outputs(book, monkeypatch):
    from reviewbuild.notebooks import golden

    _fake_runs(monkeypatch, ["42\n", "43\n", "42\n", "43\n"])
    assert commands.build(book, accept=True).written == [CHAPTER]
    forced = commands.build(book, force=True)  # inputs unchanged, output differs: listed
    assert forced.written == [] and list(forced.changed) == [CHAPTER]
    assert golden.read(book, CHAPTER).cells[0].outputs[0].text == "42\n"
    assert commands.build(book, force=True).written == [CHAPTER]  # same output: fine
    assert commands.build(book, accept=True, force=True).written == [CHAPTER]
    assert golden.read(book, CHAPTER).cells[0].outputs[0].text == "43\n"


def test_a_held_manifest_lock_says_what_to_wait_for(book, monkeypatch):
    monkeypatch.setattr(cache, "LOCK_TIMEOUT", 0.1)
    with atomic.locked(book / cache.MANIFEST_LOCK, 1.0, lambda lock: RuntimeError()), \
            pytest.raises(ReviewBuildError,
                          match=r"another `reviewbuild notebooks` run has held .* for over 0.1 s"):
        cache.save_entry(book, CHAPTER, {"code": "x"})
    assert not (book / cache.MANIFEST).exists()


def test_report_chapters_execute_after_the_goldens_they_read(book):
    """A claims report executed before the chapters it reads would record their old claims."""
    report, plain = "chapters/claims.qmd", "chapters/02-plain.qmd"
    cache.save_entry(book, report, {"files": {f"{GOLDEN_DIR}/01-drift.ipynb": "x"}})
    cache.save_entry(book, plain, {"files": {"data/trials.csv": "y"}})
    assert commands.batches(book, [report, CHAPTER, plain]) == ([CHAPTER, plain], [report])


def test_an_upgraded_package_makes_the_chapter_stale(book):
    """A re-lock that changes an imported library's version re-executes the chapter."""
    from importlib import metadata

    pandas = metadata.version("pandas")
    _record(book, packages={"pandas": pandas})
    assert cache.changes(book, CHAPTER, cache.load_manifest(book)[CHAPTER]) == []
    _record(book, packages={"pandas": "0.0.1", "gone-dist": "1.0"})
    assert set(cache.changes(book, CHAPTER, cache.load_manifest(book)[CHAPTER])) == {
        f"package pandas 0.0.1 is now {pandas}", "package gone-dist 1.0 is now not installed"}


def test_recorded_packages_are_the_chapters_not_the_kernels(book):
    import pandas  # noqa: F401  (what a chapter would import)

    recorded = dict(runtime.imported_distributions(book))
    assert "pandas" in recorded and "ipykernel" not in recorded and "pyzmq" not in recorded
    assert "xpo1review" not in recorded  # the book's own modules are hashed one by one


_MODULE = '''"""A module of the book."""

DAYS_PER_MONTH = 365.25 / 12


def months(days):
    """Days as months."""
    return days / DAYS_PER_MONTH
'''


@pytest.mark.parametrize(("edit", "changed"), [
    (lambda s: s.replace("    return", "    # a comment\n    return"), False),
    (lambda s: s.replace('"""Days as months."""', '"""Days as months (rounded never)."""'),
     False),
    (lambda s: s.replace('"""A module of the book."""', ""), False),
    (lambda s: s.replace("365.25 / 12", "(365.25/12)").replace("(days)", "( days )"), False),
    (lambda s: s.replace("365.25 / 12", "30.4375"), True),
    (lambda s: s.replace("days / DAYS", "days * DAYS"), True),
])
def test_a_module_edit_that_cannot_change_behaviour_is_not_a_change(
        book, tmp_path, monkeypatch, edit, changed):
    """Comments, docstrings and layout of a package module re-execute nothing; code does."""
    pkg = tmp_path / "site" / "bookpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "units.py").write_text(_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    entry = cache.entry_for(book, CHAPTER, {"modules": ["bookpkg/units.py"]})
    cache.save_entry(book, CHAPTER, entry)
    (pkg / "units.py").write_text(edit(_MODULE))
    kinds = [kind for kind, _ in cache.change_list(book, CHAPTER, entry)]
    assert kinds == (["module"] if changed else [])


def test_a_record_of_the_module_bytes_still_matches(book):
    """Manifests written before the syntax-tree hash are not all stale at once."""
    entry = _record(book)  # records reviewbuild/format.py by its file's sha256
    assert cache.change_list(book, CHAPTER, entry) == []
    assert cache.module_hash(Path(format_module.__file__)).startswith("ast:")


def test_the_module_hash_does_not_depend_on_fields_a_newer_python_adds():
    """A field added empty by another Python version (e.g. ``type_params``) is not hashed."""
    import ast

    tree = ast.parse("def f(x):\n    return x\n")
    plain = cache._canonical(tree)
    tree.body[0].added_by_a_newer_python = []
    tree.body[0]._fields = (*tree.body[0]._fields, "added_by_a_newer_python")
    assert cache._canonical(tree) == plain
    assert "lineno" not in repr(plain)


def test_recorded_packages_do_not_depend_on_a_cold_cache(book):
    """Issue 20, also: a download imports pooch, requests and tqdm; a warm cache does not."""
    import pooch  # noqa: F401  (what fetching a file that is not cached imports)
    import requests  # noqa: F401
    import tqdm  # noqa: F401

    recorded = dict(runtime.imported_distributions(book))
    assert not {"pooch", "requests", "tqdm", "urllib3"} & set(recorded), sorted(recorded)


def test_network_use_is_recorded_unless_the_fetcher_s_or_a_local_socket():
    from reviewbuild import session

    session.reset()
    with session.fetching():
        runtime._note_network("socket.connect", (None, ("192.0.2.1", 443)))
    runtime._note_network("socket.connect", (None, "/run/a-local.sock"))
    assert session.current().network == set()
    runtime._note_network("urllib.Request", ("https://example.org/t.csv", None, {}, "GET"))
    runtime._note_network("socket.connect", (None, ("192.0.2.1", 443)))
    assert session.current().network == {"https://example.org/t.csv", "192.0.2.1:443"}


def test_the_progress_line_names_the_slowest_cell():
    from nbformat import v4

    from reviewbuild.notebooks.execute import Execution

    run = Execution(CHAPTER, v4.new_notebook(), {}, [],
                    {"cell 2": 0.25, "cell 5 (line 40, label fig-km)": 3.0})
    assert run.timing() == "cells 3.2 s; slowest: cell 5 (line 40, label fig-km) 3.0 s"
    assert Execution(CHAPTER, v4.new_notebook(), {}).timing() == "no code cells"


@pytest.mark.parametrize(("rel", "is_input"), [
    ("data/trials.csv", True),
    ("chapters/values.csv", True),  # a data file beside the chapters
    ("chapters/figures/scheme.json", True),
    ("chapters/09-gastric.qmd", False),  # a chapter's code is tracked on its own
    ("chapters/09-gastric.executed.ipynb", False),
    ("chapters/03-function_files/mermaid.png", False),
    ("data/analyses.yaml", False),  # recorded per declaration instead
    (".venv/lib/python3.11/site-packages/pandas/io.py", False),
    ("tests/notebooks/methods.ipynb", False),
])
def test_which_project_files_a_chapter_opens_are_its_inputs(rel, is_input):
    assert bool(runtime._is_input(Path(rel))) is is_input
