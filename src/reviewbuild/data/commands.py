"""``reviewbuild data fetch | verify | status``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from reviewbuild.data.cachedir import cache_dir
from reviewbuild.data.declared import used_sources
from reviewbuild.data.fetch import fetch
from reviewbuild.data.mirror import mirror_dir
from reviewbuild.data.pins import Check, check, verify
from reviewbuild.data.registry import get_source, load_registry, sources_for_cohort
from reviewbuild.exceptions import (
    DataError,
    NetworkTimeout,
    ReviewBuildError,
    SourceUnavailable,
    UnknownSource,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("data", help="fetch, verify and list the registered data files")
    sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = sub.add_parser("fetch", help="fetch sources into the cache (by default: every source "
                       "the book uses, data/analyses.yaml)")
    p.add_argument("ids", nargs="*", help="source ids or cohorts (e.g. tcga-cdr, STAD)")
    p.set_defaults(handler=cmd_fetch)
    p = sub.add_parser("verify", help="re-hash every cached file against data/sources.yaml")
    p.add_argument("ids", nargs="*", help="only these source ids")
    p.add_argument("--mirror", nargs="?", const="", metavar="DIR",
                   help="verify a mirror directory instead (default: $REVIEWBUILD_MIRROR)")
    p.set_defaults(handler=cmd_verify)
    p = sub.add_parser("status", help="table: source, used?, pinned?, cached?, verified?, size, "
                       "licence")
    p.set_defaults(handler=cmd_status)


def resolve_ids(names: list[str]) -> list[str]:
    """Source ids for command-line names: ids as such, cohorts expanded to their sources."""
    out: list[str] = []
    cohorts = {c for s in load_registry().values() for c in s.cohorts}
    for name in names:
        if name not in cohorts and name.upper() in cohorts:
            raise UnknownSource(f"unknown data source {name!r}; cohorts are written in upper "
                                f"case: did you mean {name.upper()}?")
        ids = [s.id for s in sources_for_cohort(name)] if name in cohorts else [
            get_source(name).id]
        out += [i for i in ids if i not in out]
    return out


def cmd_fetch(args: argparse.Namespace) -> int:
    explicit = bool(args.ids)
    ids = resolve_ids(args.ids) if explicit else used_sources()
    done, failed, skipped = [], [], []
    silent: dict[str, str] = {}  # host -> the source it did not answer for
    for sid in ids:
        host = urlsplit(get_source(sid).url).netloc
        if mirror_dir() is None and host in silent:
            skipped.append(sid)
            print(f"SKIPPED {sid}: not attempted, {host} did not answer for {silent[host]}",
                  file=sys.stderr)
            continue
        try:
            path = fetch(sid, allow_unpinned=explicit, progress=True)
        except (ReviewBuildError, OSError) as err:
            failed.append(sid)
            print(f"FAILED  {sid}: {err}", file=sys.stderr)
            if isinstance(err, NetworkTimeout):
                silent[host] = sid
            continue
        done.append(sid)
        print(f"ok      {sid}  {path}")
    where = f"mirror {mirror_dir()}" if mirror_dir() else "network"
    print(f"{len(done)} of {len(ids)} source(s) in {cache_dir()} (from {where})")
    if failed or skipped:
        print(f"  fetched or already cached: {', '.join(done) or 'none'}\n"
              f"  FAILED: {', '.join(failed) or 'none'}\n"
              f"  not attempted: {', '.join(skipped) or 'none'}", file=sys.stderr)
    return 1 if failed or skipped else 0


def _verify_root(args: argparse.Namespace) -> Path | None:
    if args.mirror is None:
        return None
    root = Path(args.mirror) if args.mirror else mirror_dir()
    if root is None or not root.is_dir():
        raise SourceUnavailable(f"mirror directory {root} not found: pass --mirror DIR "
                                "or set REVIEWBUILD_MIRROR")
    return root


def cmd_verify(args: argparse.Namespace) -> int:
    root = _verify_root(args)
    checks = verify(args.ids or None, root)
    bad = [c for c in checks if c.state == "mismatch"]
    for c in checks:
        print(f"{c.state:9} {c.source_id:18} {c.path}")
    for c in bad:
        print(f"\nMISMATCH {c.source_id}: {c.path}\n  expected {c.expected}\n  actual   "
              f"{c.actual}\n  What to do: {_advice(c, root)}", file=sys.stderr)
    n_ok = sum(c.state == "ok" for c in checks)
    print(f"{n_ok} verified, {len(bad)} mismatched, "
          f"{sum(c.state == 'missing' for c in checks)} not present, "
          f"{sum(c.state == 'unpinned' for c in checks)} unpinned "
          f"(in {root or cache_dir()})")
    return 1 if bad else 0


def _advice(c: Check, mirror: Path | None) -> str:
    """What to do about a mismatched file: in the cache, fetch it again; in a mirror, the
    mirror itself must be repaired (fetching would copy the same bad file)."""
    if mirror is None:
        return (f"delete it and run `reviewbuild data fetch {c.source_id}`; if the source "
                "changed upstream, review and re-pin it in data/sources.yaml.")
    return (f"this mirror's copy is not the registered file. Replace it with the file from "
            f"{get_source(c.source_id).url} (or from a good mirror), then run `reviewbuild data "
            f"verify --mirror {mirror}`; if the source changed upstream, review and re-pin it "
            "in data/sources.yaml. The cache is not affected.")


def status_rows(checks: list[Check] | None = None) -> list[dict[str, str]]:
    """One row per source: source, used (by the book), pinned, cached, verified, size,
    licence."""
    reg = load_registry()
    checks = checks if checks is not None else [check(s) for s in reg.values()]
    try:
        used: set[str] | None = set(used_sources())
    except DataError:  # no valid data/analyses.yaml: say "?" here, `data fetch` says why
        used = None
    rows = []
    for c in checks:
        src = reg[c.source_id]
        rows.append({
            "source": c.source_id,
            "used": "?" if used is None else "yes" if c.source_id in used else "no",
            "pinned": "yes" if src.pinned else "NO",
            "cached": "no" if c.state == "missing" else "yes",
            "verified": {"ok": "yes", "mismatch": "MISMATCH", "unpinned": "unpinned"}.get(
                c.state, "-"),
            "size": "-" if c.size is None else _human(c.size),
            "licence": src.licence,
        })
    return rows


def _human(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"


def format_table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "(no sources)"
    cols = list(rows[0])
    width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols[:-1]}
    lines = ["  ".join(c.ljust(width[c]) if c in width else c for c in cols)]
    lines += ["  ".join(r[c].ljust(width[c]) if c in width else r[c] for c in cols)
              for r in rows]
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    print(format_table(status_rows()))
    print(f"cache: {cache_dir()}; mirror: {mirror_dir() or '(none: network)'}")
    return 0
