"""`reviewbuild data fetch | verify | status` against the mirror, as .ci/run uses them."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbuild.data import commands, declared, registry

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.handler(args)


def test_fetch_verify_status(mirror, _isolated_cache, capsys):
    assert run("data", "fetch") == 0  # every source the book uses, not the unused cohorts
    used = declared.used_sources()
    reg = registry.load_registry()
    assert all((_isolated_cache / reg[s].mirror_path).is_file() for s in used)
    assert not (_isolated_cache / reg["firehose-ESCA"].mirror_path).exists()
    assert run("data", "verify") == 0
    out = capsys.readouterr().out
    assert f"{len(used)} verified, 0 mismatched" in out
    assert run("data", "status") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["source", "used", "pinned", "cached", "verified", "size",
                                "licence"]
    chol = next(line.split() for line in table if line.startswith("firehose-CHOL "))
    esca = next(line.split() for line in table if line.startswith("firehose-ESCA "))
    assert chol[1:5] == ["yes", "yes", "yes", "yes"] and esca[1:4] == ["no", "yes", "no"]


def test_fetch_of_an_unmirrored_cohort_fails_clearly(mirror, capsys):
    assert run("data", "fetch", "firehose-ESCA") == 1
    assert "not in the mirror" in capsys.readouterr().err


def test_verify_a_broken_mirror_copy(mirror, tmp_path, capsys):
    copy = tmp_path / "mirror"  # writable copy of the files (not their read-only modes)
    for src in registry.load_registry().values():
        if (mirror / src.mirror_path).is_file():
            (copy / src.mirror_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(mirror / src.mirror_path, copy / src.mirror_path)
    bad = copy / registry.get_source("metagsca-LIHC").mirror_path
    bad.write_bytes(bad.read_bytes()[:-1])
    assert run("data", "verify", "--mirror", str(copy)) == 1
    err = capsys.readouterr().err
    assert "MISMATCH metagsca-LIHC" in err and registry.get_source("metagsca-LIHC").sha256 in err


def test_the_installed_command(mirror, _isolated_cache):
    env = {**os.environ, "REVIEWBUILD_MIRROR": str(mirror),
           "REVIEWBUILD_CACHE": str(_isolated_cache)}
    for argv in (["data", "fetch", "tcga-cdr", "CHOL"], ["data", "verify", "--mirror"]):
        done = subprocess.run([sys.executable, "-m", "reviewbuild", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "reviewbuild", "data", "fetch", "nope"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "unknown data source 'nope'" in done.stderr
