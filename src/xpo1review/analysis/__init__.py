"""Statistics behind the review's data figures: survival, cut-points, tumour vs normal, DE.

The functions here take plain pandas objects (``time``, ``event``, ``xpo1`` columns; a
genes x samples matrix) so they can be tested on small tables; :mod:`.parts` connects
them to the data layer for one cohort at a time, and :mod:`.entity` gathers them for chapters.
"""
