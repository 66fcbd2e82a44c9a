"""Rendering the pages that need it, in worker processes (the render of the rewrite step).

Everything a page needs is metadata from the archive, except a cable
page's cable (and the feed's summaries): those come from the parse cache,
or, when a cable is not there, from parsing its source again, one read
per source file whatever the number of its cables. Tasks are chunks of
source files (for cable pages) or of pages (for the rest); a worker writes
each page through the build's output writer and sends back only whether
the file changed (a byte per page, in the task's order: the build knows
the paths), so page bytes never cross processes.
"""

from __future__ import annotations

import html
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from generator.archive import Archive
from generator.engine.discover import Reader, Source
from generator.engine.parsecache import PackReader
from generator.engine.read_pass import read_normalised
from generator.engine.state import SourceState
from generator.engine.workers import run_tasks
from generator.errors import UserError, failure
from generator.model import Cable, Problem
from generator.render.pages import Renderer
from generator.site.plan import Page
from generator.urls import output_file

# Cable pages per task, and other pages per task (an index page costs
# about twice a cable page).
CABLE_CHUNK = 64
PAGE_CHUNK = 32
# Fewer pages than this are rendered here: forking workers that inherit a
# large archive costs more than rendering a few pages (a preview's save).
SERIAL_BELOW = 100
# Tasks a render worker does before a fresh fork replaces it (see run_tasks).
# A worker's copy-on-write pages become private as it reads the entries its
# pages show (reading an object writes its reference count), the more so
# the larger the archive: at 251,052 cables, 64 tasks (4,096 cable pages)
# took each worker to about 147 MB of private memory while the database
# process filled beside it, where the build's memory peaks; 32 tasks
# (2,048 pages, about 120 forks in all for 250,000 cables) took them to
# 81-92 MB, and the tree's peak PSS from 1,506-1,512 to 1,341 MB (with the
# database process's compressed plan) for no more time. An index page reads
# 50 entries from all over the archive: 16 tasks (512 pages) for those.
RECYCLE = 32
RECYCLE_INDEXES = 16


class Writer(Protocol):
    """What render workers write through (:mod:`generator.engine.output`)."""

    def put(self, path: str, data: bytes) -> bool: ...


@dataclass(slots=True)
class RenderJob:
    """What a render task needs, set before the workers fork (they inherit it)."""

    renderer: Renderer
    pages: Sequence[Page]
    archive: Archive
    states: Mapping[str, SourceState]
    sources: Mapping[str, Source]
    reader: Reader
    packs: PackReader | None
    output: Writer
    # Each page's output file, by page index, when the caller has them (else made here).
    files: Sequence[str] | None = None
    # A warning for each page whose render raised (the crash barrier), in page order.
    failures: list[Problem] = field(default_factory=list)
    # Their page indices: their signatures are not recorded, so the next build retries them.
    failed: list[int] = field(default_factory=list)


_JOB: RenderJob | None = None

# A task: ("cables", ((source, ((ordinal, page index), ...)), ...)) or ("pages", (index, ...))
Task = tuple[str, tuple]  # type: ignore[type-arg]
# Whether each page of a task changed its file, in the task's order, and
# (page index, what it raised) for each page that failed to render.
Done = tuple[bytes, tuple[tuple[int, str], ...]]


def render_pages(
    job: RenderJob,
    indices: Sequence[int],
    *,
    jobs: int = 1,
    advance: Callable[[int], None] | None = None,
    niceness: int = 0,
) -> Iterator[tuple[str, bool]]:
    """Render the pages at `indices`; yields (output file, whether its bytes changed).

    `niceness`: how much lower than the build process the workers run. A
    full pass fills the archive database in a process of its own meanwhile
    (`database_pass.DatabaseProcess`), one chain of work that no other
    process can share, where the render is split between workers: run
    first, it is done while the workers still have pages to share between
    both cores. At 251,052 cables, at the same priority it got 0.6 of a core
    and slowed the workers (a tenth more CPU each); at the lowest priority
    itself, it was left 38 s of work alone on one core after the pages.
    """
    global _JOB
    _JOB = job
    try:
        tasks = list(_tasks(job, indices))
        if len(indices) < SERIAL_BELOW:
            jobs = 1
        # Cable pages first, then the rest (the order _tasks gives), each with its own pool.
        cables = [task for task in tasks if task[0] == "cables"]
        others = [task for task in tasks if task[0] != "cables"]
        results = run_tasks(_render_task, cables, jobs, recycle=RECYCLE, niceness=niceness)
        yield from _collect(job, cables, results, advance)
        if job.failures:
            # The diagnostics pages list the failures: render them too (the
            # workers of the second pool fork now, and see the failures).
            others.extend(_diagnostics_tasks(job, indices))
        results = run_tasks(_render_task, others, jobs, recycle=RECYCLE_INDEXES, niceness=niceness)
        yield from _collect(job, others, results, advance)
    finally:
        _JOB = None


def _collect(
    job: RenderJob,
    tasks: Sequence[Task],
    results: Iterator[Done],
    advance: Callable[[int], None] | None,
) -> Iterator[tuple[str, bool]]:
    """(output file, whether its bytes changed) of each page of the tasks, in order."""
    for task, (done, failed) in zip(tasks, results, strict=True):
        indices = _task_pages(task)
        if job.files is None:
            paths = [output_file(job.pages[index].path) for index in indices]
        else:
            paths = [job.files[index] for index in indices]
        for index, what in failed:
            problem = _failure_problem(job, index, what)
            job.failures.append(problem)
            job.failed.append(index)
            if isinstance(job.renderer.diagnostics.problems, list):
                job.renderer.diagnostics.problems.append(problem)
        yield from zip(paths, map(bool, done), strict=True)
        if advance is not None:
            advance(len(done))


def _diagnostics_tasks(job: RenderJob, indices: Sequence[int]) -> list[Task]:
    asked = set(indices)
    wanted = [
        index
        for index, page in enumerate(job.pages)
        if page.kind in ("diagnostics", "warnings") and index not in asked
    ]
    return [("pages", tuple(wanted))] if wanted else []


def _tasks(job: RenderJob, indices: Sequence[int]) -> Iterator[Task]:
    by_source: dict[str, list[tuple[int, int]]] = {}
    others: list[int] = []
    for index in indices:
        page = job.pages[index]
        if page.kind == "cable":
            entry = job.archive.entries[page.subject]
            by_source.setdefault(entry.source, []).append((entry.ordinal, index))
        else:
            others.append(index)
    chunk: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    size = 0
    for source in job.sources:  # source order, so that files are read in order
        wanted = by_source.get(source)
        if not wanted:
            continue
        chunk.append((source, tuple(wanted)))
        size += len(wanted)
        if size >= CABLE_CHUNK:
            yield ("cables", tuple(chunk))
            chunk, size = [], 0
    if chunk:
        yield ("cables", tuple(chunk))
    for start in range(0, len(others), PAGE_CHUNK):
        yield ("pages", tuple(others[start : start + PAGE_CHUNK]))


def _task_pages(task: Task) -> list[int]:
    """The page indices of a task, in the order it renders them."""
    kind, items = task
    if kind == "cables":
        return [index for _, wanted in items for _, index in wanted]
    return list(items)


def _render_task(task: Task) -> Done:
    assert _JOB is not None
    kind, items = task
    failed: list[tuple[int, str]] = []
    if kind == "cables":
        done = [w for source, wanted in items for w in _render_source(source, wanted, failed)]
    else:
        done = [_render_page(index, failed) for index in items]
    return bytes(done), tuple(failed)


def _render_source(
    source: str, wanted: tuple[tuple[int, int], ...], failed: list[tuple[int, str]]
) -> list[bool]:
    assert _JOB is not None
    cables = cables_of(_JOB, source, [ordinal for ordinal, _ in wanted])
    done = []
    for ordinal, index in wanted:
        page = _JOB.pages[index]
        cable, raw = cables[ordinal]
        _check_same(page, cable, _JOB.archive, source)
        data = _guarded(index, failed, partial(_JOB.renderer.render, page, cable, raw))
        done.append(_JOB.output.put(output_file(page.path), data))
    return done


def _render_page(index: int, failed: list[tuple[int, str]]) -> bool:
    assert _JOB is not None
    page = _JOB.pages[index]

    def render() -> bytes:
        assert _JOB is not None
        extra = feed_cables(_JOB, page.members) if page.kind == "feed" else None
        return _JOB.renderer.render(page, extra)

    return _JOB.output.put(output_file(page.path), _guarded(index, failed, render))


def _guarded(index: int, failed: list[tuple[int, str]], render: Callable[[], bytes]) -> bytes:
    """The crash barrier: a page whose render raises is written as a page saying so.

    A user error (a template that does not compile, a file changed during
    the build) still stops the build: it is about the site, not one page.
    Anything else a parser or template raises for one cable is that page's
    warning (`failed`), and the rest of the site builds.
    """
    try:
        return render()
    except UserError:
        raise
    except Exception as err:  # the crash barrier
        what = failure(err)
        failed.append((index, what))
        return _failed_page(index, what)


def _failed_page(index: int, what: str) -> bytes:
    """A plain page (no template: the template may be what failed) saying what happened."""
    assert _JOB is not None
    page = _JOB.pages[index]
    name = html.escape(page.subject or page.path)
    diagnostics = html.escape(_JOB.renderer.urls.href("diagnostics/"))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{name}: could not be rendered</title></head>\n<body>\n"
        f"<h1>{name} could not be rendered</h1>\n"
        f"<p>Building this page failed: <code>{html.escape(what)}</code>.</p>\n"
        f'<p>The rest of the site was built; see the <a href="{diagnostics}">diagnostics</a>.</p>\n'
        "</body>\n</html>\n"
    ).encode()


def _failure_problem(job: RenderJob, index: int, what: str) -> Problem:
    """The warning for a page that could not be rendered, under its cable's source file."""
    page = job.pages[index]
    if page.kind == "cable":
        entry = job.archive.entries[page.subject]
        return Problem(entry.source, None, f"{entry.id}: page could not be rendered: {what}")
    return Problem(page.path, None, f"page could not be rendered: {what}")


def feed_cables(job: RenderJob, keys: Sequence[str]) -> dict[str, Cable]:
    """The cables of the feed's entries (it shows their summaries)."""
    wanted: dict[str, list[tuple[int, str]]] = {}
    for key in keys:
        entry = job.archive.entries[key]
        wanted.setdefault(entry.source, []).append((entry.ordinal, key))
    found: dict[str, Cable] = {}
    for source, items in wanted.items():
        cables = cables_of(job, source, [ordinal for ordinal, _ in items])
        for ordinal, key in items:
            found[key] = cables[ordinal][0]
    return found


def cables_of(
    job: RenderJob, source: str, ordinals: Sequence[int]
) -> dict[int, tuple[Cable, str | None]]:
    """The cables at these positions of a source, each with its raw text highlighted when
    the parse cache has it: from the parse cache, else parsed again."""
    found: dict[int, tuple[Cable, str | None]] = {}
    if job.packs is not None:
        blobs = job.states[source].blob_refs()
        for ordinal in ordinals:
            stored = job.packs.read(blobs[ordinal]) if ordinal < len(blobs) else None
            if stored is not None:
                pickled, raw = stored
                found[ordinal] = (pickle.loads(pickled), raw)
    missing = {o for o in ordinals if o not in found}
    if missing:
        for ordinal, cable in enumerate(read_normalised(job.sources[source], _ignore, job.reader)):
            if ordinal in missing:
                found[ordinal] = (cable, None)
    if len(found) < len(set(ordinals)):
        raise UserError(source, None, "file changed during the build; build again")
    return found


def _check_same(page: Page, cable: Cable, archive: Archive, source: str) -> None:
    # The parser is deterministic, so a mismatch means the file changed mid-build.
    if archive.entries[page.subject].id != cable.id:
        raise UserError(source, None, "file changed during the build; build again")


def _ignore(_: Problem) -> None:
    """Reading a source again meets the problems pass 1 already recorded."""
