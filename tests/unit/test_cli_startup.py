"""Start-up cost: `--help` and `--version` import no command module, building notebooks no
data library; chapters importing the analyses do not pay for inmoose until they fit a model."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

import reviewbuild
from reviewbuild import cli


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(*sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_command_module(flag):
    code = ("import contextlib, io\nfrom reviewbuild import cli\n"
            f"with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    cli.main([{flag!r}])")
    loaded = _modules_after(code)
    assert not loaded & set(cli.COMMANDS.values()), loaded & set(cli.COMMANDS.values())
    assert "pandas" not in loaded


def test_building_notebooks_imports_no_data_library():
    """The engine's build command starts the fork server before anything else is slow: its
    own modules do not import pandas (the chapters' kernels do)."""
    loaded = _modules_after("import reviewbuild.notebooks.commands")
    assert "reviewbuild.notebooks.commands" in loaded and "pandas" not in loaded


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"reviewbuild {reviewbuild.__version__}"


def test_help_lists_each_command_with_its_own_summary():
    """The summaries --help shows are the ones each command registers (they cannot drift)."""
    for name, module in cli.COMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(module).register(sub)
        registered = {a.dest: a.help for a in sub._choices_actions}
        assert registered[name] == cli.SUMMARIES[name], name


def test_entity_does_not_import_inmoose():
    loaded = _modules_after("import xpo1review.analysis.entity")
    assert "xpo1review.analysis.entity" in loaded
    assert not {m for m in loaded if m.startswith("inmoose")}
