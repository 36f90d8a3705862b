"""reviewbuild: build and check a reproducible review book (one sub-command per domain).

Each domain module exposes ``register(subparsers)`` adding its commands; a command's
handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

import reviewbuild
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
    "build": "reviewbuild.build",
}
#: What ``reviewbuild --help`` says of each command, without importing its module (a command's
#: own ``--help`` imports it and says more).
SUMMARIES = {
    "check": "the pre-render gate: citations, abbreviations, data, ...",
    "data": "fetch, verify and list the registered data files",
    "notebooks": "golden notebooks for nbval (build, accept, status)",
    "claims": "list every claim of the book (id, chapter, kind, status)",
    "refs": "bibliography tools (Crossref verification)",
    "doctor": "check Python, packages, Quarto, kernel and data",
    "build": "build the book: checks, data, chapters, quarto render",
}


#: Disk errors reported as a message (not a traceback), with what to do.
_DISK_ERRORS = {
    errno.ENOSPC: "Free space on that disk",
    errno.EDQUOT: "Free space within your disk quota",
    errno.EROFS: "Its file system is read-only: make it writable or work elsewhere",
    errno.EACCES: "Fix its permissions",
    errno.EPERM: "Fix its permissions",
}


def build_parser(only: str | None = None, lazy: bool = False) -> argparse.ArgumentParser:
    """The parser of the engine's commands and the book's own (:mod:`pyproject`).

    With ``only`` (a command's name), just that command's module is imported; with ``lazy``,
    none is: each command is listed with its summary (what ``--help`` needs, fast)."""
    parser = argparse.ArgumentParser(prog="reviewbuild", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {reviewbuild.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {**COMMANDS, **_book_commands()}
    if only in commands:
        importlib.import_module(commands[only]).register(sub)
    elif lazy:
        for name, module in commands.items():
            sub.add_parser(name, add_help=False, help=SUMMARIES.get(
                name, f"the book's own command ({module}; `reviewbuild {name} --help`)"))
    else:
        for module in dict.fromkeys(commands.values()):
            importlib.import_module(module).register(sub)
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
        # `--help`, `--version` or a mistyped command: list the commands without importing them.
        args = build_parser(argv[0] if argv else None, lazy=True).parse_args(argv)
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
