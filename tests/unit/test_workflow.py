"""The GitHub Actions workflow is valid and does what the README promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reviewbuild.paths import project_root

WORKFLOW = project_root() / ".github" / "workflows" / "book.yml"


def test_workflow_matches_the_github_schema() -> None:
    beside = Path(sys.executable).with_name("check-jsonschema")
    tool = str(beside) if beside.is_file() else shutil.which("check-jsonschema")
    if tool is None:
        pytest.fail("check-jsonschema is not installed (it is in the [test] extra)")
    done = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_steps() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = flow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert any(u.startswith("quarto-dev/quarto-actions/setup@") for u in uses)
    major, minor, *_ = (int(x) for x in flow["env"]["QUARTO_VERSION"].split("."))
    assert (major, minor) >= (1, 9)
    assert "bash scripts/test.sh" in runs
    assert "reviewbuild data verify" in runs
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert "chromium" in runs, "the browser test needs a system Chromium"


def test_workflow_renders_once_and_checks_site_and_pdf() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    runs = "\n".join(s.get("run", "") for s in flow["jobs"]["build"]["steps"])
    assert "--to" not in runs, "one `quarto render` (all formats): a second one cleans _book/"
    assert "test -f _book/index.html" in runs and "test -f _book/xpo1-review.pdf" in runs
    names = [s.get("name", "") for s in flow["jobs"]["build"]["steps"]]
    check = names.index("The rendered book holds the website and the PDF")
    upload = next(i for i, s in enumerate(flow["jobs"]["build"]["steps"])
                  if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert names.index("Test and render") < check < upload
    assert flow["jobs"]["publish"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_ci_calls_the_readme_test_command() -> None:
    root = project_root()
    assert "bash scripts/test.sh" in (root / "README.md").read_text()
    assert "bash scripts/test.sh" in (root / ".ci" / "run").read_text()


def test_ci_installs_chromium_for_the_browser_tests() -> None:
    run = (project_root() / ".ci" / "run").read_text()
    assert "apt-get install" in run and "chromium" in run
    assert run.index("chromium") < run.index("bash scripts/test.sh")
    assert '"$(id -u)" = 0' in run, "apt-get only as root"
