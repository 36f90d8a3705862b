"""Which per-sample source each analysis uses: ``data/analyses.yaml``, validated on load.

The choice is part of the commit, never of the cache: one line per cohort names the source
(``use:``) for every per-sample analysis, a key per analysis overrides it, and ``none``
declares that the book uses no per-sample data there (with ``why:``, for readers). Every
declaration a chapter reads is recorded (:func:`xpo1review.data.provenance.uses`), so the
freeze manifest re-executes exactly the chapters whose declarations changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from xpo1review.data.registry import COHORTS, Source, load_registry, registry_path
from xpo1review.exceptions import DataError
from xpo1review.paths import project_root

#: The per-sample analyses, and the source roles that can serve each.
ROLES = {
    "tumour-normal": ("expression", "paired-subset"),
    "survival": ("expression", "paired-subset", "curated-cohort"),
    "differential-expression": ("expression", "paired-subset"),
}
ANALYSES = tuple(ROLES)
#: Roles of per-sample sources: used only where declared. Other roles are always read.
PER_SAMPLE_ROLES = tuple(dict.fromkeys(role for roles in ROLES.values() for role in roles))
NONE = "none"
_KEYS = {"use", "why", *ANALYSES}


@dataclass(frozen=True)
class Use:
    """The declared source of one (cohort, analysis); ``source_id`` None = declared unused."""

    cohort: str
    analysis: str
    source_id: str | None
    why: str = ""

    @property
    def key(self) -> str:
        """``COHORT/analysis``, the key in the freeze manifest."""
        return f"{self.cohort}/{self.analysis}"

    @property
    def value(self) -> str:
        """What the manifest records: the source id, or ``none: <why>``."""
        return self.source_id or f"{NONE}: {self.why}"


def declarations_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "analyses.yaml"


def load(root: Path | None = None) -> dict[tuple[str, str], Use]:
    """Every (cohort, analysis) declaration; DataError names the file, cohort and analysis."""
    path = declarations_path(root)
    reg = registry_path() if root is None else root / "data" / "sources.yaml"
    if not path.is_file():
        raise DataError(f"{path}: missing; it declares which data each analysis uses "
                        "(restore it from git)")
    stats = [(str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in (path, reg)]
    return dict(_load(*stats))


@lru_cache(maxsize=8)
def _load(decl: tuple[str, int, int], reg: tuple[str, int, int]
          ) -> tuple[tuple[tuple[str, str], Use], ...]:
    path = decl[0]
    sources = load_registry(Path(reg[0]))
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise DataError(f"{path}: not valid YAML: {err}") from err
    cohorts = doc.get("cohorts") if isinstance(doc, dict) else None
    if not isinstance(cohorts, dict):
        raise DataError(f"{path}: expected a top-level `cohorts:` mapping, one line per cohort")
    unknown = [str(c) for c in cohorts if c not in COHORTS]
    missing = [c for c in COHORTS if c not in cohorts]
    if unknown or missing:
        raise DataError(f"{path}: every book cohort must be declared exactly once "
                        f"({', '.join(COHORTS)}); unknown: {', '.join(unknown) or '-'}; "
                        f"missing: {', '.join(missing) or '-'}")
    out = []
    for cohort in COHORTS:
        out += [((u.cohort, u.analysis), u) for u in _cohort(path, cohort, cohorts[cohort],
                                                            sources)]
    return tuple(out)


def _cohort(path: str, cohort: str, entry: object, sources: dict[str, Source]) -> list[Use]:
    where = f"{path}: cohort {cohort}"
    if not isinstance(entry, dict) or "use" not in entry:
        raise DataError(f"{where}: expected a mapping with `use:` (a source id or none), "
                        f"e.g. `{cohort}: {{use: none, why: ...}}`")
    bad = sorted(str(k) for k in entry if k not in _KEYS)
    if bad:
        raise DataError(f"{where}: unknown key(s) {', '.join(bad)}; allowed: use, why, "
                        f"{', '.join(ANALYSES)}")
    why = str(entry.get("why") or "").strip()
    uses = []
    for analysis in ANALYSES:
        value = entry.get(analysis, entry["use"])
        sid = _check_value(f"{where}, {analysis}", value, cohort, analysis, sources)
        if sid is None and not why:
            raise DataError(f"{where}: {analysis} is declared `none`: add `why:`, a short "
                            "reason for readers (shown in the figure and the claim)")
        uses.append(Use(cohort, analysis, sid, why if sid is None else ""))
    return uses


def _check_value(where: str, value: object, cohort: str, analysis: str,
                 sources: dict[str, Source]) -> str | None:
    """The declared source id (None for `none`), or DataError saying what is allowed."""
    fits = [s.id for s in sources.values()
            if cohort in s.cohorts and s.role in ROLES[analysis] and s.pinned]
    allowed = f"one of {', '.join(fits) or '(none registered)'} or none"
    if value == NONE:
        return None
    if not isinstance(value, str) or value not in sources:
        raise DataError(f"{where}: {value!r} is not a source in data/sources.yaml; {allowed}")
    src = sources[value]
    if cohort not in src.cohorts:
        raise DataError(f"{where}: {value} does not serve {cohort} (its cohorts: "
                        f"{', '.join(src.cohorts) or '-'}); {allowed}")
    if src.role not in ROLES[analysis]:
        raise DataError(f"{where}: {value} has role {src.role}, which cannot serve "
                        f"{analysis} (needs {' or '.join(ROLES[analysis])}); {allowed}")
    if not src.pinned:
        raise DataError(f"{where}: {value} is not pinned (no sha256 or git_blob in "
                        "data/sources.yaml): pin it before the book may use it")
    return value


def check_key(cohort: str, analysis: str) -> None:
    """DataError unless ``cohort`` is a book cohort and ``analysis`` a per-sample analysis."""
    if cohort not in COHORTS:
        raise DataError(f"unknown cohort {cohort!r}; the book's cohorts are {', '.join(COHORTS)}")
    if analysis not in ROLES:
        raise DataError(f"unknown analysis {analysis!r}; one of {', '.join(ANALYSES)}")


def use(cohort: str, analysis: str, root: Path | None = None) -> Use:
    """The declaration for one cohort and analysis."""
    check_key(cohort, analysis)
    return load(root)[(cohort, analysis)]


def used_sources(root: Path | None = None) -> list[str]:
    """Ids of every source the book reads, in registry order: the declared per-sample sources
    and every source of another role (survival, summaries, documentation)."""
    reg = load_registry(None if root is None else root / "data" / "sources.yaml")
    declared = {u.source_id for u in load(root).values()}
    return [s.id for s in reg.values() if s.role not in PER_SAMPLE_ROLES or s.id in declared]
