"""Values kept in the cache under their inputs and the code computing them: parsed frames
(:func:`reviewbuild.data.reading.derived`) and other costly results."""

from __future__ import annotations

import errno
import importlib
import json
import os
import subprocess
import sys
import sysconfig
from types import SimpleNamespace

import pytest

from reviewbuild.data import remembered as remembered_module
from reviewbuild.data.reading import derived
from reviewbuild.data.remembered import code_hash, remembered
from reviewbuild.exceptions import ReviewBuildError
from xpo1review.data import loaders


@pytest.fixture
def parser_package(tmp_path, monkeypatch):
    """Writes a package ``parsers`` whose ``parse.build`` returns ``helpers.VALUE``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = tmp_path / "parsers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "parse.py").write_text(
        "import pandas as pd\nfrom parsers import helpers\nCALLS = []\n\n"
        "def build():\n    CALLS.append(1)\n    return pd.DataFrame({'x': [helpers.VALUE]})\n")

    def write(value: int) -> None:
        (pkg / "helpers.py").write_text(f"VALUE = {value}\n")
        for name in ("parsers.helpers", "parsers.parse"):
            if name in sys.modules:
                importlib.reload(sys.modules[name])

    yield write
    for name in ("parsers.parse", "parsers.helpers", "parsers"):
        sys.modules.pop(name, None)


def test_a_parsed_frame_is_rebuilt_when_its_parser_package_changes(parser_package, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    src, sha = SimpleNamespace(id="demo"), "ab" * 32
    parser_package(1)
    import parsers.parse as parse

    assert derived(src, sha, "x", parse.build)["x"].tolist() == [1]
    assert derived(src, sha, "x", parse.build)["x"].tolist() == [1]
    assert len(parse.CALLS) == 1  # the second read came from the cache
    parser_package(2)  # a helper of the parser changes, not the parser's own module
    assert derived(src, sha, "x", parse.build)["x"].tolist() == [2]
    assert len(list((tmp_path / "cache" / ".derived").glob("demo-*.pkl"))) == 1  # old one gone


def test_a_parsed_frame_is_rebuilt_when_its_registry_entry_changes(parser_package, tmp_path,
                                                                    monkeypatch):
    """A parser may read the registry entry (R data: the object named after the file)."""
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    parser_package(1)
    import parsers.parse as parse

    for mirror_path in ("demo/a.rda", "demo/a.rda", "demo/b.rda"):
        derived(SimpleNamespace(id="demo", mirror_path=mirror_path), "ab" * 32, "x", parse.build)
    assert len(parse.CALLS) == 2


def test_an_updated_file_is_parsed_again_and_replaces_its_old_parse(parser_package, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    parser_package(1)
    import parsers.parse as parse

    for sha in ("ab" * 32, "cd" * 32, "cd" * 32):
        derived(SimpleNamespace(id="demo"), sha, "x", parse.build)
    derived(SimpleNamespace(id="other"), "cd" * 32, "x", parse.build)
    assert len(parse.CALLS) == 3
    kept = sorted(p.name.split("-")[0] for p in (tmp_path / "cache" / ".derived").glob("*.pkl"))
    assert kept == ["demo", "other"]  # the parse of the old file is gone, the other source's not


def test_a_name_from_user_input_stays_one_file_in_the_cache(parser_package, tmp_path,
                                                           monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    parser_package(1)
    import parsers.parse as parse

    for key in ("../../escape/x", "../../escape_x"):  # two names that read alike
        derived(SimpleNamespace(id="demo"), "ab" * 32, key, parse.build)
    assert len(parse.CALLS) == 2
    assert [p.parent for p in (tmp_path / "cache").rglob("*.pkl")] == [
        tmp_path / "cache" / ".derived"]  # one file: the second replaced the first


def test_the_parser_code_changes_with_an_installed_distribution_version(tmp_path, monkeypatch):
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    (tmp_path / "calamine-0.3.1.dist-info").mkdir()
    before = code_hash(loaders.survival)
    (tmp_path / "calamine-0.3.1.dist-info").rename(tmp_path / "calamine-0.4.0.dist-info")
    assert code_hash(loaders.survival) != before


def test_a_cache_that_cannot_be_written_still_gives_the_frame(parser_package, tmp_path,
                                                               monkeypatch):
    def full(target):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(remembered_module, "atomic_path", full)
    parser_package(3)
    import parsers.parse as parse

    assert derived(SimpleNamespace(id="demo"), "ab" * 32, "x", parse.build)["x"].tolist() == [3]


def test_a_value_computed_by_code_without_a_source_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path))
    cell = SimpleNamespace()  # as a function typed in a notebook cell: no module file
    exec("build = lambda: 1", {"__name__": "__main__"}, vars(cell))
    monkeypatch.setitem(sys.modules, "__main__", SimpleNamespace(__name__="__main__"))
    with pytest.raises(ReviewBuildError, match="defined in __main__, which has no source file"):
        remembered("cell", cell.build)


_FIRST_IMPORTS = """
import json, sys
import numpy as np, pandas as pd
from reviewbuild.data import remembered
from reviewbuild.pyproject import import_owners
from xpo1review.analysis import cutpoints, parts
from xpo1review.analysis.cohorts import COHORTS
from xpo1review.data import loaders, oncolnc

first = {}
compute = remembered.remembered
owners = import_owners()  # top-level modules of installed distributions (not the stdlib's)
remembered.code_hash = lambda build: "any"  # (a wrapped build has no package of its own)


def watched(name, build, inputs=""):
    def imports_noted():
        before = {m.partition(".")[0] for m in list(sys.modules)}
        value = build()
        new = {m.partition(".")[0] for m in list(sys.modules)} - before & owners.keys()
        if new:
            first[name] = sorted(new)
        return value
    return compute(name, imports_noted, inputs)


for module in list(sys.modules.values()):
    if getattr(module, "remembered", None) is compute:
        module.remembered = watched
for cohort in COHORTS:
    parts.survival_input(cohort)
    loaders.expression_matrix(cohort, analysis="differential-expression")
    parts.de_part(cohort)
for study in oncolnc.MODELS:
    loaders.model_patients(study)
loaders.tumour_normal_summary()
rng = np.random.default_rng(1)
frame = pd.DataFrame({"xpo1": rng.normal(size=60), "time": rng.exponential(size=60),
                      "event": rng.integers(0, 2, 60)})
cutpoints.maxstat(frame, n_permutations=200)
print(json.dumps(first))
"""


@pytest.mark.integration
def test_no_remembered_computation_is_the_first_to_import_a_library(mirror, tmp_path):
    """A value taken from the cache must leave a chapter's record of libraries (the manifest's
    packages) as computing it would: a computation that imports a library first (as a limma
    fit imports inmoose, or validation makes pandera import hypothesis) records it only when
    it runs. Every remembered computation of the book, from an empty cache."""
    env = {**os.environ, "REVIEWBUILD_CACHE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _FIRST_IMPORTS], env=env, check=True,
                          capture_output=True, text=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {}
