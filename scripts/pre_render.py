"""Quarto's pre-render step: run the project's gate (``xpo1review check --pre-render``)."""

import sys

try:
    from xpo1review.cli import main
except ImportError:
    sys.exit(
        "pre-render: the xpo1review package is not importable by this Python "
        f"({sys.executable}). Run `bash scripts/build.sh`, or activate .venv first."
    )

sys.exit(main(["check", "--pre-render"]))
