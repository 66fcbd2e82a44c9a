"""The database pass: the archive database kept in step, then published with the pages.

The engine keeps the database in its cache folder (``database/cables.db``,
with its side file ``database/made.db``, :mod:`generator.database.writer`)
and the site gets a copy, ``data/cables.db``, staged and moved in by the
output writers like any changed file (:mod:`generator.engine.output`): the
published file is never written in place, so a reader (or a host serving
it) sees the old file or the new one, whole, and a failed build leaves the
published one as it was.

Which cables to write is decided from digests, not from the state: each
cable's rows record a digest of its entry (which holds its parsed text's
digest); a full pass compares every entry's with the recorded one, a quick
rebuild only those of the entries it changed. A database that cannot be
opened (missing, damaged, another schema) is made anew, as with
``--clean``. A build that changes no row publishes nothing: a no-op build
leaves ``data/cables.db`` untouched.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import zstandard

from generator.archive import Entry
from generator.database import Database, open_database, row_of
from generator.database.rows import CableRow, entry_digest
from generator.engine.render_pass import RenderJob, cables_of
from generator.engine.rewrite import Copy
from generator.engine.run import Run
from generator.urls import Urls

FOLDER = "database"


@dataclass(frozen=True, slots=True)
class Published:
    """The database file to publish, and its version (its signature in the output)."""

    path: str  # site-relative: data/cables.db
    file: Path  # the cache's copy
    version: bytes


def sync_database(
    cache: Path, job: RenderJob, keys: Collection[str] | None, *, clean: bool
) -> Published | None:
    """Bring the cache's database in step with `job.archive`; what to publish.

    `keys` are the entries that may have changed (None: any of them, or
    any may have gone). None when the database cannot be written (a
    warning is the caller's): an incremental build keeps the published file, a new
    tree goes without it.
    """
    folder = cache / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    master, side = folder / "cables.db", folder / "made.db"
    try:
        version = None if clean else _caught_up(master, side, job, keys)
        if version is None:
            _fill_anew(master, side, job)
            with open_database(master, side) as database:
                version = database.version()
    except (sqlite3.Error, OSError):
        return None
    return Published(Urls.database, master, version)


def _caught_up(
    master: Path, side: Path, job: RenderJob, keys: Collection[str] | None
) -> bytes | None:
    """The version of the cache's database once brought in step; None when it cannot be
    used (missing, damaged, another schema, a damaged side file): it is then made anew."""
    database = _open_existing(master, side)
    if database is None:
        return None
    with database:
        try:
            _catch_up(database, job, keys)
            return database.version()
        except (sqlite3.Error, ValueError, TypeError, EOFError, zstandard.ZstdError):
            return None


def _open_existing(master: Path, side: Path) -> Database | None:
    if not (master.is_file() and side.is_file()):
        return None
    try:
        return open_database(master, side)
    except (sqlite3.Error, OSError):
        return None


def _fill_anew(master: Path, side: Path, job: RenderJob) -> None:
    """Every cable's rows into new files, renamed over the old ones when complete."""
    new_master = master.with_name("new-" + master.name)
    new_side = side.with_name("new-" + side.name)
    with open_database(new_master, new_side, fresh=True) as database:
        database.db.execute("PRAGMA synchronous = OFF")
        database.fill(_rows(job, sorted(job.archive.entries)))
        # Merging the index's segments leaves about 40% of the pages free: a
        # reader downloading the file should not pay for them.
        database.db.execute("VACUUM")
    # The side file first: a master left older than its side file fails its pair check.
    new_side.replace(side)
    new_master.replace(master)


def _catch_up(database: Database, job: RenderJob, keys: Collection[str] | None) -> None:
    entries = job.archive.entries
    # (A quick rebuild reads only its few keys' digests, not 250,000 of them.)
    made = database.made(keys)
    if keys is None:
        wanted = entries.keys()
        removed = sorted(made.keys() - entries.keys())
    else:
        wanted = [key for key in keys if key in entries]
        removed = sorted(key for key in keys if key not in entries and key in made)
    stale = sorted(key for key in wanted if made.get(key) != entry_digest(entries[key]))
    if stale or removed:
        database.update(_rows(job, stale), removed)


def _rows(job: RenderJob, keys: list[str]) -> Iterator[CableRow]:
    """The rows of these entries, their cables read a source at a time."""
    entries = job.archive.entries
    by_source: dict[str, list[Entry]] = {}
    for key in keys:
        entry = entries[key]
        by_source.setdefault(entry.source, []).append(entry)
    for source, found in by_source.items():
        cables = cables_of(job, source, [entry.ordinal for entry in found])
        for entry in found:
            yield row_of(entry, cables[entry.ordinal][0])


def database_copies(run: Run, job: RenderJob, keys: Collection[str] | None) -> dict[str, Copy]:
    """The database brought in step, as the rewrite step's copies."""
    return _copies_of(run, sync_database(run.cache, job, keys, clean=run.options.clean))


class DatabaseProcess:
    """The database pass of a full pass, in a forked process while the pages render.

    Filling the database of 250,000 cables is a minute of CPU, mostly
    SQLite's; the build process would otherwise do it alone while the render
    workers wait, or the workers render while it waits. Forked once the
    render job is made (the child inherits the archive copy-on-write, as the
    workers do), it writes only the cache's database files, which nothing
    else touches until `copies` has waited for it; it reports the version
    through a pipe. `close` (after `copies`, or when the build failed) waits
    for the child whatever happened (a fill writes new files renamed when complete, an
    update is a transaction, so a build that fails meanwhile never leaves
    a half-written database).
    """

    def __init__(self, run: Run, job: RenderJob, keys: Collection[str] | None) -> None:
        self.run = run
        context = multiprocessing.get_context("fork")  # (as the render workers: see workers.py)
        self._answers, sender = context.Pipe(duplex=False)
        self._process: BaseProcess | None = context.Process(
            target=_child, args=(run, job, keys, sender), daemon=True
        )
        self._process.start()
        sender.close()

    def close(self) -> None:
        self._wait()

    def _wait(self) -> str | None:
        """The child's answer (None when it failed); the child reaped."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            answer = self._answers.recv() if self._answers.poll(None) else None
        except EOFError:
            answer = None
        self._answers.close()
        process.join()
        return answer if process.exitcode == 0 else None

    def copies(self) -> dict[str, Copy]:
        answer = self._wait()
        if not answer:
            return _copies_of(self.run, None)
        path = self.run.cache / FOLDER / "cables.db"
        return _copies_of(self.run, Published(Urls.database, path, bytes.fromhex(answer)))


def _child(run: Run, job: RenderJob, keys: Collection[str] | None, answers: Connection) -> None:
    """The forked process: the pass, then its answer (the version, "" when it failed)."""
    published = sync_database(run.cache, job, keys, clean=run.options.clean)
    answers.send("" if published is None else published.version.hex())
    answers.close()


def _copies_of(run: Run, published: Published | None) -> dict[str, Copy]:
    if published is None:
        run.tell("warning: the archive database could not be written; the site is without it")
        return {}
    old = run.output / published.path
    unchanged = published_version(old) == published.version
    return {published.path: Copy(published.file, published.version, unchanged)}


def published_version(path: Path) -> bytes | None:
    """The version of a published database (None when there is none, or it cannot be read):
    a full build that makes the same rows keeps the published file as it is."""
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return bytes.fromhex(found[0]) if found else None
    except (sqlite3.Error, ValueError):
        return None
