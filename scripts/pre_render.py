"""Quarto's pre-render step: the project's gate, then the notebooks Quarto renders
(``reviewbuild check --pre-render``)."""

import sys

try:
    from reviewbuild.cli import main
except ImportError:
    sys.exit(
        "pre-render: the reviewbuild package is not importable by this Python "
        f"({sys.executable}). Run `bash scripts/build.sh`, or activate .venv first."
    )

sys.exit(main(["check", "--pre-render"]))
