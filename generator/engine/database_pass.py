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
import os
import pickle
import shutil
import sqlite3
from collections.abc import Collection, Iterator, Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

import zstandard

from generator.archive import Archive
from generator.database import (
    CableText,
    Database,
    PlainValues,
    cable_text,
    completed,
    open_database,
    plain_values,
    row_from,
    row_of,
)
from generator.database.rows import CableRow, entry_digest, values_digest
from generator.database.schema import fill_order
from generator.database.writer import StoredTexts
from generator.engine.cache import PACKS
from generator.engine.discover import Reader, Source
from generator.engine.parsecache import BlobRef, PackReader, compress, decompress
from generator.engine.read_pass import read_normalised
from generator.engine.render_pass import RenderJob, cables_of
from generator.engine.rewrite import Copy
from generator.engine.run import Run
from generator.engine.state import SourceState
from generator.engine.workers import die_with_parent
from generator.files import write_atomically
from generator.model import Cable, Problem
from generator.urls import Urls

FOLDER = "database"


@dataclass(frozen=True, slots=True)
class NotWritten:
    """Why the database could not be written (the warning says it)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Published:
    """The database file to publish, and its version (its signature in the output)."""

    path: str  # site-relative: data/cables.db
    file: Path  # the cache's copy
    version: bytes
    # After a fill: the slot filled and the other one, still to be made its copy
    # (see mirror_slots); None when nothing is left to do.
    mirror: tuple[Path, Path] | None = None


def sync_database(
    cache: Path,
    cables: CableRows,
    keys: Collection[str] | None,
    *,
    clean: bool,
    published: Path,
    mirror_later: bool = False,
) -> Published | NotWritten:
    """Bring one of the cache's two databases in step with the archive's `cables`; what
    to publish.

    `keys` are the entries that may have changed (None: any of them, or
    any may have gone). `published` is the site's file. NotWritten when the
    database cannot be written (a warning is the caller's): an incremental
    build keeps the published file, a new tree goes without it.

    Two slots (``database/a``, ``database/b``), because the site's file is a
    hard link to one of them: the pass writes the other one, which the
    site does not hold, and publishing it is a link and a rename, not a
    copy of the whole file. Each slot records the keys the other one was
    brought in step with since it was last written (``behind``), so that a
    quick rebuild brings it in step with those and its own, not with
    everything. While this slot is written, the other one's record says
    "unknown" (every digest compared when it is next written), so that a
    build killed meanwhile never leaves it believing it lacks less than it
    does.

    After a fill, the other slot is made a copy of this one, so that the
    next build neither copies nor fills: here, or (`mirror_later`) by
    `mirror_slots` once the file is published, off the build's critical
    path (2 GB at 251,052 cables).
    """
    folder = cache / FOLDER
    target, other = _slots(folder, published)
    mirror = None
    try:
        target.mkdir(parents=True, exist_ok=True)
        behind = None if keys is None else _behind(target)
        wanted = None if keys is None or behind is None else {*keys, *behind}
        other_behind = _behind(other)
        _set_behind_if_there(other, None)
        applied = None if clean else _caught_up(*_files(target), cables, wanted)
        if applied is None and not clean and _copy_slot(other, target):
            # (this slot lost, the other one sound: a copy, then every digest compared)
            applied = _caught_up(*_files(target), cables, None)
        if applied is None:
            _fill_anew(*_files(target), cables)
            mirror = (target, other)
        elif other_behind is not None:
            _set_behind_if_there(other, other_behind | set(applied))
        _set_behind(target, set())
        with open_database(*_files(target)) as database:
            version = database.version()
    except (sqlite3.Error, OSError) as error:
        return _fill_outside_cache(cables, published, error)
    shutil.rmtree(_outside_cache(published), ignore_errors=True)
    found = Published(Urls.database, _files(target)[0], version, mirror)
    if mirror_later:
        return found
    mirror_slots(found)
    return Published(Urls.database, found.file, version)


def mirror_slots(published: Published) -> None:
    """The other slot made a copy of the one just filled (both slots alike: the next
    build neither copies nor fills). A failure leaves it "unknown", which is sound."""
    if published.mirror is None:
        return
    filled, other = published.mirror
    try:
        if _copy_slot(filled, other):
            _set_behind(other, set())
    except OSError:
        pass


def _outside_cache(published: Path) -> Path:
    """Where the database is made when the cache cannot hold it: beside the site
    folder (``.site.database``), which the build's lock covers."""
    site = published.parent.parent
    return site.with_name(f".{site.name}.database")


def _fill_outside_cache(
    cables: CableRows, published: Path, failed: Exception
) -> Published | NotWritten:
    """The database made anew outside the cache, whose slots failed: the cache may
    be deleted at any time, even during this pass, and the build must still
    publish a whole database rather than a site without one. The folder is
    removed by the next build whose slots work (the site's file, a hard link,
    keeps its bytes)."""
    folder = _outside_cache(published)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        _fill_anew(*_files(folder), cables)
        with open_database(*_files(folder)) as database:
            version = database.version()
    except (sqlite3.Error, OSError) as error:
        return NotWritten(f"{_reason(failed)}; beside the site: {_reason(error)}")
    return Published(Urls.database, _files(folder)[0], version)


def _reason(error: Exception) -> str:
    """An error as a warning says it: an OSError's message and file, SQLite's message."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    return str(error) or type(error).__name__


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


def _set_behind_if_there(slot: Path, keys: set[str] | None) -> None:
    """`_set_behind` for a slot that exists (a missing one is made when needed)."""
    if slot.exists():
        _set_behind(slot, keys)


def _caught_up(
    master: Path, side: Path, cables: CableRows, keys: Collection[str] | None
) -> list[str] | None:
    """The keys whose rows were written to bring the database in step; None when it
    cannot be used (missing, damaged, another schema, a damaged side file, a text the
    parse cache no longer holds): it is then made anew."""
    database = _open_existing(master, side, cables.stored_text)
    if database is None:
        return None
    with database:
        try:
            return _catch_up(database, cables, keys)
        except (
            sqlite3.Error, LookupError, ValueError, TypeError, EOFError, zstandard.ZstdError
        ):  # fmt: skip
            return None


def _open_existing(master: Path, side: Path, texts: StoredTexts | None = None) -> Database | None:
    if not (master.is_file() and side.is_file()):
        return None
    try:
        return open_database(master, side, texts=texts)
    except (sqlite3.Error, OSError):
        return None


def packs_in_use(cache: Path) -> set[str]:
    """The parse cache's packs that the cache's databases keep texts in (see
    schema.SIDE_TABLES): kept while they do, whatever the build state says. A
    slot that lags behind the other still needs the blobs of the cables as they
    were before the edits it lacks, to take their entries out of its index. A
    side file that cannot be read counts for nothing: its slot cannot be brought
    in step, and is made anew."""
    packs: set[str] = set()
    for slot in ("a", "b"):
        side = cache / FOLDER / slot / "made.db"
        if not side.is_file():
            continue
        try:
            with closing(sqlite3.connect(f"file:{side}?mode=ro", uri=True)) as db:
                packs.update(
                    name
                    for (name,) in db.execute(
                        "SELECT DISTINCT pack FROM made WHERE pack IS NOT NULL"
                    )
                )
        except sqlite3.Error:
            continue
    return packs


def _fill_anew(master: Path, side: Path, cables: CableRows) -> None:
    """Every cable's rows into new files, renamed over the old ones when complete."""
    filled = master.with_name("filling-" + master.name)
    new_master = master.with_name("new-" + master.name)
    new_side = side.with_name("new-" + side.name)
    try:
        with open_database(filled, new_side, fresh=True) as database:
            database.db.execute("PRAGMA synchronous = OFF")
            database.fill(cables.numbered_rows())
            # Packed into the file to publish (a reader downloading it should not pay
            # for the free pages the index's merge left, nor half-full ones): written
            # once, where VACUUM writes a packed copy and then copies it back.
            new_master.unlink(missing_ok=True)
            database.db.execute("VACUUM INTO ?", (str(new_master),))
    finally:
        filled.unlink(missing_ok=True)
    # The side file first: a master left older than its side file fails its pair check.
    new_side.replace(side)
    new_master.replace(master)


def numbered(
    order: list[tuple[int, str]], rows: Iterator[CableRow]
) -> Iterator[tuple[int, CableRow]]:
    """The rows of a fill with their numbers (`order`, which the rows follow)."""
    for (n, key), row in zip(order, rows, strict=True):
        if row.key != key:  # (a bug, not a user's error)
            raise ValueError(f"the fill's rows are out of order: {row.key}, not {key}")
        yield n, row


def _catch_up(database: Database, cables: CableRows, keys: Collection[str] | None) -> list[str]:
    # (A quick rebuild reads only its few keys' digests, not 250,000 of them.)
    made = database.made(keys)
    present = cables.keys()
    if keys is None:
        wanted: Collection[str] = present
        removed = sorted(made.keys() - present)
    else:
        wanted = [key for key in keys if key in present]
        removed = sorted(key for key in keys if key not in present and key in made)
    stale = sorted(key for key in wanted if made.get(key) != cables.digest(key))
    if stale or removed:
        database.update(cables.rows(stale), removed)
    return [*stale, *removed]


class CableRows(Protocol):
    """The archive's cables as the database pass reads them: their keys, the digest
    each one's rows are made from, the rows (in the order of the keys given), every
    cable's rows with its number in a new database, in number order
    (`schema.fill_order`), and a text the parse cache keeps (`writer.StoredTexts`,
    to delete rows made from it)."""

    def keys(self) -> Collection[str]: ...

    def numbered_rows(self) -> Iterator[tuple[int, CableRow]]: ...

    def digest(self, key: str) -> bytes: ...

    def rows(self, keys: list[str]) -> Iterator[CableRow]: ...

    def stored_text(self, ref: BlobRef) -> CableText | None: ...


def _stored_text(packs: PackReader, ref: BlobRef) -> CableText | None:
    """The text of the cable the parse cache keeps at `ref` (None when it cannot)."""
    stored = packs.read(ref)
    if stored is None:
        return None
    try:
        return cable_text(pickle.loads(stored[0]))
    except Exception:  # (a damaged pickle can raise nearly anything: see PackReader.read)
        return None


class ArchiveRows:
    """The rows read from the archive's entries: in the build process (a quick rebuild's)."""

    def __init__(self, job: RenderJob) -> None:
        self.job = job

    def keys(self) -> Collection[str]:
        return self.job.archive.entries.keys()

    def digest(self, key: str) -> bytes:
        return entry_digest(self.job.archive.entries[key])

    def numbered_rows(self) -> Iterator[tuple[int, CableRow]]:
        order = _archive_fill_order(self.job.archive)
        return numbered(order, self.rows([key for _, key in order]))

    def stored_text(self, ref: BlobRef) -> CableText | None:
        packs = self.job.packs
        return _stored_text(packs, ref) if packs is not None else None

    def rows(self, keys: list[str]) -> Iterator[CableRow]:
        """The rows of these entries, in the keys' order (a fill's: see numbered_rows);
        their cables read a source at a time, a chunk of keys at a time."""
        job = self.job
        entries = job.archive.entries
        for start in range(0, len(keys), _PLAN_CHUNK):
            chunk = [entries[key] for key in keys[start : start + _PLAN_CHUNK]]
            by_source: dict[str, list[int]] = {}
            for entry in chunk:
                by_source.setdefault(entry.source, []).append(entry.ordinal)
            cables = {
                (source, ordinal): found[0]
                for source, ordinals in by_source.items()
                for ordinal, found in cables_of(job, source, ordinals).items()
            }
            for entry in chunk:
                yield row_of(entry, cables[entry.source, entry.ordinal])


# Cables per marshalled chunk of a plan: what the database process holds as
# objects at a time (about 300 KB marshalled).
_PLAN_CHUNK = 1024


def _archive_fill_order(archive: Archive) -> list[tuple[int, str]]:
    """(number, key) of every cable of `archive` in a new database, in number order."""
    entries = archive.entries
    return fill_order((key, entries[key].created) for key in sorted(entries))


class _FileParsedAgain:
    """The cables of a file parsed again, the last file kept (a container file's
    cables follow each other in a plan, so it is parsed once for all of them)."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._last: tuple[str, list[Cable]] | None = None

    def cables(self, source: Source) -> list[Cable]:
        if self._last is None or self._last[0] != source.location:
            self._last = (source.location, list(read_normalised(source, _ignored, self._reader)))
        return self._last[1]


# A planned cable: its number in a new database (see fill_order), its
# entry's plain values (the database process completes them with its page's
# URL and the rows' digest: made by the build process, they were half of the
# plan's cost, 1.4 of 3.0 s of its serial work at 251,052 cables), and where
# its text is: its parsed cable's blob in the
# parse cache, or (when the cache has none) the text's values; and its file
# and position there, to parse it again should the cache be deleted
# meanwhile (it may be, at any time).
_Planned = tuple[int, PlainValues, BlobRef | None, CableText | None, str, int]


def plan_rows(
    archive: Archive,
    states: Mapping[str, SourceState],
    sources: Mapping[str, Source],
    reader: Reader,
) -> Iterator[bytes]:
    """What every cable's rows are made of, in a new database's order (its numbers, see
    fill_order), as marshalled chunks (in the build process, for the database process:
    see PlannedRows). Made from the archive alone, so that it can be sent as soon as
    the archive is assembled, before the pages are planned."""
    entries = archive.entries
    refs: dict[str, tuple[BlobRef | None, ...]] = {}  # each source's blobs, read once
    again = _FileParsedAgain(reader)
    order = _archive_fill_order(archive)
    for start in range(0, len(order), _PLAN_CHUNK):
        chunk: list[_Planned] = []
        for n, key in order[start : start + _PLAN_CHUNK]:
            entry = entries[key]
            blobs = refs.get(entry.source)
            if blobs is None:
                blobs = refs[entry.source] = states[entry.source].blob_refs()
            ref = blobs[entry.ordinal] if entry.ordinal < len(blobs) else None
            source = sources[entry.source]
            text = None
            if ref is None:  # (a reader other than the parser: nothing in the cache)
                text = cable_text(again.cables(source)[entry.ordinal])
            chunk.append((n, plain_values(entry), ref, text, source.location, entry.ordinal))
        yield marshal.dumps(chunk)


class PlannedRows:
    """Every cable's rows from a plan (`plan_rows`) and the parse cache.

    For the database process of a full pass, which must not read the
    archive's objects: it is forked before there is an archive, while the
    build process is small, and gets this plan through a pipe. Forked later
    from the full build process, it shared that process's pages, and every
    page either process then wrote (reading an object writes its reference
    count) became a page of its own: 560 MB of private memory at 251,052
    cables, which put the build over its memory bound.

    The plan is kept compressed (`add`, as the parse cache compresses), and
    a fill reads it once, in its order, keeping nothing but the chunk at
    hand, where it once first listed every cable's number and key and made
    a set of the keys: at 251,052 cables the plan is 82 MB marshalled,
    29 MB compressed (0.4 s of this process's CPU), and a fill from it alone
    peaked at 168 MB of RSS instead of 253 MB, in a process that runs beside
    two render workers when the build's memory peaks.
    """

    def __init__(self, packs: PackReader, reader: Reader) -> None:
        self._chunks: list[bytes] = []
        self._packs = packs
        self._reader = reader
        self._digests: dict[str, bytes] | None = None
        self._again = _FileParsedAgain(reader)

    def add(self, chunk: bytes) -> None:
        """The plan's next chunk (marshalled, as `plan_rows` makes them)."""
        self._chunks.append(compress(chunk))

    def _planned(self) -> Iterator[list[_Planned]]:
        for chunk in self._chunks:
            yield marshal.loads(decompress(chunk))

    def _digest_of(self) -> dict[str, bytes]:
        if self._digests is None:
            self._digests = {
                values[1]: values_digest(values)
                for chunk in self._planned()
                for _, values, *_ in chunk
            }
        return self._digests

    def numbered_rows(self) -> Iterator[tuple[int, CableRow]]:
        """(The plan's order, which is a fill's.)"""
        for chunk in self._planned():
            for n, *planned in chunk:
                yield n, self._row(*planned)

    def keys(self) -> Collection[str]:
        return self._digest_of().keys()

    def stored_text(self, ref: BlobRef) -> CableText | None:
        return _stored_text(self._packs, ref)

    def digest(self, key: str) -> bytes:
        return self._digest_of()[key]

    def rows(self, keys: list[str]) -> Iterator[CableRow]:
        """The rows of these cables, in the plan's order (a fill's: see numbered_rows)."""
        wanted = set(keys)
        for chunk in self._planned():
            for _, values, ref, text, location, ordinal in chunk:
                if values[1] in wanted:
                    yield self._row(values, ref, text, location, ordinal)

    def _row(
        self,
        values: PlainValues,
        ref: BlobRef | None,
        text: CableText | None,
        location: str,
        ordinal: int,
    ) -> CableRow:
        kept = None  # (where the parse cache keeps the text, when it does)
        if text is None:
            text = self.stored_text(ref) if ref is not None else None
            if text is not None:
                kept = ref
            else:  # the cache was deleted since the build read the file
                text = cable_text(self._parsed_again(values, location, ordinal))
        return row_from(completed(values), text, kept)

    def _parsed_again(self, values: PlainValues, location: str, ordinal: int) -> Cable:
        """The cable parsed again from its file (a container file parsed once for the
        cables of it that follow each other)."""
        cables = self._again.cables(Source(location, values[10]))
        if ordinal >= len(cables) or cables[ordinal].id != values[0]:
            # (OSError: the pass's own failure, a warning and a site without the database)
            raise OSError(f"{values[10]} changed during the build; build again")
        return cables[ordinal]


def _ignored(problem: Problem) -> None:
    """(A file parsed again: its problems were reported when the build read it.)"""


def database_copies(run: Run, job: RenderJob, keys: Collection[str] | None) -> dict[str, Copy]:
    """The database brought in step, as the rewrite step's copies."""
    published = run.output / Urls.database
    database = sync_database(
        run.cache, ArchiveRows(job), keys, clean=run.options.clean, published=published
    )
    return _copies_of(run, database)


# How much lower than the build process the render workers run while the
# database process fills (os.nice's increment): enough for it to take a
# core whenever it wants one (at 5 a worker weighs a third of it).
RENDER_NICENESS = 5
# The database process's niceness once it has answered (see _child).
MIRROR_NICENESS = 19


class DatabaseProcess:
    """The database pass of a full pass, in a process of its own beside the render.

    Filling the database of 250,000 cables is about 45 s of CPU, mostly
    SQLite's; the build process would otherwise do it alone while the render
    workers wait, or the workers render while it waits. The render workers
    yield to it meanwhile (`render_niceness`). The process is forked
    when the full pass starts, while the build process is still small (see
    PlannedRows: forked once the archive was made, it came to hold a copy of
    most of it), and waits for its plan: `start` sends it once the archive
    is assembled, and the process fills the cache's database files, which
    nothing else touches until `copies` has waited for its answer (the
    version, through a pipe). `close` ends it whatever happened: without a
    plan it exits at once; a fill writes new files renamed when complete and
    an update is a transaction, so a build that fails meanwhile never
    leaves a half-written database.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        context = multiprocessing.get_context("fork")  # (as the render workers: see workers.py)
        self._answers, answering = context.Pipe(duplex=False)
        planned, self._plan = context.Pipe(duplex=False)
        self._process: BaseProcess | None = context.Process(
            target=_child, args=(run, planned, answering, (self._plan, self._answers)), daemon=True
        )
        self._process.start()
        answering.close()
        planned.close()

    @property
    def render_niceness(self) -> int:
        """How much lower the render workers should run while this process fills the
        database (see render_pass.render_pages): lower, while it is there."""
        return RENDER_NICENESS if self._process is not None else 0

    def start(
        self,
        archive: Archive,
        states: Mapping[str, SourceState],
        sources: Mapping[str, Source],
        reader: Reader,
    ) -> None:
        """Send the process its plan: every cable of `archive` (see plan_rows)."""
        try:
            for chunk in plan_rows(archive, states, sources, reader):
                self._plan.send_bytes(chunk)
            self._plan.send_bytes(b"")  # the end of the plan
        except OSError:  # the process died: `copies` says the database was not written
            pass
        finally:
            self._plan.close()

    def __enter__(self) -> DatabaseProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """The process reaped: after its answer it still makes the other slot a copy
        (`mirror_slots`), which the build's end waits for, holding the lock."""
        self._plan.close()
        self._answers.close()
        process, self._process = self._process, None
        if process is not None:
            process.join()

    def _answer(self) -> str | None:
        """The process's answer; None when it ended without one."""
        self._plan.close()
        if self._answers.closed:
            return None
        try:
            return self._answers.recv() if self._answers.poll(None) else None
        except (EOFError, OSError):
            return None
        finally:
            self._answers.close()

    def copies(self) -> dict[str, Copy]:
        answer = self._answer()
        if not answer:
            return _copies_of(self.run, NotWritten("its process ended without an answer"))
        if answer.startswith("!"):
            return _copies_of(self.run, NotWritten(answer[1:]))
        path, version = answer.split("\0")
        return _copies_of(self.run, Published(Urls.database, Path(path), bytes.fromhex(version)))


def _child(
    run: Run, planned: Connection, answers: Connection, parents: tuple[Connection, ...]
) -> None:
    """The forked process: its plan, the pass, then its answer (the file and its
    version, or "!" and why it failed); nothing when the build ended before sending a
    plan."""
    # A build killed outright must not leave this process writing the cache's
    # database beside the next build (it also holds the build's lock).
    die_with_parent()
    # The build process's ends of the pipes, copied by the fork: with the plan's
    # writing end open here, the end of the plan would never come.
    for end in parents:
        end.close()
    with closing(PackReader(run.cache / PACKS)) as packs:
        rows = PlannedRows(packs, run.reader)
        try:
            while chunk := planned.recv_bytes():
                rows.add(chunk)
        except (EOFError, OSError):
            return
        planned.close()
        published = sync_database(
            run.cache,
            rows,
            None,
            clean=run.options.clean,
            published=run.output / Urls.database,
            mirror_later=True,
        )
    try:
        if isinstance(published, NotWritten):
            answers.send("!" + published.reason)
        else:
            answers.send(f"{published.file}\0{published.version.hex()}")
        answers.close()
    except OSError:  # (the build ended without asking: the mirror is still worth making)
        pass
    if isinstance(published, Published):
        # Nothing waits for the mirror but the build's end, after the render and
        # the state's saving, serial steps that leave a core idle: at the lowest
        # priority it takes that core, not the render workers' (at 251,052 cables
        # it is 2 GB copied, 10 s of CPU, which at the fill's priority came out of
        # the render).
        _lowest_priority()
        mirror_slots(published)


def _lowest_priority() -> None:
    """This process at the lowest priority (where the system has one)."""
    if hasattr(os, "nice"):
        with suppress(OSError):
            os.nice(MIRROR_NICENESS - os.nice(0))


def _copies_of(run: Run, published: Published | NotWritten) -> dict[str, Copy]:
    if isinstance(published, NotWritten):
        run.tell(
            "warning: the archive database could not be written "
            f"({published.reason}); the site is without it"
        )
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
