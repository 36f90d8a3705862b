"""Where a result's data came from.

Two things live here:

- :class:`Provenance`, attached to every :class:`~reviewbuild.data.reading.Dataset`
  (source ids, sha256s, units, sample and patient counts);
- the record of every source a loader read (``reads()``) and of every declaration of
  ``data/analyses.yaml`` it consulted (``uses()``) in the current execution
  (:mod:`reviewbuild.session`, which starts afresh with each chapter), which the notebook
  cache uses to know which data a chapter depends on.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbuild import session


@dataclass(frozen=True)
class Provenance:
    """Which files a dataset was built from and what its numbers mean."""

    source_ids: tuple[str, ...]
    sha256s: tuple[str | None, ...]
    units: str
    n_samples: int
    n_patients: int | None
    note: str = ""

    def describe(self) -> str:
        """One line for a figure caption or table note."""
        srcs = ", ".join(
            f"{sid} (sha256 {sha[:12]})" if sha else f"{sid} (unpinned)"
            for sid, sha in zip(self.source_ids, self.sha256s, strict=True)
        )
        who = f"{self.n_samples} samples"
        if self.n_patients is not None:
            who += f", {self.n_patients} patients"
        text = f"Source: {srcs}; {who}; units: {self.units}."
        return f"{text} {self.note}" if self.note else text

    def merge(self, other: Provenance, *, units: str, n_samples: int,
              n_patients: int | None, note: str = "") -> Provenance:
        """Provenance of a result built from both ``self`` and ``other``."""
        pairs = dict(zip(self.source_ids, self.sha256s, strict=True))
        pairs.update(zip(other.source_ids, other.sha256s, strict=True))
        return Provenance(tuple(pairs), tuple(pairs.values()), units, n_samples, n_patients, note)


def record(source_id: str, sha256: str | None) -> None:
    """Note that ``source_id`` (with this content hash) was read in this execution."""
    state = session.current()
    with state.lock:
        state.reads[source_id] = sha256


def reads() -> list[tuple[str, str | None]]:
    """(source id, sha256) of every source read in this execution, in first-read order."""
    state = session.current()
    with state.lock:
        return list(state.reads.items())


def record_use(key: str, value: str) -> None:
    """Note that the declaration ``key`` (``COHORT/analysis``) was consulted: ``value``."""
    state = session.current()
    with state.lock:
        state.uses[key] = value


def uses() -> list[tuple[str, str]]:
    """(``COHORT/analysis``, declared value) of every declaration consulted, in order."""
    state = session.current()
    with state.lock:
        return list(state.uses.items())
