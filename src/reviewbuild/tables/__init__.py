"""Tables in every output format: the house style, per-format rendering, the claims report."""
