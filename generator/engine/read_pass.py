"""Pass 1 of a full pass: what every source file holds, reading only the files that changed.

A file is taken from the build state when its size and modification time
are the ones recorded; otherwise it is read and hashed, and taken from the
state when its bytes are the same (a ``touch``, a ``git checkout`` of the
same content); otherwise it is parsed. Parsing runs in worker processes, a
chunk of files per task; each worker writes the cables it parsed, with
their highlighted raw text, to the parse cache and sends back only their
records (:mod:`generator.archive.entry`).

A file whose modification time is within a couple of seconds of the scan
is recorded as untrusted (``mtime_ns = -1``): an edit in the same clock
tick would leave size and time unchanged, so next time it is hashed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from generator.archive.entry import pickle_cable, plain_entry_of
from generator.digests import hasher
from generator.engine.discover import (
    Identity,
    Inputs,
    Reader,
    Source,
    changed_at,
    parse_reader,
    read_source,
)
from generator.engine.parsecache import BlobRef, PackWriter, encode
from generator.engine.state import RACY_NS, SourceState
from generator.engine.workers import run_tasks
from generator.errors import failure
from generator.model import Cable, Problem
from generator.parse import read_cables, read_open_file
from generator.parse.formats.guards import special_kind
from generator.render.text import raw_html

# Files per task: enough to make a task's overhead (a few pickled tuples)
# negligible, few enough that both workers stay busy to the end.
CHUNK = 48
Advance = Callable[[int], None]
# Told each source's state, in source order, as soon as it is known (see read_sources).
Each = Callable[[str, SourceState], None]


def identities(sources: Iterable[Source]) -> dict[str, Identity]:
    """(size, modification time) of each source; (-1, -1) for a file that vanished."""
    found: dict[str, Identity] = {}
    for source in sources:
        try:
            info = os.stat(source.location)
            found[source.display] = (info.st_size, changed_at(info))
        except OSError:
            found[source.display] = (-1, -1)
    return found


@dataclass(slots=True)
class ReadResult:
    sources: dict[str, SourceState] = field(default_factory=dict)
    # The identities to record: the mtime is -1 for a file changed just now.
    identities: dict[str, Identity] = field(default_factory=dict)
    parsed: int = 0  # files parsed (not taken from the state)


@dataclass(frozen=True, slots=True)
class _Job:
    """What a parse task needs, set before the workers fork."""

    reader: Reader
    packs: Path | None
    cacheable: bool  # the reader is the parser: a file's bytes decide its cables
    racy_after: int


_JOB: _Job | None = None
Todo = tuple[Source, Identity, "str | None"]


def read_sources(
    inputs: Inputs,
    previous: Mapping[str, SourceState],
    known: Mapping[str, Identity],
    *,
    stats: Mapping[str, Identity] | None = None,
    reader: Reader = parse_reader,
    packs: Path | None = None,
    jobs: int = 1,
    advance: Advance | None = None,
    each: Each | None = None,
) -> ReadResult:
    """Every source's state, in source order.

    `previous` and `known` are the last build's states and identities: a
    source whose identity is the known one is taken as it was. `stats` are
    the sources' identities now, when the caller has them already. `each`
    is told every source's state in source order while the workers still
    parse the files after it: the build assembles the archive meanwhile,
    in a process that otherwise only waits for them.
    """
    global _JOB
    cacheable = reader is parse_reader
    now = time.time_ns()
    if stats is None:
        stats = identities(inputs.sources)
    result = ReadResult()
    todo: list[Todo] = []
    for source in inputs.sources:
        old = previous.get(source.display) if cacheable else None
        identity = stats[source.display]
        if old is not None and identity[1] >= 0 and known.get(source.display) == identity:
            result.sources[source.display] = old
            result.identities[source.display] = identity
        else:
            todo.append((source, identity, old.content if old is not None else None))
    if advance is not None and len(result.sources):
        advance(len(result.sources))
    told = _InOrder(inputs.sources, result.sources, each)
    told.catch_up()
    _JOB = _Job(reader, packs, cacheable, now - RACY_NS)
    try:
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        for chunk, states in zip(chunks, run_tasks(_scan_chunk, chunks, jobs), strict=True):
            for (source, identity, _), state in zip(chunk, states, strict=True):
                old = previous.get(source.display)
                if state is None:
                    assert old is not None
                    state = old  # same bytes as recorded: only the identity moved
                else:
                    result.parsed += 1
                result.sources[source.display] = state
                result.identities[source.display] = _recorded(identity, now - RACY_NS, cacheable)
            told.catch_up()
            if advance is not None:
                advance(len(chunk))
        told.catch_up()  # (every state is known by now: only the sources kept are left)
    finally:
        _JOB = None
    # Back in source order (the kept ones were put in first).
    result.sources = {s.display: result.sources[s.display] for s in inputs.sources}
    return result


class _InOrder:
    """Tells `each` the states of `sources` in their order, as far as they are known."""

    def __init__(
        self, sources: Sequence[Source], states: Mapping[str, SourceState], each: Each | None
    ) -> None:
        self._sources = sources
        self._states = states
        self._each = each
        self._next = 0  # the first source not yet told

    def catch_up(self) -> None:
        """Tell every state known from the first untold source to the first unknown one.

        The files to parse are in source order and their results come back in
        task order, so each chunk's results let this go as far as the chunk.
        """
        if self._each is None:
            return
        sources, states = self._sources, self._states
        while self._next < len(sources):
            display = sources[self._next].display
            state = states.get(display)
            if state is None:
                return
            self._each(display, state)
            self._next += 1


def _recorded(identity: Identity, racy_after: int, cacheable: bool) -> Identity:
    size, mtime = identity
    return (size, -1 if mtime > racy_after or not cacheable else mtime)


def _scan_chunk(chunk: list[Todo]) -> list[SourceState | None]:
    """Worker: each file's new state, or None when its bytes are the recorded ones."""
    assert _JOB is not None
    writer = PackWriter(_JOB.packs) if _JOB.packs is not None else None
    try:
        return [_scan_file(source, old, writer) for source, _, old in chunk]
    finally:
        if writer is not None:
            writer.close()


def _scan_file(
    source: Source, old_content: str | None, writer: PackWriter | None
) -> SourceState | None:
    assert _JOB is not None
    special = special_kind(source.location)
    if special:
        problem = (source.display, None, f"{special}, not a cable file; skipped")
        return SourceState.of("", (), (problem,), ())
    content = ""
    data = None
    if _JOB.cacheable:
        content, data = _content_hash(source.location)
        if old_content is not None and content == old_content:
            return None
    problems: list[Problem] = []
    entries: list[tuple] = []  # type: ignore[type-arg]
    blobs: list[BlobRef | None] = []
    cables = read_normalised(source, problems.append, _JOB.reader, data)
    try:
        for cable in cables:
            pickled = pickle_cable(cable)
            entries.append(plain_entry_of(cable, pickled))
            blobs.append(writer.add(encode((pickled, str(raw_html(cable))))) if writer else None)
            problems.extend(
                Problem(source.display, None, f"{cable.id}: {w}") for w in cable.warnings
            )
    except Exception as err:  # the crash barrier: one file, one warning
        # The cables read before the failure (a container's good records) still count.
        what = f"the parser failed: {failure(err)}"
        problems.append(Problem(source.display, None, what + _kept(len(entries))))
        return _state(content, entries, problems, blobs)
    if not entries and not problems:  # (a file that said why it holds no cable has its warning)
        problems.append(Problem(source.display, None, "no cable found in this file"))
    return _state(content, entries, problems, blobs)


def _kept(count: int) -> str:
    return f"; the {count} cable(s) read before it are kept" if count else "; file skipped"


def _state(
    content: str, entries: list[tuple], problems: list[Problem], blobs: list[BlobRef | None]
) -> SourceState:
    plain_problems = tuple((p.path, p.line, p.message) for p in problems)
    return SourceState.of(content, tuple(entries), plain_problems, tuple(blobs))


def read_normalised(
    source: Source,
    on_problem: Callable[[Problem], None],
    reader: Reader,
    data: bytes | None = None,
) -> Iterator[Cable]:
    """The cables of a source, with `source_path` as the site names the file.

    The parser records the path it was given, which depends on the folder
    the build was started from; what a page is made of must not. `data`,
    the file's bytes as just hashed, is parsed instead of reading the file
    again (7 µs a file) when the reader is the parser.
    """
    prefix = str(source.path)
    if data is not None and reader is parse_reader:
        # The parser, on the bytes the caller has read already.
        reader = partial(_parse_bytes, data)
    cables = read_source(source, on_problem, reader)
    for cable in cables:
        where = cable.source_path
        if where is not None and where.startswith(prefix):
            cable = _with_source_path(cable, source.display + where[len(prefix) :])
        yield cable


def _parse_bytes(data: bytes, path: Path, on_problem: Callable[[Problem], None]) -> Iterator[Cable]:
    return read_cables(path, on_problem=on_problem, data=data)


_SOURCE_PATH = Cable.__slots__.index("source_path")


def _with_source_path(cable: Cable, path: str) -> Cable:
    """`dataclasses.replace(cable, source_path=path)`, without its checks (7 -> 3 µs)."""
    values = list(cable.__reduce__()[1])
    values[_SOURCE_PATH] = path
    return Cable(*values)


# Files up to this size are hashed from one read; larger ones (a whole
# cables.csv dump) are streamed.
_READ_WHOLE = 4 << 20


def _content_hash(path: str) -> tuple[str, bytes | None]:
    """The file's content hash, and its bytes when it was read whole ("" and None: unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return "", None
    try:
        size = os.fstat(fd).st_size
        if size > _READ_WHOLE:
            with open(fd, "rb", buffering=0, closefd=False) as handle:
                return hashlib.file_digest(handle, hasher).hexdigest(), None
        # One sized read, on the descriptor: hashlib.file_digest allocates
        # (and zeroes) a 256 KB buffer for every file, which cost more than
        # the parse of a typical 6 KB cable, and a file object costs 2 µs
        # more than the descriptor.
        data = read_open_file(fd, size)
        return hasher(data).hexdigest(), data
    except OSError:
        return "", None
    finally:
        os.close(fd)
