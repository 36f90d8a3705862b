"""References and the citation gate: ``references.bib``, chapter citations, Crossref checks."""
