"""Chapters as notebooks: parse .qmd, convert, execute, golden files, their recorded inputs,
and the notebooks Quarto renders."""
