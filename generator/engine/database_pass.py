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

import marshal
import multiprocessing
import shutil
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
from generator.engine.workers import die_with_parent
from generator.files import write_atomically
from generator.urls import Urls

FOLDER = "database"


@dataclass(frozen=True, slots=True)
class Published:
    """The database file to publish, and its version (its signature in the output)."""

    path: str  # site-relative: data/cables.db
    file: Path  # the cache's copy
    version: bytes


def sync_database(
    cache: Path, job: RenderJob, keys: Collection[str] | None, *, clean: bool, published: Path
) -> Published | None:
    """Bring one of the cache's two databases in step with `job.archive`; what to publish.

    `keys` are the entries that may have changed (None: any of them, or
    any may have gone). `published` is the site's file. None when the
    database cannot be written (a warning is the caller's): an incremental
    build keeps the published file, a new tree goes without it.

    Two slots (``database/a``, ``database/b``), because the site's file is a
    hard link to one of them: the pass writes the other one, which the
    site does not hold, and publishing it is a link and a rename, not a
    copy of the whole file. Each slot records the keys the other one was
    brought in step with since it was last written (``behind``), so that a
    quick rebuild brings it in step with those and its own, not with
    everything.
    """
    folder = cache / FOLDER
    target, other = _slots(folder, published)
    try:
        target.mkdir(parents=True, exist_ok=True)
        behind = None if keys is None else _behind(target)
        wanted = None if keys is None or behind is None else {*keys, *behind}
        applied = None if clean else _caught_up(*_files(target), job, wanted)
        if applied is None and not clean and _copy_slot(other, target):
            # (this slot lost, the other one sound: a copy, then every digest compared)
            applied = _caught_up(*_files(target), job, None)
        if applied is None:
            _fill_anew(*_files(target), job)
            # Both slots alike, so that the next build does not copy or fill.
            _copy_slot(target, other)
            _set_behind(other, set())
        else:
            _add_behind(other, applied)
        _set_behind(target, set())
        with open_database(*_files(target)) as database:
            version = database.version()
    except (sqlite3.Error, OSError):
        return _fill_outside_cache(job, published)
    shutil.rmtree(_outside_cache(published), ignore_errors=True)
    return Published(Urls.database, _files(target)[0], version)


def _outside_cache(published: Path) -> Path:
    """Where the database is made when the cache cannot hold it: beside the site
    folder (``.site.database``), which the build's lock covers."""
    site = published.parent.parent
    return site.with_name(f".{site.name}.database")


def _fill_outside_cache(job: RenderJob, published: Path) -> Published | None:
    """The database made anew outside the cache, whose slots failed: the cache may
    be deleted at any time, even during this pass, and the build must still
    publish a whole database rather than a site without one. The folder is
    removed by the next build whose slots work (the site's file, a hard link,
    keeps its bytes)."""
    folder = _outside_cache(published)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        _fill_anew(*_files(folder), job)
        with open_database(*_files(folder)) as database:
            version = database.version()
    except (sqlite3.Error, OSError):
        return None
    return Published(Urls.database, _files(folder)[0], version)


def _slots(folder: Path, published: Path) -> tuple[Path, Path]:
    """The slot to write (the one the site's file is not a link to), and the other."""
    a, b = folder / "a", folder / "b"
    try:
        shown = published.stat()
        in_a = (folder / "a" / "cables.db").stat()
        if (shown.st_dev, shown.st_ino) == (in_a.st_dev, in_a.st_ino):
            return b, a
    except OSError:
        pass
    return a, b


def _copy_slot(source: Path, target: Path) -> bool:
    """`source`'s database copied into `target` (new files renamed in); False when
    `source` has no database that opens."""
    database = _open_existing(*_files(source))
    if database is None:
        return False
    database.db.close()
    target.mkdir(parents=True, exist_ok=True)
    # The side file first, as _fill_anew: a pair check refuses a half-copied slot.
    for name in ("made.db", "cables.db"):
        new = target / ("new-" + name)
        shutil.copyfile(source / name, new)
        new.replace(target / name)
    return True


def _files(slot: Path) -> tuple[Path, Path]:
    return slot / "cables.db", slot / "made.db"


def _behind(slot: Path) -> set[str] | None:
    """The keys the other slot was brought in step with since this one was written
    (None: unknown, every digest is compared)."""
    try:
        return set(marshal.loads((slot / "behind").read_bytes()))
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _set_behind(slot: Path, keys: set[str] | None) -> None:
    path = slot / "behind"
    if keys is None:
        path.unlink(missing_ok=True)
    else:
        slot.mkdir(parents=True, exist_ok=True)
        write_atomically(path, marshal.dumps(sorted(keys)))


def _add_behind(slot: Path, applied: Collection[str] | None) -> None:
    """The other slot now lacks what was applied here (unknown after a fill: None)."""
    if not slot.exists():
        return
    before = _behind(slot)
    _set_behind(slot, None if applied is None or before is None else before | set(applied))


def _caught_up(
    master: Path, side: Path, job: RenderJob, keys: Collection[str] | None
) -> list[str] | None:
    """The keys whose rows were written to bring the database in step; None when it
    cannot be used (missing, damaged, another schema, a damaged side file): it is then
    made anew."""
    database = _open_existing(master, side)
    if database is None:
        return None
    with database:
        try:
            return _catch_up(database, job, keys)
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


def _catch_up(database: Database, job: RenderJob, keys: Collection[str] | None) -> list[str]:
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
    return [*stale, *removed]


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
    published = run.output / Urls.database
    return _copies_of(
        run, sync_database(run.cache, job, keys, clean=run.options.clean, published=published)
    )


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
        path, version = answer.split("\0")
        return _copies_of(self.run, Published(Urls.database, Path(path), bytes.fromhex(version)))


def _child(run: Run, job: RenderJob, keys: Collection[str] | None, answers: Connection) -> None:
    """The forked process: the pass, then its answer (the version, "" when it failed)."""
    # A build killed outright must not leave this process writing the cache's
    # database beside the next build (it also holds the build's lock).
    die_with_parent()
    published = sync_database(
        run.cache, job, keys, clean=run.options.clean, published=run.output / Urls.database
    )
    answers.send("" if published is None else f"{published.file}\0{published.version.hex()}")
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
