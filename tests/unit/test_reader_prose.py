"""What readers read carries no build jargon and one spelling (the house's British).

Reader text is the prose of the chapters, the preface, the References page and the
appendices, plus the captions and alt texts of figures and tables (``#| fig-cap:`` etc.),
inline code included. Code cells, the front matter and collapsed provenance notes
(``::: {.callout-note .provenance}``) are not reader prose. The build appendix
(``chapters/build-info.qmd``) is where file names, source ids and commands belong, so it is
not scanned.

Chapters 05 and 09-13 are being rewritten by another change; their current offenders are
listed in ``PENDING_*`` as strict expected failures: once a chapter is clean the test XPASSes
and fails, and its entry must be removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reviewbuild.book import chapter_files
from reviewbuild.paths import project_root
from reviewbuild.qmd.reader import read_text

ROOT = project_root()
NOT_READER_PROSE = {"chapters/build-info.qmd"}


def _source_ids() -> list[str]:
    registry = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))
    return [s["id"] for s in registry["sources"]]


JARGON = [
    (re.compile(r"\bxpo1review\b"), "the package or command name"),
    (re.compile(r"\bthis build\b", re.I), '"this build"'),
    (re.compile(r"\b[\w.-]+\.(?:csv|ya?ml|py|qmd|json|rda|xlsx|ipynb|bib)\b"), "a file name"),
    (re.compile(r"\bsource_id\b|\bsha256s?\b"), "a source id or hash variable"),
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "a hash"),
    (re.compile(r"\bmade by\b"), "a function credit"),
    (re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, _source_ids())) + r")(?![\w-])"),
     "a source id"),
]

#: American spellings and the house's British ones (tumour, oesophageal, haematological,
#: normalised, exportin 1).
SPELLING = [
    (re.compile(r"\b[Tt]umor"), "tumour"),
    (re.compile(r"(?<![OoAa])\b[Ee]sophag"), "oesophag-"),
    (re.compile(r"\b[Hh]ematolog"), "haematolog-"),
    (re.compile(r"\b[Nn]ormaliz"), "normalis-"),
    (re.compile(r"\b[Ee]xportin-1\b"), "exportin 1"),
    (re.compile(r"\b[Ll]eukemi"), "leukaemi-"),
    (re.compile(r"\b[Aa]nemi"), "anaemi-"),
    (re.compile(r"\bdiarrhea"), "diarrhoea"),
]
_KEYS_AND_URLS = re.compile(r"-?@[\w:.#$%&\-+?<>~/]+|<?https?://\S+|\{#[\w-]+\}")


def _provenance_lines(text: str) -> set[int]:
    """Lines inside ``::: {.provenance}`` divs (build detail for the curious, not prose)."""
    hidden, depth = set(), 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(":::"):
            opens = bool(line.strip(": ").strip())
            if depth:
                depth += 1 if opens else -1
            elif opens and ".provenance" in line:
                depth = 1
        if depth:
            hidden.add(number)
    return hidden


_CODE_SPAN = re.compile(r"`([^`{][^`]*)`")


def reader_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the reader's text in a .qmd file: prose with its code spans
    (the chapter reader leaves those out of prose), captions, alt text."""
    hidden, raw = _provenance_lines(text), text.split("\n")
    out = []
    for run in read_text(text).texts:
        for number, line in run.lines():
            if number in hidden or line.startswith(":::"):
                continue
            spans = _CODE_SPAN.findall(raw[number - 1]) if run.kind == "prose" else []
            out.append((number, _KEYS_AND_URLS.sub(" ", " ".join([line, *spans]))))
    return out


def problems(path: Path, rules: list[tuple[re.Pattern, str]], root: Path = ROOT) -> list[str]:
    found = []
    for number, line in reader_lines(path.read_text(encoding="utf-8")):
        for pattern, what in rules:
            for match in pattern.finditer(line):
                where = f"{path.relative_to(root).as_posix()}:{number}"
                found.append(f"{where}: {what}: {match.group()!r}")
    return found


READER_FILES = [f for f in chapter_files(ROOT) if f not in NOT_READER_PROSE]


@pytest.mark.parametrize("name", READER_FILES)
def test_no_build_jargon_in_reader_text(name: str) -> None:
    assert problems(ROOT / name, JARGON) == []


@pytest.mark.parametrize("name", READER_FILES)
def test_one_spelling_in_reader_text(name: str) -> None:
    assert problems(ROOT / name, SPELLING) == []


def test_the_scanner_finds_jargon_in_prose_and_captions_only(tmp_path: Path) -> None:
    text = ("---\ntitle: x\n---\n# A\n\nRead from `data/trials.csv` in this build.\n\n"
            "```{python}\n#| fig-cap: \"Made from firehose-STAD\"\nimport xpo1review\n```\n\n"
            "::: {.callout-note .provenance collapse=\"true\"}\n::: {.inner}\nxpo1review here\n"
            ":::\n:::\n\nA tumor [@tumor2020key] and <https://x.org/tumor.csv>.\n")
    path = tmp_path / "chapters" / "_scanner_probe.qmd"
    path.parent.mkdir()
    path.write_text(text)
    assert sorted(problems(path, JARGON, tmp_path)) == [
        "chapters/_scanner_probe.qmd:6: \"this build\": 'this build'",
        "chapters/_scanner_probe.qmd:6: a file name: 'trials.csv'",
        "chapters/_scanner_probe.qmd:9: a source id: 'firehose-STAD'",
    ]
    assert problems(path, SPELLING, tmp_path) == [
        "chapters/_scanner_probe.qmd:19: tumour: 'tumor'"]
