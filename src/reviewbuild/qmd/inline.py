"""The markdown-it-py parser of chapters and the walk of its inline tokens, at exact lines.

markdown-it drops newlines inside code spans, link destinations and raw HTML; the parser
here records them (in a token's ``meta["newlines"]``) so that every prose run and inline
expression keeps the line Quarto gives it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewbuild.qmd.model import InlineExpr, Text

_INLINE = re.compile(r"^\{(python)\}\s+(.+)$", re.DOTALL)


def _counting(rule: Callable[[Any, bool], bool]) -> Callable[[Any, bool], bool]:
    """Wrap an inline rule: newlines it consumed without emitting a line break token (in a
    code span, link destination, raw HTML) are recorded in the last token's meta."""

    def counted(state: Any, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        ok = rule(state, silent)
        if ok and not silent and len(state.tokens) > first:
            extra = state.src.count("\n", start, state.pos) - _breaks(state.tokens[first:])
            if extra > 0:
                meta = state.tokens[-1].meta
                meta["newlines"] = meta.get("newlines", 0) + extra
        return ok

    return counted


def _breaks(tokens: list[Token]) -> int:
    return sum((t.type in ("softbreak", "hardbreak")) + t.meta.get("newlines", 0)
               + _breaks(t.children or []) for t in tokens)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.disable("text_join")  # keep backslash escapes (\@) apart from the text
    for rule in list(md.inline.ruler.__rules__):
        md.inline.ruler.at(rule.name, _counting(rule.fn), {"alt": rule.alt})
    return md


#: The one parser of chapters (CommonMark with pipe tables, newlines counted).
PARSER = _parser()


def first_line(token: Token, lines: list[str]) -> int:
    """1-based line of an inline token's first character (markdown-it strips leading lines
    that Python counts as whitespace, such as a lone form feed)."""
    start, end = token.map
    head = token.content.split("\n", 1)[0]
    for i in range(start, min(end, len(lines))):
        if head in lines[i]:
            return i + 1
    return start + 1


def walk(children: list[Token], line: int) -> tuple[Text, list[InlineExpr]]:
    """The prose of an inline token (newlines where the source has them) and its inline
    expressions with their lines."""
    parts: list[str] = []
    exprs: list[InlineExpr] = []
    autolink, here, done = False, line, 0
    for tok in children:
        here += sum(p.count("\n") for p in parts[done:])
        done = len(parts)
        if tok.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif tok.type == "link_open" and tok.markup in ("autolink", "linkify"):
            autolink = True
        elif tok.type == "link_close":
            autolink = False
        elif tok.type == "text":
            parts.append(" " if autolink else tok.content)
        elif tok.type == "text_special":  # a backslash escape or an entity
            parts.append("\\@" if tok.info == "escape" and tok.content == "@" else tok.content)
        elif tok.type == "image":
            alt, inner = walk(tok.children or [], here)
            parts.append(alt.text)
            exprs += inner
        elif tok.type in ("code_inline", "html_inline"):
            parts.append(" ")
            match = _INLINE.match(tok.content) if tok.type == "code_inline" else None
            if match:
                exprs.append(InlineExpr(match.group(1), match.group(2).strip(), here))
        parts.append("\n" * tok.meta.get("newlines", 0))
    return Text(line, "".join(parts)), exprs
