"""One reader for a Quarto chapter (``.qmd``): front matter, cells, inline expressions, prose.

A chapter is tokenised once, by markdown-it-py (CommonMark and pipe tables, the dialect
Quarto's pandoc reader agrees with on these points), into a :class:`~reviewbuild.qmd.model.Chapter`
(:func:`reviewbuild.qmd.reader.read_text`) that the pre-render gate, the citation scanner and
the notebook converter all use.

- Lines are 1-based and counted as Quarto counts them: only a newline ends a line (form
  feed, U+2028 and the other separators of ``str.splitlines`` do not). A newline inside a
  code span, a link destination or raw HTML is counted, although markdown-it drops it.
- A cell's ``code`` is its body exactly as written, minus the leading option comment lines
  (``#|`` for Python, ``%%|`` for Mermaid, ... as in Quarto).
- Prose (``Chapter.texts``) is the text a reader sees: paragraphs, headings, table
  cells, image alt text and the caption options of cells (``fig-cap``, ``tbl-cap``,
  ``fig-alt``, ...); code, raw HTML and the text of autolinks are left out.

Anything malformed raises :class:`~reviewbuild.exceptions.QmdSyntaxError` whose message
starts ``file:line:``: bad YAML (also tagged scalars such as ``!!int x`` or impossible
dates), option values of the wrong type, an unclosed fence (also one silently closed by the
next cell's fence).

Modules, from the top: ``reader`` (a file or text to a chapter), ``cells`` (a fence to a
cell and its captions) and ``frontmatter``, ``inline`` (the markdown-it walk with exact
lines) and ``options`` (checked cell options), ``yamlblock`` (YAML with errors at their
line) and ``model`` (the dataclasses).
"""
