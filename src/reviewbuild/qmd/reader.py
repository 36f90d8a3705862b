"""Reading a chapter (a ``.qmd`` file or its text) into a :class:`Chapter`.

See :mod:`reviewbuild.qmd` for how lines, code and prose are counted.
"""

from __future__ import annotations

from pathlib import Path

from reviewbuild.exceptions import QmdSyntaxError
from reviewbuild.qmd.cells import read_cell
from reviewbuild.qmd.frontmatter import front_matter
from reviewbuild.qmd.inline import PARSER, first_line, walk
from reviewbuild.qmd.model import Chapter, Heading


def read_file(path: Path, name: str | None = None) -> Chapter:
    """Read ``path``; ``name`` is how errors name the file (default: the path)."""
    return read_data(Path(path).read_bytes(), name or str(path))


def read_data(data: bytes, name: str) -> Chapter:
    """Read a chapter's bytes; ``name`` is how errors name the file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = 1 + data[:err.start].count(b"\n")
        raise QmdSyntaxError(f"{name}:{line}: not valid UTF-8 (save the file as UTF-8)") from None
    return read_text(text, name)


def normalized(text: str) -> str:
    """A chapter's text as it is read: no byte-order mark, every newline ``\\n``."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_text(text: str, name: str = "<qmd>") -> Chapter:
    """Read a chapter's text (newlines as ``open()`` gives them)."""
    text = normalized(text)
    if "\0" in text:
        raise QmdSyntaxError(f"{name}:{text.count(chr(10), 0, text.index(chr(0))) + 1}: "
                             "contains a NUL character (remove it)")
    lines = text.split("\n")
    front, body_start = front_matter(lines, name)
    doc = Chapter(name, front)
    eval_default = {k: v for k, v in (front.get("execute") or {}).items() if k == "eval"}
    body = "\n" * body_start + "\n".join(lines[body_start:])
    tokens = PARSER.parse(body)
    for i, token in enumerate(tokens):
        if token.type == "fence":
            cell, captions = read_cell(token, lines, name, eval_default)
            if cell is not None:
                doc.items.append(cell)
                doc.texts += captions
        elif token.type == "inline" and token.map:
            run, exprs = walk(token.children or [], first_line(token, lines))
            doc.texts.append(run)
            doc.items += exprs
            if tokens[i - 1].type == "heading_open":
                doc.headings.append(Heading(int(tokens[i - 1].tag[1]), token.content, run.line))
    return doc


def read_chapters(root: Path, names: list[str]) -> tuple[list[Chapter], list[str]]:
    """The chapters ``names`` (relative to ``root``) that exist, and the problems of those
    that cannot be read (``file:line: message``)."""
    chapters, problems = [], []
    for name in names:
        path = root / name
        if path.is_file():
            try:
                chapters.append(read_file(path, name))
            except QmdSyntaxError as err:
                problems.append(str(err))
    return chapters, problems
