"""reviewbuild: build and check a reproducible review book (one sub-command per domain).

Each domain module exposes ``register(subparsers)`` adding its commands; a command's
handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from reviewbuild import pyproject
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.paths import project_root

#: Each command and the module that registers it, in the order ``--help`` lists them.
COMMANDS = {
    "check": "reviewbuild.check",
    "data": "reviewbuild.data.commands",
    "notebooks": "reviewbuild.notebooks.commands",
    "claims": "reviewbuild.notebooks.report",
    "refs": "reviewbuild.citations.commands",
    "doctor": "reviewbuild.doctor",
    "build": "reviewbuild.book",
}


#: Disk errors reported as a message (not a traceback), with what to do.
_DISK_ERRORS = {
    errno.ENOSPC: "Free space on that disk",
    errno.EDQUOT: "Free space within your disk quota",
    errno.EROFS: "Its file system is read-only: make it writable or work elsewhere",
    errno.EACCES: "Fix its permissions",
    errno.EPERM: "Fix its permissions",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of the engine's commands and the book's own (:mod:`pyproject`); with
    ``only``, just that command's module is imported (fast start-up)."""
    parser = argparse.ArgumentParser(prog="reviewbuild", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {**COMMANDS, **_book_commands()}
    modules = [commands[only]] if only in commands else list(dict.fromkeys(commands.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _book_commands() -> dict[str, str]:
    try:
        root = project_root()
    except FileNotFoundError:
        return {}
    return pyproject.command_modules(root)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser(argv[0] if argv else None).parse_args(argv)
        return int(args.handler(args) or 0)
    except ReviewBuildError as err:
        print(f"reviewbuild: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        if err.errno not in _DISK_ERRORS:
            raise
        print(f"reviewbuild: error: {err.strerror} (errno {err.errno}): "
              f"{err.filename or 'a file the command writes'}. {_DISK_ERRORS[err.errno]}, "
              "then run the command again.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
