"""Chapters as notebooks: parse .qmd, convert, execute, golden files, data-aware freeze."""
