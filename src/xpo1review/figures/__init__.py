"""Figures of the book: one function per figure, one house style (:mod:`.style`)."""
