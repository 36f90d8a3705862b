"""One label per reference on every page: the rule checked on the pandoc/citeproc input.

Quarto renders each HTML page of a book as its own pandoc document, so citeproc numbers a
numbered style from [1] on every page (quarto-dev/quarto-cli#4160) and gives year letters
("2019a") only among the references of that page. The book therefore uses an author-year
style and lists every group of coinciding labels under ``nocite``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from reviewbuild import book
from reviewbuild.citations.bib import parse_bib_string
from reviewbuild.paths import project_root

ROOT = project_root()

SMITH = """
@article{smith2020a, author = {Smith, A. and Jones, B. and Lee, C.}, title = {One},
  journal = {J}, year = {2020}}
@article{smith2020b, author = {Smith, D. and Brown, E. and Wu, F.}, title = {Two},
  journal = {J}, year = {2020}}
@article{smith2020c, author = {Smith, A. and Jones, B.}, title = {Three},
  journal = {J}, year = {2020}}
"""


def _project(tmp_path: Path, csl: str, nocite: str | None, text: str) -> Path:
    config = {"project": {"type": "book"}, "book": {"chapters": ["index.qmd"]},
              "bibliography": "references.bib", "csl": f".csl/{csl}.csl"}
    if nocite:
        config["nocite"] = nocite
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "references.bib").write_text(SMITH)
    (tmp_path / "index.qmd").write_text(text)
    return tmp_path


def test_the_book_has_one_label_per_reference() -> None:
    assert book.citation_label_problems(ROOT) == []


def test_the_style_is_author_year() -> None:
    csl = book.install_csl(ROOT)
    assert csl.name == "springer-basic-author-date.csl"
    assert not book.csl_is_numeric(csl)


def test_a_numbered_style_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, "springer-basic-brackets", None, "# A\n\n[@smith2020a]\n")
    assert book.csl_is_numeric(book.install_csl(root))
    assert "restarts at [1] on every HTML page" in book.citation_label_problems(root)[0]


def test_coinciding_labels_must_be_in_nocite(tmp_path: Path) -> None:
    root = _project(tmp_path, "springer-basic-author-date", None,
                    "# A\n\n[@smith2020a]\n\n[@smith2020b; @smith2020c]\n")
    problems = book.citation_label_problems(root)
    assert problems == ["_quarto.yml: list @smith2020a, @smith2020b under `nocite:` (their "
                        "author-year labels coincide, so every page must see the whole group)"]
    _project(tmp_path, "springer-basic-author-date", "@smith2020a, @smith2020b",
             "# A\n\n[@smith2020a]\n\n[@smith2020b; @smith2020c]\n")
    assert book.citation_label_problems(root) == []


def test_author_year_key_follows_the_styles_et_al_rule() -> None:
    bib = parse_bib_string(SMITH)
    keys = [book.author_year_key(e, 3) for e in bib.entries]
    assert keys == [("Smith et al.", 2020), ("Smith et al.", 2020), ("Smith and Jones", 2020)]
    others = parse_bib_string("@article{x, author = {Roe, R. and others}, title = {T}, "
                              "journal = {J}, year = {2001}}")
    assert book.author_year_key(others.entries[0], 3) == ("Roe et al.", 2001)


def _pandoc() -> list[str]:
    quarto = shutil.which("quarto")
    if quarto:
        return [quarto, "pandoc"]
    if shutil.which("pandoc"):
        return ["pandoc"]
    pytest.skip("SKIPPED LOUDLY: neither `quarto` nor `pandoc` is on PATH, so citeproc itself "
                "was not run here (the rule above was checked on the input)")


def _label(tmp: Path, cites: str, key: str) -> str:
    """The HTML label citeproc gives ``key`` in a one-page document citing ``cites``."""
    config = book.quarto_config(ROOT)
    meta = {"bibliography": str(ROOT / config["bibliography"]),
            "csl": str(book.install_csl(ROOT)), "nocite": config.get("nocite", ""),
            "link-citations": True}
    page = tmp / "page.md"
    page.write_text(f"---\n{yaml.safe_dump(meta)}---\n\n{cites}\n")
    html = subprocess.run([*_pandoc(), "--citeproc", "-t", "html", str(page)],
                          capture_output=True, text=True, check=True).stdout
    start = html.index(f'href="#ref-{key}"')
    return html[html.index(">", start) + 1:html.index("</a>", start)]


def test_citeproc_gives_the_same_label_alone_and_with_its_group(tmp_path: Path) -> None:
    alone = _label(tmp_path, "[@chen2019implementing]", "chen2019implementing")
    together = _label(tmp_path, "[@chen2019implementing]\n\n[@chen2019prognostic]",
                      "chen2019implementing")
    assert alone == together and "2019" in alone


def test_every_reference_has_an_author_for_its_label() -> None:
    """An author-date label needs a name: an unsigned item gets its journal or organisation
    as a corporate author, or it is labelled by a bare year and sorts first."""
    from reviewbuild.citations.bib import parse_bib

    bib = parse_bib(ROOT / "references.bib")
    assert [e.key for e in bib.entries if not (e.get("author") or e.get("editor"))] == []
    [news] = [e for e in bib.entries if e.key == "cancerdiscovery2019xpo1"]
    assert news.get("author") == "{Cancer Discovery}"
