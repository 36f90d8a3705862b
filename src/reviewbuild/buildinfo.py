"""Facts for the appendix "How this book was built": software versions, data, claims."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import pandas as pd
from packaging.requirements import Requirement

from reviewbuild.paths import project_root
from reviewbuild.pyproject import distribution


def build_facts(root: Path | None = None) -> pd.DataFrame:
    """The Python and the book's package version that executed the chapters (the revision
    rendered is :class:`reviewbuild.revision.AtRender`, filled in at render)."""
    dist = distribution(root or project_root())
    rows = {"Python": f"{platform.python_version()} ({platform.system()} {platform.machine()})",
            dist: metadata.version(dist)}
    return pd.DataFrame({"Item": list(rows), "Value": list(rows.values())})


def package_versions(root: Path | None = None) -> pd.DataFrame:
    """Installed version of every runtime dependency of the book's distribution."""
    dist = distribution(root or project_root())
    names = sorted({Requirement(r).name for r in metadata.requires(dist) or []
                    if "extra ==" not in r}, key=str.lower)
    return pd.DataFrame({"Package": names, "Version": [metadata.version(n) for n in names]})


def data_registry() -> pd.DataFrame:
    """The data registry: id, pinned hash (short), licence and citation of every source."""
    from reviewbuild.data.registry import load_registry

    return pd.DataFrame([
        {"Source": s.id, "sha256": s.sha256[:10] if s.sha256 else
         f"(git blob {s.git_blob[:10]})" if s.git_blob else "unpinned",
         "Licence": s.licence, "Cite": "; ".join(s.cite)}
        for s in load_registry().values()
    ])


def claims_status(root: Path | None = None) -> pd.DataFrame:
    """How many claims of each kind the text makes, by status."""
    from reviewbuild.notebooks.report import load_all

    records = load_all(root)
    if not records:
        return pd.DataFrame({"Kind": [], "Status": [], "Claims": []})
    table = pd.DataFrame(records).groupby(["kind", "status"]).size().reset_index()
    table.columns = ["Kind", "Status", "Claims"]
    return table
