"""uv.lock drives the environment; environment.yml and the workflow agree with it."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from reviewbuild import lock
from reviewbuild.paths import project_root

ROOT = project_root()


def conda_disagreements(env_yml: str, uv_lock: Path, root: Path = ROOT) -> list[str]:
    """What environment.yml pins differently from uv.lock (per platform), or from the
    workflow's Quarto."""
    deps = yaml.safe_load(env_yml)["dependencies"]
    conda = {d.split("=")[0]: d.split("=", 1)[1] for d in deps if isinstance(d, str) and "=" in d}
    pip = [Requirement(r) for d in deps if isinstance(d, dict) for r in d["pip"] if r != "-e ."]
    problems = []
    if conda.get("quarto") != lock.workflow_quarto(root):
        problems.append(f"quarto={conda.get('quarto')}, workflow {lock.workflow_quarto(root)}")
    if conda.get("python") != lock.CONDA_PYTHON:
        problems.append(f"python={conda.get('python')}, expected {lock.CONDA_PYTHON}")
    for platform in lock.PLATFORMS:
        env = lock.environment(platform)
        want = lock.locked_closure(uv_lock, ("test",), env)
        have = {canonicalize_name(r.name): str(r.specifier).removeprefix("==")
                for r in pip if r.marker is None or r.marker.evaluate(env)}
        for name in sorted(want.keys() | have.keys()):
            if want.get(name) != have.get(name):
                problems.append(f"{platform}: {name} environment.yml {have.get(name)}, "
                                f"uv.lock {want.get(name)}")
    return problems


def test_environment_yml_pins_the_locked_versions() -> None:
    problems = conda_disagreements((ROOT / "environment.yml").read_text(), ROOT / "uv.lock")
    assert not problems, ("environment.yml disagrees with uv.lock (regenerate it with "
                          "`python -m reviewbuild.lock`):\n" + "\n".join(problems))


def test_a_changed_pin_is_a_disagreement() -> None:
    text = lock.conda_environment(ROOT)
    assert conda_disagreements(text, ROOT / "uv.lock") == []
    pins = lock.locked_closure(ROOT / "uv.lock", ("test",), lock.environment("linux"))
    changed = text.replace(f"  - numpy=={pins['numpy']}\n", "  - numpy==1.0.0\n")
    dropped = text.replace(f"  - pandas=={pins['pandas']}\n", "")
    quarto = text.replace(f"quarto={lock.workflow_quarto(ROOT)}", "quarto=1.9.0")
    assert conda_disagreements(changed, ROOT / "uv.lock") == [
        f"{p}: numpy environment.yml 1.0.0, uv.lock {pins['numpy']}" for p in lock.PLATFORMS]
    assert len(conda_disagreements(dropped, ROOT / "uv.lock")) == 2
    assert conda_disagreements(quarto, ROOT / "uv.lock")[0].startswith("quarto=1.9.0")


def test_closure_follows_markers_and_extras(tmp_path: Path) -> None:
    fake = tmp_path / "uv.lock"
    fake.write_text("""
[[package]]
name = "proj"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "a" }, { name = "mac-only", marker = "sys_platform == 'darwin'" }]
[package.optional-dependencies]
test = [{ name = "b", extra = ["fast"] }]

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "mac-only"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "b"
version = "3.0"
source = { registry = "https://pypi.org/simple" }
[package.optional-dependencies]
fast = [{ name = "c" }]

[[package]]
name = "c"
version = "4.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "unused"
version = "5.0"
source = { registry = "https://pypi.org/simple" }
""")
    linux, mac = lock.environment("linux"), lock.environment("darwin")
    assert lock.locked_closure(fake, (), linux) == {"a": "1.0"}
    assert lock.locked_closure(fake, ("test",), linux) == {"a": "1.0", "b": "3.0", "c": "4.0"}
    assert lock.locked_closure(fake, (), mac) == {"a": "1.0", "mac-only": "2.0"}
    assert "unused" in lock.locked_versions(fake)


def test_every_locked_file_has_a_hash() -> None:
    data = tomllib.loads((ROOT / "uv.lock").read_text())
    unhashed = [p["name"] for p in data["package"] if "editable" not in p["source"]
                for f in [*p.get("wheels", []), *([p["sdist"]] if "sdist" in p else [])]
                if not f.get("hash", "").startswith("sha256:")]
    assert not unhashed


@pytest.mark.parametrize("name", ["numpy", "scipy"])
def test_inmoose_builds_against_the_locked_numpy_and_scipy(name: str) -> None:
    uv = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]
    extra = {d["requirement"]: d for d in uv["extra-build-dependencies"]["inmoose"]}
    assert extra[name].get("match-runtime") is True
    assert all(Requirement(r).specifier for r in uv["build-constraint-dependencies"])


def test_bootstrap_installs_the_lock_and_never_resolves() -> None:
    script = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "sync --frozen --extra test" in script and "lock --check" in script
    assert "pip install -e" not in script and "--upgrade" not in script


def test_the_environment_holds_compiled_bytecode() -> None:
    """bootstrap.sh installs every package compiled, and compiles the project's own modules:
    where PYTHONDONTWRITEBYTECODE=1 (containers, CI images) nothing else writes bytecode, and
    every process (each kernel, each command) would compile all it imports afresh."""
    script = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "sync --frozen --extra test --compile-bytecode" in script
    assert "compileall -qq src" in script
    import lifelines
    import nbclient
    import pandas

    import reviewbuild.notebooks.execute
    import xpo1review.analysis.survival
    modules = (pandas, lifelines, nbclient, reviewbuild.notebooks.execute,
               xpo1review.analysis.survival)
    missing = [m.__name__ for m in modules
               if not Path(importlib.util.cache_from_source(m.__file__)).is_file()]
    assert not missing, f"no bytecode for {missing}: run `bash scripts/bootstrap.sh`"


def test_the_workflow_installs_from_the_lock() -> None:
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    runs = "\n".join(s.get("run", "") for s in flow["jobs"]["build"]["steps"])
    assert "bash scripts/bootstrap.sh" in runs and "pip install" not in runs


def test_version_changes_lists_what_an_upgrade_moved(tmp_path: Path) -> None:
    def fake(name: str, packages: dict[str, str]) -> Path:
        path = tmp_path / name
        path.write_text("".join(f'[[package]]\nname = "{n}"\nversion = "{v}"\n'
                                'source = { registry = "https://pypi.org/simple" }\n\n'
                                for n, v in packages.items()))
        return path

    old = fake("old.lock", {"numpy": "2.4.6", "pandas": "2.3.3", "pytz": "2026.6"})
    new = fake("new.lock", {"numpy": "2.5.0", "pandas": "2.3.3", "rich": "15.0.0"})
    assert lock.version_changes(old, new) == [
        "numpy: 2.4.6 -> 2.5.0", "pytz: 2026.6 -> (removed)", "rich: (not locked) -> 15.0.0"]
    assert lock.version_changes(old, old) == []
