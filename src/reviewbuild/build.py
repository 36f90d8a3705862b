"""``reviewbuild build``: doctor, data, checks, the chapters executed, the notebooks Quarto
renders; then one ``quarto render`` for every format.

Kept apart from :mod:`reviewbuild.book`, which chapters import: a change to how the book is
built does not touch any chapter's inputs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from reviewbuild.book import quarto_config
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.paths import project_root


def _engine(argv: list[str]) -> int:
    from reviewbuild.cli import main

    return main(argv)


def _step(step: str, argv: list[str]) -> None:
    """Run ``reviewbuild argv`` in this process (one start-up for the whole build: every
    cache the steps share is keyed by file contents, versions or modification times)."""
    print(f"==> {step}: reviewbuild {' '.join(argv)}", flush=True)
    if _engine(argv) != 0:
        raise ReviewBuildError(f"build step failed: {step}")


def render_command(quarto: str, formats: list[str] | None = None) -> list[str]:
    """The one ``quarto render`` call of a build, which renders every format.

    Each ``quarto render`` of a book cleans ``_book/`` first, so rendering the formats one
    after another would leave only the last; one call leaves the website and the PDF.
    ``formats`` (``--to a,b``) narrows that single call, e.g. to preview the website alone.
    """
    cmd = [quarto, "render"]
    if formats:
        cmd += ["--to", ",".join(formats)]
    return cmd


def expected_outputs(root: Path, formats: list[str] | None = None) -> list[Path]:
    """What a build must leave in ``_book/``: the site's front page and/or the book PDF."""
    config = quarto_config(root)
    out = root / config["project"].get("output-dir", "_book")
    pdf = out / f"{config['book'].get('output-file', 'index')}.pdf"
    wanted = formats or list(config.get("format", {}))
    return [path for fmt, path in (("html", out / "index.html"), ("typst", pdf))
            if fmt in wanted]


def build(args: argparse.Namespace) -> int:
    """Doctor, data, checks, chapters executed, the notebooks Quarto renders written; then
    ``quarto render`` if Quarto is here."""
    root = project_root()
    _step("doctor", ["doctor", "--no-fail"])
    _step("fetch data", ["data", "fetch"])
    _step("verify data", ["data", "verify"])
    _step("checks", ["check"])
    _step("execute chapters", ["notebooks", "build"])
    # Quarto needs the notebooks it renders before its pre-render step writes them again
    _step("notebooks to render", ["check", "--pre-render", "structure"])
    quarto = shutil.which("quarto")
    if quarto is None:
        print(
            "\nreviewbuild: Quarto is not installed, so the website and PDF were not rendered.\n"
            "Everything else ran. Install Quarto >= 1.9 (https://quarto.org/docs/get-started/,\n"
            "or `conda env create -f environment.yml`) and run this command again.",
            file=sys.stderr,
        )
        return 2 if args.require_quarto else 0
    cmd = render_command(quarto, args.formats)
    step = "render " + (",".join(args.formats) if args.formats else "all formats")
    print(f"==> {step}: {' '.join(cmd)}", flush=True)
    if subprocess.run(cmd, cwd=root).returncode != 0:
        raise ReviewBuildError(f"build step failed: {step}")
    missing = [p for p in expected_outputs(root, args.formats) if not p.is_file()]
    if missing:
        raise ReviewBuildError("quarto render finished but did not leave "
                              + ", ".join(str(p.relative_to(root)) for p in missing))
    print(f"\nThe book is in {root / '_book'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the book: checks, data, chapters, quarto render")
    p.add_argument(
        "--formats", nargs="+", default=None,
        help="render only these Quarto formats (default: every format of _quarto.yml, in one "
             "`quarto render`, so _book/ holds the website and the PDF)",
    )
    p.add_argument(
        "--require-quarto", action="store_true", help="fail (exit 2) when Quarto is missing"
    )
    p.set_defaults(handler=build)
