"""Fixtures shared by the integration tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reviewbuild.data import registry

ROOT = Path(__file__).resolve().parents[2]
REAL = registry.load_registry(ROOT / "data" / "sources.yaml")


@pytest.fixture
def register(tmp_path, monkeypatch):
    """register(source_id, data): a project whose registry pins ``data`` for that source."""
    root, mirror = tmp_path / "root", tmp_path / "mirror"
    (root / "data").mkdir(parents=True)
    monkeypatch.setenv("REVIEWBUILD_ROOT", str(root))
    monkeypatch.setenv("REVIEWBUILD_MIRROR", str(mirror))
    monkeypatch.setenv("REVIEWBUILD_CACHE", str(tmp_path / "cache"))
    entries: dict[str, str] = {}

    def _declare() -> None:
        """Each cohort uses its registered per-sample source, if any, else none."""
        lines = []
        for c in ("ESCA", "STAD", "LIHC", "CHOL", "PAAD", "COADREAD"):
            own = [s for s in entries if REAL[s].role in ("expression", "paired-subset")
                   and c in REAL[s].cohorts]
            lines.append(f"  {c}: {{use: {own[0]}}}" if own else f"  {c}: {{use: none, why: x}}")
        (root / "data" / "analyses.yaml").write_text(
            (ROOT / "data" / "analyses.yaml").read_text().split("\ncohorts:")[0]
            + "\ncohorts:\n" + "\n".join(lines) + "\n")

    def _register(source_id: str, data: bytes, url: str | None = None) -> None:
        src = REAL[source_id]
        target = mirror / src.mirror_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries[source_id] = (
            f"  - id: {src.id}\n    url: {url or src.url}\n    sha256: "
            f"{hashlib.sha256(data).hexdigest()}\n    format: {src.format}\n"
            f"    licence: x\n    cite: [k]\n    description: d\n    mirror: {src.mirror_path}\n"
            f"    cohorts: [{', '.join(src.cohorts)}]\n    role: {src.role}\n")
        (root / "data" / "sources.yaml").write_text("sources:\n" + "".join(entries.values()))
        _declare()

    return _register
