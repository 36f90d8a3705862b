"""The import contracts (.importlinter) hold, and a wrong import breaks them by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbuild.paths import project_root

ROOT = project_root()
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the package under ``root/src`` with ``root/.importlinter``."""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "COLUMNS": "200"}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", ".importlinter"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _copy(source: Path, target: Path) -> Path:
    """Both packages under ``source/src`` and their contracts, copied to ``target``."""
    for package in ("reviewbuild", "xpo1review"):
        shutil.copytree(source / "src" / package, target / "src" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(source / ".importlinter", target / ".importlinter")
    return target


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A copy of both packages and their contracts, linted once (the repository's own code:
    the check scripts/test.sh runs, and the baseline of every wrong-import test)."""
    copy = _copy(ROOT, tmp_path_factory.mktemp("clean"))
    return copy, _lint(copy)


@pytest.fixture
def package_copy(clean_copy, tmp_path: Path) -> Path:
    """A copy of the clean copy, for one deliberate wrong import."""
    copy, done = clean_copy
    assert done.returncode == 0, done.stdout + done.stderr  # the copy itself is clean
    return _copy(copy, tmp_path)


def test_the_package_keeps_its_contracts(clean_copy) -> None:
    _, done = clean_copy
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _add_import(root: Path, module: str, line: str) -> None:
    path = root / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}  # a deliberate wrong import\n")


@pytest.mark.parametrize(("module", "line", "contract", "named"), [
    # The engine reaching into the review's content.
    ("reviewbuild.format", "from xpo1review.figures import style",
     "The engine imports nothing of the review",
     "reviewbuild.format -> xpo1review.figures.style"),
    # The claims <-> notebooks circle the report once made.
    ("reviewbuild.claims", "from reviewbuild.notebooks import report",
     "No import cycles", "reviewbuild.claims is not allowed to import reviewbuild.notebooks"),
    # A low layer of the engine reaching up.
    ("reviewbuild.paths", "from reviewbuild.notebooks import cache",
     "Engine layers", "reviewbuild.paths is not allowed to import reviewbuild.notebooks"),
    # A low layer of the review reaching up.
    ("xpo1review.data.tcga", "from xpo1review.figures import style",
     "Review layers", "xpo1review.data is not allowed to import xpo1review.figures"),
    # Barcode parsing reaching up to the loaders' facade.
    ("xpo1review.data.tcga", "from xpo1review.data import loaders",
     "Review data:", "xpo1review.data.tcga is not allowed to import xpo1review.data.loaders"),
    # Provenance reaching up to verified fetching.
    ("reviewbuild.data.provenance", "from reviewbuild.data import fetch",
     "Engine data:", "reviewbuild.data.provenance is not allowed to import "
                     "reviewbuild.data.fetch"),
    # The survival statistics reaching up to the chapters' entity facade.
    ("xpo1review.analysis.survival", "from xpo1review.analysis import entity",
     "Analysis:", "xpo1review.analysis.survival is not allowed to import "
                  "xpo1review.analysis.entity"),
    # The curated schemas reaching up to the loaders of the files.
    ("xpo1review.trials.schemas", "from xpo1review.trials import curated",
     "Trials:", "xpo1review.trials.schemas is not allowed to import xpo1review.trials.curated"),
    # The leaf API reaching into verified fetching.
    ("reviewbuild.canonical", "import reviewbuild.data.fetch",
     "The claim API", "reviewbuild.canonical is not allowed to import reviewbuild.data.fetch"),
])
def test_a_wrong_import_fails_naming_it(package_copy: Path, module: str, line: str,
                                        contract: str, named: str) -> None:
    _add_import(package_copy, module, line)
    done = _lint(package_copy)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and named in broken, done.stdout


def test_a_module_in_no_layer_fails(package_copy: Path) -> None:
    (package_copy / "src" / "reviewbuild" / "stray.py").write_text('"""Not in any layer."""\n')
    done = _lint(package_copy)
    assert done.returncode != 0
    assert "stray" in done.stdout, done.stdout
