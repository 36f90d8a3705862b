"""The six GI-cancer cohorts and what the source review reported from TCGA for each."""

from __future__ import annotations

from dataclasses import dataclass

COHORTS = ("ESCA", "STAD", "COADREAD", "LIHC", "CHOL", "PAAD")
NAMES = {
    "ESCA": "oesophageal carcinoma",
    "STAD": "stomach adenocarcinoma",
    "COADREAD": "colorectal adenocarcinoma",
    "LIHC": "hepatocellular carcinoma",
    "CHOL": "cholangiocarcinoma",
    "PAAD": "pancreatic adenocarcinoma",
}
ALPHA = 0.05


@dataclass(frozen=True)
class ReviewFinding:
    """What the source review reported from TCGA for an entity (its Fig. 4)."""

    cohort: str
    high_better: bool
    significant: bool | None  # None: the review does not say
    text: str


REVIEW = {
    "ESCA": ReviewFinding("ESCA", True, True, "high XPO1: significantly higher survival"),
    "STAD": ReviewFinding("STAD", False, True, "high XPO1: significantly lower OS"),
    "LIHC": ReviewFinding("LIHC", True, None, "low XPO1: worse OS than high"),
    "CHOL": ReviewFinding("CHOL", True, False, "high XPO1: better OS, not significant"),
    "PAAD": ReviewFinding("PAAD", True, True, "high XPO1: significantly longer OS"),
    "COADREAD": ReviewFinding("COADREAD", True, True, "high XPO1: significantly better OS"),
}
