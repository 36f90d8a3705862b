"""The ``xpo1review`` command line: one sub-command group per domain.

Each domain module exposes ``register(subparsers)`` adding its commands; a command's
handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from xpo1review.exceptions import XPO1ReviewError

#: Modules that contribute sub-commands, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "xpo1review.check",
    "xpo1review.data.commands",
    "xpo1review.notebooks.commands",
    "xpo1review.claims",
    "xpo1review.citations.commands",
    "xpo1review.trials.commands",
    "xpo1review.doctor",
    "xpo1review.book",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xpo1review", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except XPO1ReviewError as err:
        print(f"xpo1review: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
