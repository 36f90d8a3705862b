"""The review's data: TCGA barcodes, its source families and the survival join, built on the
engine's data layer (:mod:`reviewbuild.data`).

Typical use in a chapter::

    from xpo1review.data import loaders
    expr = loaders.xpo1_expression("CHOL")      # Dataset or Unavailable (falsy)
    surv = loaders.survival(["CHOL"])
    joined, report = loaders.join_expression_survival(expr, surv)
"""
