"""reviewbuild: the engine that builds a reproducible review as a Quarto book.

It knows nothing of any one review: a book brings its chapters, ``data/sources.yaml``,
``data/analyses.yaml``, ``references.bib`` and, in its ``pyproject.toml``, the commands and
checks of its own (:mod:`reviewbuild.pyproject`). The XPO1 review's content is the separate
package :mod:`xpo1review`.
"""

__version__ = "0.1.0"
