"""``reviewbuild notebooks build | accept``: the golden notebooks behind nbval.

``build`` re-executes only the chapters whose inputs changed (code, package modules, data;
see :mod:`reviewbuild.notebooks.cache`). When only the chapter's own code changed (or the
golden notebooks a report chapter summarises), the new golden notebook is written: the
change is in the diff under review. When data, package modules or curated files changed
and an output changed with them, the changed outputs are listed and nothing is written for
that chapter until a person reviews them and runs ``accept``. ``--force`` executes chapters
whose inputs are unchanged too; an output that then differs is listed, not written.

Before anything runs, the book's structure gate must be clean (a typo in ``_quarto.yml`` must
not make a chapter look deleted). A chapter with a failing claim (:mod:`.verdicts`) fails the
command and its golden notebook is not written, with ``accept`` too; a golden notebook that
records one fails it as well. Golden notebooks are never deleted by ``build``: ``remove``
deletes the one it is told to, once its chapter is gone from ``_quarto.yml``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from reviewbuild import atomic, structure
from reviewbuild.exceptions import ReviewBuildError
from reviewbuild.notebooks import cache, forkserver, golden, schedule, verdicts
from reviewbuild.notebooks.convert import GOLDEN_DIR, golden_path
from reviewbuild.notebooks.execute import Execution, execute_chapter, start_kernel_early
from reviewbuild.paths import project_root

#: Input changes whose effect on outputs needs a person's review (``accept``).
REVIEWED = {"record", "module", "package", "data", "file"}
#: Temporaries of golden notebooks older than this (seconds) are leftovers of a dead build.
STALE_AFTER = 3600.0


@dataclass
class BuildResult:
    executed: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    #: Failing claims per chapter: of this run, and recorded in a golden notebook not re-run.
    failed: dict[str, list[str]] = field(default_factory=dict)
    recorded: dict[str, list[str]] = field(default_factory=dict)
    #: Report chapters not executed because a chapter they report has a failing claim.
    held_back: list[str] = field(default_factory=list)
    #: Golden notebooks and manifest entries of no chapter with Python cells (kept).
    orphans: list[str] = field(default_factory=list)


def _select(root: Path, chapters: list[str] | None) -> list[str]:
    known = cache.python_chapters(root)
    if not chapters:
        return known
    picked = []
    for name in chapters:
        match = [c for c in known if c == name or Path(c).stem == Path(name).stem]
        if not match:
            raise ReviewBuildError(f"{name}: not a chapter with Python cells listed in "
                                  f"_quarto.yml (known: {', '.join(known)})")
        picked += match
    return picked


def batches(root: Path, chapters: list[str]) -> tuple[list[str], list[str]]:
    """``chapters`` in book order, split into the report chapters (which read other chapters'
    golden notebooks, such as the claims appendix) and the others, which run first: the
    reports must read the goldens of this run."""
    manifest = cache.load_manifest(root)
    reports = [c for c in chapters if reads_goldens(manifest, c)]
    return [c for c in chapters if c not in reports], reports


def reads_goldens(manifest: dict, chapter: str) -> bool:
    """Whether ``chapter`` reports other chapters' golden notebooks (its recorded files)."""
    files = (manifest.get(chapter) or {}).get("files", {})
    return any(path.startswith(GOLDEN_DIR + "/") for path in files)


def require_structure(root: Path) -> None:
    """Refuse to go on while the book's structure gate (:mod:`reviewbuild.structure`) fails."""
    problems = structure.check(root)
    if problems:
        raise ReviewBuildError(
            "\n".join(problems) + "\nThe book's structure gate fails (`reviewbuild check "
            "structure`), so no chapter was executed and no golden notebook or manifest entry "
            "was touched: fix the above and run the command again.")


def default_jobs() -> int:
    """Chapters executed at once: ``REVIEWBUILD_JOBS``, else the cores this process may use."""
    text = os.environ.get("REVIEWBUILD_JOBS", "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ReviewBuildError(f"REVIEWBUILD_JOBS={text!r}: give a whole number >= 1")
        return int(text)
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, len(cores) if cores else (os.cpu_count() or 1))


Progress = Callable[[str], None]


def _say(line: str) -> None:
    # one write per line: chapters executing at the same time never share a line
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _execute_all(root: Path, chapters: list[str], jobs: int, progress: Progress
                 ) -> tuple[dict[str, Execution], BaseException | None]:
    """Execute ``chapters`` (independent of each other), ``jobs`` at a time, the longest
    first (:mod:`.schedule`), saying when each starts and ends. The first failure stops new
    starts and is returned with the executions that finished."""
    runs: dict[str, Execution] = {}
    if not chapters:
        return runs, None
    total, started = len(chapters), time.monotonic()
    finished = itertools.count(1)  # next() is atomic: each ending chapter gets its number
    took: dict[str, float] = {}

    def one(chapter: str) -> Execution:
        begin = time.monotonic()
        progress(f"{chapter}: executing ...")
        try:
            run = execute_chapter(root, chapter)
        except BaseException:
            progress(f"{chapter}: failed after {time.monotonic() - begin:.1f} s")
            raise
        took[chapter] = time.monotonic() - begin
        progress(f"{chapter}: executed in {took[chapter]:.1f} s "
                 f"({run.timing()}) ({next(finished)}/{total})")
        return run

    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, total))) as pool:
        pending: dict[Future, str] = {pool.submit(one, c): c
                                      for c in schedule.longest_first(root, chapters)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chapter = pending.pop(future)
                if future.cancelled():
                    continue
                if future.exception() is None:
                    runs[chapter] = future.result()
                elif failure is None:
                    failure = future.exception()
                    for other in pending:
                        other.cancel()
    schedule.remember(root, took)
    if failure is None and total > 1:
        progress(f"{total} chapters executed in {time.monotonic() - started:.1f} s "
                 f"({min(jobs, total)} at a time)")
    return runs, failure


def build(root: Path, chapters: list[str] | None = None, accept: bool = False,
          force: bool = False, jobs: int | None = None,
          progress: Progress = _say) -> BuildResult:
    """Execute the (selected) chapters whose inputs changed, independent ones ``jobs`` at a
    time (report chapters after the others, and not while a claim fails); write their golden
    notebooks. A chapter whose golden records a failing claim is never up to date."""
    selected = _select(root, chapters)
    try:
        for chapter in selected if force else ():  # imports overlap the checks that follow
            start_kernel_early(root, chapter)
        require_structure(root)
        result = BuildResult(orphans=orphans(root))
        for chapter in cache.python_chapters(root):
            atomic.remove_leftovers(golden_path(root, chapter), older_than=STALE_AFTER)
        # every report is judged after the first batch, selected or not: an accepted or
        # rebuilt golden notebook is one of its inputs (``--force``: the selected ones only)
        reports = batches(root, cache.python_chapters(root))[1]
        first = [c for c in selected if c not in reports]
        for batch in (first, reports):
            # read for each batch: the first may rewrite the goldens the reports read
            todo = _stale(root, batch, cache.load_manifest(root), result, progress,
                          forced=set(selected) if force else set())
            if batch is reports and result.failed:
                result.held_back += list(todo)  # they would report the old claims of those chapters
                continue
            runs, failure = _execute_all(root, list(todo), jobs or default_jobs(), progress)
            for chapter in todo:  # in book order; what finished is kept even if one failed
                if chapter in runs:
                    _record(root, chapter, runs[chapter], todo[chapter], accept, result)
            if failure is not None:
                raise failure
    finally:  # what the command does next (a render) has the memory back
        forkserver.stop_servers()
    for chapter in cache.python_chapters(root):
        if chapter not in result.executed and chapter not in result.held_back:
            found = verdicts.recorded(root, chapter)
            if found:
                result.recorded[chapter] = found
    return result


def _stale(root: Path, chapters: list[str], manifest: dict, result: BuildResult,
           progress: Progress, forced: set[str]) -> dict[str, set[str]]:
    """The chapters to execute, with the kinds of input that changed (and those in
    ``forced``, whatever changed); the others are reported up to date. A chapter whose
    golden records a failing claim is never up to date."""
    todo: dict[str, set[str]] = {}
    for chapter in chapters:
        kinds = {k for k, _ in cache.change_list(root, chapter, manifest.get(chapter))}
        recorded = verdicts.recorded(root, chapter)
        current = golden_path(root, chapter).is_file() and not kinds and not recorded
        if current and chapter not in forced:
            result.up_to_date.append(chapter)
            progress(f"{chapter}: up to date (inputs unchanged), not executed")
        else:
            if not forced:  # its server's imports overlap the checks that follow
                start_kernel_early(root, chapter)
            todo[chapter] = kinds
    return todo


def _record(root: Path, chapter: str, run: Execution, kinds: set[str], accept: bool,
            result: BuildResult) -> None:
    """Write the golden notebook and manifest entry of an execution, unless a claim fails
    (never written, not even by accept: the sentence must change) or its outputs changed in
    a way that needs a person's review first."""
    old = golden.read(root, chapter)
    result.executed.append(chapter)
    failed = verdicts.of_run(run.notebook, run.announced)
    if failed:
        result.failed[chapter] = failed
        return
    pats = golden.sanitizers(root)
    # Outputs may change without the chapter's code changing (data, modules, or nothing
    # recorded at all under --force): those need a person's review before they are written.
    review = old is not None and not accept and (not kinds or bool(kinds & REVIEWED))
    diffs = golden.differences(old, run.notebook, pats) if review else []
    if diffs:
        result.changed[chapter] = diffs
        return
    golden.write(root, chapter, golden.keep_unchanged_outputs(old, run.notebook, pats,
                                                              inputs_changed=bool(kinds)))
    cache.save_entry(root, chapter, cache.entry_for(root, chapter, run.inputs))
    result.written.append(chapter)


def orphans(root: Path) -> list[str]:
    """Golden notebooks and manifest entries that belong to no chapter with Python cells."""
    known = cache.python_chapters(root)
    stems = {Path(c).stem for c in known}
    found = [p.relative_to(root).as_posix() for p in sorted((root / GOLDEN_DIR).glob("*.ipynb"))
             if p.stem not in stems]
    found += [f"{cache.MANIFEST} entry {c}" for c in sorted(set(cache.load_manifest(root))
                                                             - set(known))]
    return found


def remove(root: Path, names: list[str]) -> list[str]:
    """Delete the golden notebook and manifest entry of each named chapter that is no longer
    in the book (a chapter still listed with Python cells is refused)."""
    require_structure(root)
    listed = {Path(c).stem: c for c in cache.python_chapters(root)}
    manifest = cache.load_manifest(root)
    plan = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb").removesuffix(".qmd")
        if stem in listed:
            raise ReviewBuildError(
                f"{listed[stem]} is in _quarto.yml with Python cells, so its golden notebook is "
                "in use; remove the chapter from _quarto.yml (or its Python cells) first")
        path = root / GOLDEN_DIR / f"{stem}.ipynb"
        entries = [c for c in manifest if Path(c).stem == stem]
        if not path.is_file() and not entries:
            raise ReviewBuildError(f"{name}: no golden notebook {path.relative_to(root)} and no "
                                   f"entry in {cache.MANIFEST}; nothing to remove")
        plan.append((path, entries))
    removed = []
    for path, entries in plan:
        if path.is_file():
            path.unlink()
            removed.append(path.relative_to(root).as_posix())
        for chapter in entries:
            cache.save_entry(root, chapter, None)
            removed.append(f"{cache.MANIFEST} entry {chapter}")
    return removed


def _report(result: BuildResult) -> int:
    for what in result.orphans:
        print(f"{what}: kept, but no chapter with Python cells in _quarto.yml has its name; "
              f"if that chapter is gone, run `reviewbuild notebooks remove "
              f"{Path(what.split()[-1]).stem}`", file=sys.stderr)
    for chapter in result.written:
        print(f"{chapter}: executed, golden notebook written")
    for chapter in result.held_back:
        print(f"{chapter}: not executed: it reports the claims of chapters, and a claim fails "
              "(below)", file=sys.stderr)
    for chapter, diffs in result.changed.items():
        print(f"{chapter}: outputs changed; golden notebook NOT updated:", file=sys.stderr)
        for d in diffs:
            print(f"  {d}", file=sys.stderr)
        print(f"  review these, then run `reviewbuild notebooks accept {chapter}`",
              file=sys.stderr)
    for heading, found in (("a claim fails; golden notebook NOT written", result.failed),
                           ("its golden notebook records a failing claim", result.recorded)):
        for chapter, failed in found.items():
            print(f"{chapter}: {heading}:", file=sys.stderr)
            for f in failed:
                print(f"  {f}", file=sys.stderr)
            print(f"  {verdicts.ADVICE} {chapter}, then run `reviewbuild notebooks build`",
                  file=sys.stderr)
    return 1 if result.changed or result.failed or result.recorded else 0


def handle_build(args: argparse.Namespace) -> int:
    return _report(build(project_root(), args.chapters, accept=False, force=args.force,
                         jobs=args.jobs))


def handle_accept(args: argparse.Namespace) -> int:
    return _report(build(project_root(), args.chapters, accept=True, force=args.force,
                         jobs=args.jobs))


def handle_remove(args: argparse.Namespace) -> int:
    for what in remove(project_root(), args.names):
        print(f"{what}: removed")
    return 0


def handle_status(args: argparse.Namespace) -> int:
    root = project_root()
    require_structure(root)
    manifest = cache.load_manifest(root)
    bad = 0
    for what in orphans(root):
        print(f"{what}: no chapter with Python cells in _quarto.yml has its name (if that "
              f"chapter is gone: `reviewbuild notebooks remove {Path(what.split()[-1]).stem}`)")
        bad += 1
    for chapter in cache.python_chapters(root):
        problem = golden.sync_problem(root, chapter)
        reasons = cache.changes(root, chapter, manifest.get(chapter))
        failed = [] if problem else verdicts.recorded(root, chapter)
        state = (problem.split(": ", 1)[1] if problem else
                 "; ".join(reasons + failed) if reasons or failed else "up to date")
        bad += bool(problem or reasons or failed)
        print(f"{chapter}: {state}")
    return 1 if bad else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notebooks", help="golden notebooks for nbval (build, accept, status)")
    nsub = p.add_subparsers(dest="notebooks_command", required=True, metavar="ACTION")
    for name, handler, text in [
        ("build", handle_build, "execute chapters whose inputs changed; write new golden "
                                "notebooks, list changed outputs without writing them"),
        ("accept", handle_accept, "execute chapters whose inputs changed and write their "
                                  "golden notebooks even if outputs changed (after review)"),
    ]:
        q = nsub.add_parser(name, help=text)
        q.add_argument("chapters", nargs="*", help="chapter files or stems (default: all)")
        q.add_argument("--force", action="store_true",
                       help="execute even if inputs unchanged" + (
                           "; outputs that changed are listed, not written (use accept)"
                           if name == "build" else ""))
        q.add_argument("-j", "--jobs", type=int, default=None,
                       help="chapters executed at once (default: REVIEWBUILD_JOBS, else the "
                            "number of cores); report chapters run after the others")
        q.set_defaults(handler=handler)
    s = nsub.add_parser("status", help="which golden notebooks are stale, and why")
    s.set_defaults(handler=handle_status)
    r = nsub.add_parser("remove", help="delete the golden notebook and manifest entry of a "
                                       "chapter no longer in _quarto.yml")
    r.add_argument("names", nargs="+", help="chapter stems or golden notebook names")
    r.set_defaults(handler=handle_remove)

