"""What a chapter is made of: headings, prose runs, code cells and inline expressions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Text:
    """A run of prose; ``text`` has a newline wherever the source has one."""

    line: int  # line of the run's first character
    text: str
    kind: str = "prose"  # "prose" or the caption option it came from ("fig-cap", ...)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line, text) for each line of the run."""
        for offset, part in enumerate(self.text.split("\n")):
            yield self.line + offset, part


@dataclass
class CodeCell:
    """An executable fenced cell: ```` ```{python} ````."""

    engine: str
    code: str  # the body without its leading option lines, byte for byte
    options: dict[str, Any]
    line: int  # line of the opening fence
    end: int = 0  # line of the closing fence

    @property
    def evaluated(self) -> bool:
        return bool(self.options.get("eval", True))


@dataclass
class InlineExpr:
    """An inline expression: `` `{python} expr` ``."""

    engine: str
    expr: str
    line: int


@dataclass
class Chapter:
    path: str  # how messages name the file
    front_matter: dict[str, Any] = field(default_factory=dict)
    items: list[CodeCell | InlineExpr] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    @property
    def cells(self) -> list[CodeCell]:
        return [i for i in self.items if isinstance(i, CodeCell)]

    @property
    def inline(self) -> list[InlineExpr]:
        return [i for i in self.items if isinstance(i, InlineExpr)]

    def python_items(self) -> list[CodeCell | InlineExpr]:
        return [i for i in self.items if i.engine == "python"]
