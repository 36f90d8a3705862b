"""Tables of the book: one function per table, one house style."""
