"""Which per-sample source each analysis uses: ``data/analyses.yaml``, validated on load.

The file is the book's own vocabulary and choice: ``analyses:`` names each per-sample
analysis and the source roles that can serve it, and ``cohorts:`` has one line per cohort of
the book naming the source (``use:``) for every analysis, a key per analysis overriding it;
``none`` declares that the book uses no per-sample data there (with ``why:``, for readers).
The choice is part of the commit, never of the cache. Every declaration a chapter reads is
recorded (:func:`reviewbuild.data.provenance.uses`), so the freeze manifest re-executes exactly
the chapters whose declarations changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from reviewbuild import yamlsafe
from reviewbuild.data.registry import (
    ID_PATTERN,
    PER_SAMPLE_ROLES,
    Source,
    load_registry,
    registry_path,
)
from reviewbuild.exceptions import DataError
from reviewbuild.paths import project_root

NONE = "none"


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


@dataclass(frozen=True)
class Declarations:
    """The parsed file: each analysis with the roles that can serve it, and every use."""

    analyses: dict[str, tuple[str, ...]]
    uses: dict[tuple[str, str], Use]

    @property
    def cohorts(self) -> tuple[str, ...]:
        """The book's cohorts, in the file's order."""
        return tuple(dict.fromkeys(cohort for cohort, _ in self.uses))

    @property
    def per_sample_roles(self) -> tuple[str, ...]:
        """Roles of per-sample sources: read only where declared (other roles always are)."""
        return tuple(dict.fromkeys(r for roles in self.analyses.values() for r in roles))


def declarations_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "analyses.yaml"


def declarations(root: Path | None = None) -> Declarations:
    """The whole file, validated; DataError names the file, cohort and analysis."""
    path = declarations_path(root)
    reg = registry_path() if root is None else root / "data" / "sources.yaml"
    if not path.is_file():
        raise DataError(f"{path}: missing; it declares which data each analysis uses "
                        "(restore it from git)")
    stats = [(str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in (path, reg)]
    return _load(*stats)


def load(root: Path | None = None) -> dict[tuple[str, str], Use]:
    """Every (cohort, analysis) declaration."""
    return declarations(root).uses


@lru_cache(maxsize=8)
def _load(decl: tuple[str, int, int], reg: tuple[str, int, int]) -> Declarations:
    path = decl[0]
    sources = load_registry(Path(reg[0]))
    doc, node, _ = yamlsafe.read(Path(path), path, what="the data declarations", error=DataError)
    doc = doc if isinstance(doc, dict) else {}
    analyses = _analyses(path, doc.get("analyses"), yamlsafe.child(node, "analyses"))
    cohorts = doc.get("cohorts")
    if not isinstance(cohorts, dict):
        raise DataError(f"{path}: expected a top-level `cohorts:` mapping, one line per cohort")
    lines = _cohort_lines(path, yamlsafe.child(node, "cohorts"))
    _check_served(path, cohorts, sources, analyses)
    uses = {}
    for cohort, entry in cohorts.items():
        where = f"{path}:{lines[cohort]}: cohort {cohort}"
        for u in _cohort(where, cohort, entry, sources, analyses):
            uses[(u.cohort, u.analysis)] = u
    return Declarations(analyses, uses)


def _cohort_lines(path: str, node: yaml.MappingNode) -> dict[str, int]:
    """Each cohort's line; a key that is not a name (``7:``, ``~:``, a list) is refused."""
    lines = {}
    for key, value in node.value:
        line = yamlsafe.line_of(key)
        if key.tag != "tag:yaml.org,2002:str" or not ID_PATTERN.match(key.value):
            raise DataError(f"{path}:{line}: cohort {key.value or key.id!r} is not a cohort name "
                            "(letters, digits, '.', '_', '-'; e.g. STAD); quote a name YAML "
                            "would read as a number or null")
        lines[key.value] = yamlsafe.line_of(value)
    return lines


def _analyses(path: str, entry: object, node: yaml.Node | None) -> dict[str, tuple[str, ...]]:
    """``analyses:``: each per-sample analysis and the per-sample source roles that can serve
    it (summaries, survival tables and documentation never can)."""
    if not isinstance(entry, dict) or not all(
            isinstance(a, str) and isinstance(roles, list) and roles
            and all(isinstance(r, str) for r in roles) for a, roles in entry.items()):
        raise DataError(f"{path}: expected a top-level `analyses:` mapping of each per-sample "
                        "analysis to the source roles that can serve it, e.g. "
                        "`survival: [expression, curated-cohort]` (or `analyses: {}`)")
    bad = sorted(str(a) for a in entry if str(a) in {"use", "why"})
    if bad:
        raise DataError(f"{path}: analysis name(s) {', '.join(bad)} are reserved keys")
    lines = yamlsafe.key_lines(node)
    for analysis, roles in entry.items():
        wrong = [r for r in roles if r not in PER_SAMPLE_ROLES]
        if wrong:
            raise DataError(f"{path}:{lines.get(analysis, 1)}: analysis {analysis}: role(s) "
                            f"{', '.join(wrong)} do not hold per-sample data; an analysis can "
                            f"be served by {', '.join(PER_SAMPLE_ROLES)}")
    return {a: tuple(roles) for a, roles in entry.items()}


def _check_served(path: str, cohorts: dict, sources: dict[str, Source],
                  analyses: dict[str, tuple[str, ...]]) -> None:
    """Every cohort a per-sample source serves is one of the book's declared cohorts."""
    roles = {r for rs in analyses.values() for r in rs}
    for src in sources.values():
        unknown = [c for c in src.cohorts if c not in cohorts]
        if src.role in roles and unknown:
            raise DataError(f"data/sources.yaml: {src.id} serves cohort(s) "
                            f"{', '.join(unknown)}, which {path} does not declare; the book's "
                            f"cohorts are {', '.join(map(str, cohorts)) or '(none)'}")


def _cohort(where: str, cohort: str, entry: object, sources: dict[str, Source],
            analyses: dict[str, tuple[str, ...]]) -> list[Use]:
    if not isinstance(entry, dict) or "use" not in entry:
        raise DataError(f"{where}: expected a mapping with `use:` (a source id or none), "
                        f"e.g. `{cohort}: {{use: none, why: ...}}`")
    bad = sorted(str(k) for k in entry if k not in {"use", "why", *analyses})
    if bad:
        raise DataError(f"{where}: unknown key(s) {', '.join(bad)}; allowed: use, why, "
                        f"{', '.join(analyses)}")
    why = str(entry.get("why") or "").strip()
    uses = []
    for analysis, roles in analyses.items():
        value = entry.get(analysis, entry["use"])
        sid = _check_value(f"{where}, {analysis}", value, cohort, (analysis, roles), sources)
        if sid is None and not why:
            raise DataError(f"{where}: {analysis} is declared `none`: add `why:`, a short "
                            "reason for readers (shown in the figure and the claim)")
        uses.append(Use(cohort, analysis, sid, why if sid is None else ""))
    return uses


def _check_value(where: str, value: object, cohort: str,
                 analysis: tuple[str, tuple[str, ...]], sources: dict[str, Source]) -> str | None:
    """The declared source id (None for `none`), or DataError saying what is allowed;
    ``analysis`` is its name and the source roles that can serve it."""
    name, roles = analysis
    fits = [s.id for s in sources.values()
            if cohort in s.cohorts and s.role in roles and s.pinned]
    allowed = f"one of {', '.join(fits) or '(none registered)'} or none"
    if value == NONE:
        return None
    if not isinstance(value, str) or value not in sources:
        raise DataError(f"{where}: {value!r} is not a source in data/sources.yaml; {allowed}")
    src = sources[value]
    if cohort not in src.cohorts:
        raise DataError(f"{where}: {value} does not serve {cohort} (its cohorts: "
                        f"{', '.join(src.cohorts) or '-'}); {allowed}")
    if src.role not in roles:
        raise DataError(f"{where}: {value} has role {src.role}, which cannot serve "
                        f"{name} (needs {' or '.join(roles)}); {allowed}")
    if not src.pinned:
        raise DataError(f"{where}: {value} is not pinned (no sha256 or git_blob in "
                        "data/sources.yaml): pin it before the book may use it")
    return value


def check_key(cohort: str, analysis: str, root: Path | None = None) -> None:
    """DataError unless ``cohort`` is a book cohort and ``analysis`` a per-sample analysis."""
    decl = declarations(root)
    if cohort not in decl.cohorts:
        raise DataError(f"unknown cohort {cohort!r}; the book's cohorts are "
                        f"{', '.join(decl.cohorts)}")
    if analysis not in decl.analyses:
        raise DataError(f"unknown analysis {analysis!r}; one of {', '.join(decl.analyses)}")


def use(cohort: str, analysis: str, root: Path | None = None) -> Use:
    """The declaration for one cohort and analysis."""
    check_key(cohort, analysis, root)
    return load(root)[(cohort, analysis)]


def used_sources(root: Path | None = None) -> list[str]:
    """Ids of every source the book reads, in registry order: the declared per-sample sources
    and every source of another role (survival, summaries, documentation)."""
    reg = load_registry(None if root is None else root / "data" / "sources.yaml")
    decl = declarations(root)
    used = {u.source_id for u in decl.uses.values()}
    return [s.id for s in reg.values() if s.role not in decl.per_sample_roles or s.id in used]
