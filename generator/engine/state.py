"""The build state: what the last build read and wrote, kept in ``.cablesite-cache/``.

* per source file: its identity (size, modification time), the hash of its
  bytes, the records of the cables it yielded, the problems it produced and
  where its parsed cables are in the parse cache;
* per output file: the signature of the inputs it was made from;
* the identities of the other inputs (templates, static files, pages,
  ``site.toml``), so that a build with nothing changed stops after a stat
  of each file.

It is kept in two files, each written to a temporary file and renamed
into place, the body first; a generation number in both tells a body from
another build. The head (``marshal``: the identities, packed as sorted
names and two arrays; the fingerprints; the problems, one marshalled
value) is all a build with nothing to do reads. The body (records and
signatures) is a *store* (below): a file of small parts, each read when
first asked for, so that a quick rebuild reads the few it needs. A
source's records, problems and cache references are each one ``bytes``
value (marshalled in turn), not nested tuples: loading them creates a few
objects per source instead of dozens, and a build decodes only the
sources it needs.

The folder may be deleted at any time: a missing, unreadable or outdated
state means a full build, never an error. Whatever the state says, a build
that cannot trust it reads the files again.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import marshal
import os
import pickle
import secrets
import sys
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, overload

from generator.archive.entry import CableRecord, record_from_plain
from generator.engine.discover import Identities
from generator.engine.parsecache import BlobRef
from generator.model import Problem

CACHE_NAME = ".cablesite-cache"
HEAD_FILE = "state.marshal"
BODY_FILE = "state-body.store"
OLD_BODY_FILE = "state-body.marshal"  # format 3
DELTA_FILE = "state-delta.marshal"
STATE_FILE = HEAD_FILE
PENDING_FILE = "pending.marshal"
LOCK_FILE = "lock"
PACKS = "packs"
# Bumped whenever the layout of the state changes.
STATE_FORMAT = 4
# An identity whose modification time is this close to the scan may hide an
# edit made in the same clock tick after it; such files are hashed next time.
RACY_NS = 2_000_000_000

Identity = tuple[int, int]  # (size, mtime_ns); mtime -1 when not to be trusted
PlainProblem = tuple[str, "int | None", str]


@dataclass(slots=True)
class SourceState:
    """What one source file gave the last time it was read (its identity is kept apart)."""

    content: str  # hash of the bytes ("" when the reader is not the parser)
    records: bytes  # marshal: tuple of plain records (see record_to_plain)
    problems: bytes  # marshal: tuple of (path, line, message)
    blobs: bytes  # marshal: tuple of BlobRef or None, one per record

    @classmethod
    def of(
        cls,
        content: str,
        records: tuple[tuple, ...],  # type: ignore[type-arg]
        problems: tuple[PlainProblem, ...],
        blobs: tuple[BlobRef | None, ...],
    ) -> SourceState:
        return cls(content, marshal.dumps(records), marshal.dumps(problems), marshal.dumps(blobs))

    def plain_records(self) -> tuple[tuple, ...]:  # type: ignore[type-arg]
        return marshal.loads(self.records)

    def cable_records(self) -> list[CableRecord]:
        return [record_from_plain(r) for r in marshal.loads(self.records)]

    def problem_list(self) -> list[Problem]:
        return [Problem(*p) for p in marshal.loads(self.problems)]

    def blob_refs(self) -> tuple[BlobRef | None, ...]:
        return marshal.loads(self.blobs)


class ProblemList(Sequence[Problem]):
    """The problems of a state, made into objects only when one is asked for.

    A build with nothing to do reports how many there are: at 250,000
    cables with a warning each, making them cost a quarter of a second.
    """

    def __init__(self, packed: bytes) -> None:
        self._packed = packed
        self._length = _marshalled_length(packed)
        self._items: list[Problem] | None = None

    def _list(self) -> list[Problem]:
        if self._items is None:
            self._items = [Problem(*p) for p in marshal.loads(self._packed)]
        return self._items

    @overload
    def __getitem__(self, index: int) -> Problem: ...

    @overload
    def __getitem__(self, index: slice) -> list[Problem]: ...

    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        return self._list()[index]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._list())

    def __len__(self) -> int:
        return self._length if self._items is None else len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._list())


def _marshalled_length(packed: bytes) -> int:
    """How many items a marshalled tuple holds, from its first bytes."""
    code = packed[0] & 0x7F if packed else 0
    if code == ord("(") and len(packed) >= 5:
        return int.from_bytes(packed[1:5], "little")
    if code == ord(")") and len(packed) >= 2:
        return packed[1]
    return len(marshal.loads(packed))


@dataclass(slots=True)
class OutputState:
    """The output folder as the last build left it."""

    path: str
    device: int
    inode: int
    pages: MutableMapping[str, bytes] = field(default_factory=dict)


@dataclass(slots=True)
class BuildState:
    code: str
    reader: str  # "parse" when the sources were read by the parser itself
    identities: MutableMapping[str, Identity] = field(default_factory=dict)
    # (LazyMaps when the body was loaded lazily: see load_body.)
    sources: MutableMapping[str, SourceState] = field(default_factory=dict)
    output: OutputState | None = None
    # The fingerprint of everything else a build reads (config, templates,
    # static files, pages) and the identities of those files.
    site: str = ""
    inputs: dict[str, Identity] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    problems: bytes = marshal.dumps(())  # marshal: tuple of (path, line, message)
    # False when a build was stopped while replacing output files: the
    # output is then not known to match the state (never saved as False).
    complete: bool = True
    # Whether `sources` and the output's pages are loaded (see load_body), and
    # whether they are read from the body's file as they are asked for.
    loaded: bool = True
    lazy: bool = False
    generation: str = ""
    # Output files a stopped (or not saved) build was replacing.
    pending: list[str] = field(default_factory=list)
    # The delta saved by quick rebuilds since the body was written ("" when
    # none): the sources and signatures they changed, and `overlay`, what
    # they changed in the remembered archive (see generator.engine.memory).
    delta: str = ""
    overlay: bytes = b""

    def problem_list(self) -> ProblemList:
        return ProblemList(self.problems)


def cache_folder(root: Path) -> Path:
    return root / CACHE_NAME


# Modules that shape neither what a cable parses to nor what a page holds:
# editing them (as a developer does all day) need not throw the cache away.
NOT_OUTPUT = frozenset(
    {
        "cli.py",
        "check/checker.py",
        "importing/command.py",
        "serve/livereload.py",
        "ui/progress.py",
        "serve/rebuilder.py",
        "ui/scaffold.py",
        "serve/server.py",
        "serve/watch.py",
    }
)


@cache
def code_fingerprint() -> str:
    """The cablesite code and the libraries that shape its output.

    Any change to the parser or the renderer can change what a cable or a
    page becomes, so a state written by other code is not trusted at all.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*")):
        if path.relative_to(package).as_posix() in NOT_OUTPUT:
            continue
        if path.is_file() and path.suffix in (".py", ".tsv", ".csv", ".txt", ".json"):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    versions = [sys.version]
    for name in ("jinja2", "markupsafe", "pygments", "markdown-it-py", "pyyaml"):
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    digest.update("\n".join(versions).encode())
    digest.update(str(STATE_FORMAT).encode())
    return digest.hexdigest()


# --- reading and writing ---------------------------------------------------------


def load_state(folder: Path, reader: str) -> BuildState | None:
    """The head of the last build's state, or None when there is none to trust.

    The records and signatures are read by :func:`load_body`, when needed.
    """
    try:
        data = marshal.loads((folder / HEAD_FILE).read_bytes())
        if data.get("format") != STATE_FORMAT:
            return None
        state = _head_from_plain(data)
    except Exception:
        # Truncated, corrupt, from another Python: all mean "no state".
        return None
    if state.code != code_fingerprint() or state.reader != reader:
        return None
    pending = _pending(folder)
    if pending is None or pending:
        state.complete = False
    if pending is None:
        state.output = None
    state.loaded = False
    state.pending = pending or []
    return state


def load_body(folder: Path, state: BuildState, *, lazy: bool = False) -> bool:
    """Read the records and signatures of `state`; False when they cannot be had.

    With `lazy`, each part of the body (a 256th of the sources or of the
    signatures) is read when one of its keys is first asked for: a quick
    rebuild asks for a few. Without, every part is read (a lazily loaded
    state is read whole then); a damaged part then means False.
    """
    if state.loaded and (lazy or not state.lazy):
        return True
    try:
        if not state.loaded:
            store = Store(folder / BODY_FILE)
            if not isinstance(store.meta, dict) or store.meta.get("generation") != state.generation:
                store.close()
                return False
            state.sources = store.map("sources", _source_state)
            if state.output is not None:
                state.output.pages = store.map("pages")
            if state.delta and not _apply_delta(folder, state):
                return False
            if state.output is not None:
                # A build stopped while it was replacing these files: what they hold is unknown.
                for path in state.pending:
                    state.output.pages.pop(path, None)
            state.loaded, state.lazy = True, True
        if not lazy and state.lazy:
            state.sources = plain_dict(state.sources)
            if state.output is not None:
                state.output.pages = plain_dict(state.output.pages)
            state.lazy = False
    except Exception:
        return False
    return True


def _source_state(fields: tuple[str, bytes, bytes, bytes]) -> SourceState:
    return SourceState(*fields)


def save_state(folder: Path, state: BuildState) -> None:
    """Write the body, then the head (which names the body's generation)."""
    folder.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(folder)
    state.generation = secrets.token_hex(8)
    sources, pages = state.sources, state.output.pages if state.output is not None else {}
    write_store(
        folder / BODY_FILE,
        {"generation": state.generation},
        [
            ("sources", "map", lambda: {name: _plain_source(s) for name, s in sources.items()}),
            ("pages", "map", lambda: pages),
        ],
    )
    state.delta, state.overlay = "", b""
    _write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))
    for name in (DELTA_FILE, OLD_BODY_FILE):
        with suppress(OSError):
            (folder / name).unlink()


def save_delta(
    folder: Path, state: BuildState, sources: Iterable[str], pages: Iterable[str], overlay: bytes
) -> None:
    """Save what changed since the body was written, without writing the body again.

    A quick rebuild changes a few sources and signatures of a state whose
    body, at 250,000 cables, takes seconds to write: the delta holds the
    current state of each source and output file changed since the body
    (cumulative: every quick rebuild writes all of them again), then the
    head is written naming it. A head names one delta, and a delta names
    its body's generation, so a body, a delta and a head always agree or
    are not used.
    """
    assert state.output is not None
    state.delta = secrets.token_hex(8)
    state.overlay = overlay
    recorded = state.output.pages
    delta = {
        "base": state.generation,
        "delta": state.delta,
        "sources": {name: _plain_source(state.sources[name]) for name in sources},
        "pages": {path: recorded.get(path) for path in pages},
        "overlay": overlay,
    }
    _write_atomically(folder / DELTA_FILE, marshal.dumps(delta))
    _write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))


def _apply_delta(folder: Path, state: BuildState) -> bool:
    """Bring a loaded body up to the delta its head names; False when it cannot be had."""
    data = marshal.loads((folder / DELTA_FILE).read_bytes())
    if data.get("base") != state.generation or data.get("delta") != state.delta:
        return False
    for name, fields in data["sources"].items():
        state.sources[name] = SourceState(*fields)
    if state.output is not None:
        pages = state.output.pages
        for path, signature in data["pages"].items():
            if signature is None:
                pages.pop(path, None)
            else:
                pages[path] = signature
    state.overlay = data["overlay"]
    return True


def _plain_source(source: SourceState) -> tuple[str, bytes, bytes, bytes]:
    return (source.content, source.records, source.problems, source.blobs)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def mark_pending(folder: Path, paths: list[str]) -> None:
    """Say, before replacing output files, which ones are about to change.

    The list is added to: a series of builds that do not save the whole
    state (the quick rebuilds of ``serve``) leaves every file they touched
    listed until a build saves the state again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    known = _pending(folder)
    paths = [*(known or []), *paths] if known is not None else ["*", *paths]
    _write_atomically(folder / PENDING_FILE, marshal.dumps(paths))


def clear_pending(folder: Path) -> None:
    with suppress(OSError):
        (folder / PENDING_FILE).unlink()


def pending_paths(folder: Path) -> list[str] | None:
    """The output files builds replaced since the state was saved; None: cannot be told."""
    return _pending(folder)


def _pending(folder: Path) -> list[str] | None:
    """The files stopped or unsaved builds replaced; None when that cannot be told."""
    try:
        paths = marshal.loads((folder / PENDING_FILE).read_bytes())
    except FileNotFoundError:
        return []
    except Exception:
        return None
    if not isinstance(paths, list) or "*" in paths:
        return None
    return [str(p) for p in paths]


def _ignore_in_git(folder: Path) -> None:
    # The cache is the user's machine's business, not their repository's.
    marker = folder / ".gitignore"
    if not marker.exists():
        with suppress(OSError):
            marker.write_text("*\n", encoding="utf-8")


@contextmanager
def build_lock(folder: Path, on_wait: object = None) -> Iterator[None]:
    """One build at a time per site (a `serve` and a `build` in two terminals)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if callable(on_wait):
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- plain values (marshal knows no dataclasses or datetimes) ------------------------


def _head_to_plain(state: BuildState) -> dict:  # type: ignore[type-arg]
    output = None
    if state.output is not None:
        o = state.output
        output = (o.path, o.device, o.inode)
    return {
        "format": STATE_FORMAT,
        "generation": state.generation,
        "code": state.code,
        "reader": state.reader,
        "identities": Identities.of(state.identities).pack(),
        "output": output,
        "site": state.site,
        "inputs": state.inputs,
        "summary": state.summary,
        "problems": state.problems,
        "delta": state.delta,
    }


def _head_from_plain(data: dict) -> BuildState:  # type: ignore[type-arg]
    output = None
    if data["output"] is not None:
        path, device, inode = data["output"]
        output = OutputState(path, device, inode)
    return BuildState(
        code=data["code"],
        reader=data["reader"],
        identities=Identities.unpack(data["identities"]),
        output=output,
        site=data["site"],
        inputs=data["inputs"],
        summary=data["summary"],
        problems=data["problems"],
        generation=data["generation"],
        delta=data.get("delta", ""),
    )


# --- files read in parts ------------------------------------------------------------
#
# The body of the state and the snapshot hold mappings of 250,000 keys. A
# build that changes one cable needs a handful of them: so they are written
# as a *store*, one file of many small parts (the mappings split by a hash
# of the key, the lists by position), each read when first asked for. A
# part that cannot be read raises StoreDamaged: whoever reads a store
# lazily must treat that as "no state" (a full build), never as a failure.

STORE_MAGIC = b"CSSTORE1"
# Keys per part of a mapping, items per part of a list. A quick rebuild asks
# for a few hundred keys scattered over the mapping (an index page's 50
# members): parts must be small for it to read little. Reading a part costs
# about 10 µs, and unpickling 2 µs per item.
MAP_PART = 32
LIST_CHUNK = 256


class StoreDamaged(Exception):
    """A part of a store is missing, truncated or not what it should be."""


def _key_bytes(key: object) -> bytes:
    if isinstance(key, str):
        return key.encode("utf-8", "surrogatepass")
    return repr(key).encode("utf-8", "surrogatepass")


def _shard_of(key: object, shards: int) -> int:
    return zlib.crc32(_key_bytes(key)) % shards


def write_store(
    path: Path, meta: object, sections: Iterable[tuple[str, str, Callable[[], Any]]]
) -> None:
    """Write a store: `sections` are (name, kind, make) with kind "value", "map" or "list";
    each is made just before it is written. Values are pickled; `meta` is marshalled.
    Written to a temporary file and renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        _write_store_to(temporary, meta, sections)
        os.replace(temporary, path)
    except BaseException:
        # A full disk, Ctrl-C or a section that failed to be made: no half file left.
        temporary.unlink(missing_ok=True)
        raise


def _write_store_to(
    temporary: Path, meta: object, sections: Iterable[tuple[str, str, Callable[[], Any]]]
) -> None:
    # Each section's parts as (offset, length, crc32) triples in one array.
    parts: dict[str, tuple[str, int, bytes]] = {}
    with open(temporary, "wb") as handle:
        handle.write(STORE_MAGIC)
        offset = len(STORE_MAGIC)

        def put(data: bytes) -> tuple[int, int, int]:
            nonlocal offset
            handle.write(data)
            where = (offset, len(data), zlib.crc32(data))
            offset += len(data)
            return where

        def table(wheres: list[tuple[int, int, int]]) -> bytes:
            return array("q", [n for where in wheres for n in where]).tobytes()

        for name, kind, make in sections:
            value = make()
            if kind == "value":
                parts[name] = (kind, 0, table([put(pickle.dumps(value, _PICKLE))]))
            elif kind == "map":
                shards = max(1, len(value) // MAP_PART)
                split: list[dict[object, Any]] = [{} for _ in range(shards)]
                for key, item in value.items():
                    split[_shard_of(key, shards)][key] = item
                order = put(pickle.dumps(list(value), _PICKLE))
                blobs = [put(pickle.dumps(part, _PICKLE)) for part in split]
                parts[name] = (kind, len(value), table([order, *blobs]))
            elif kind == "list":
                chunks = [
                    put(pickle.dumps(list(value[i : i + LIST_CHUNK]), _PICKLE))
                    for i in range(0, len(value), LIST_CHUNK)
                ]
                parts[name] = (kind, len(value), table(chunks))
            else:
                raise ValueError(kind)
            del value
        header = marshal.dumps({"meta": meta, "parts": parts})
        handle.write(header)
        handle.write(len(header).to_bytes(8, "little"))


_PICKLE = pickle.HIGHEST_PROTOCOL


class Store:
    """A store opened for reading; the file stays open, so that a store written
    over it later (by this process) does not change what this one reads."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 (kept open for the parts read later)
        # Closed when the store is dropped (a serve session opens one per full pass).
        weakref.finalize(self, self._file.close)
        try:
            size = self._size = os.fstat(self._file.fileno()).st_size
            if os.pread(self._file.fileno(), len(STORE_MAGIC), 0) != STORE_MAGIC:
                raise StoreDamaged(str(path))
            length = int.from_bytes(os.pread(self._file.fileno(), 8, size - 8), "little")
            header = marshal.loads(os.pread(self._file.fileno(), length, size - 8 - length))
            self.meta = header["meta"]
            self._parts: dict[str, tuple[str, int, bytes]] = header["parts"]
        except StoreDamaged:
            self._file.close()
            raise
        except Exception as error:
            self._file.close()
            raise StoreDamaged(str(path)) from error

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def read(self, where: tuple[int, int, int]) -> Any:
        offset, length, crc = where
        # The table is not checksummed: a damaged one must not read elsewhere or allocate wildly.
        if offset < 0 or length < 0 or offset + length > self._size:
            raise StoreDamaged(self._file.name)
        try:
            data = os.pread(self._file.fileno(), length, offset)
        except OSError as error:
            raise StoreDamaged(self._file.name) from error
        if len(data) != length or zlib.crc32(data) != crc:
            raise StoreDamaged(self._file.name)
        try:
            return pickle.loads(data)
        except Exception as error:
            raise StoreDamaged(self._file.name) from error

    def _part(self, name: str, kind: str) -> tuple[int, _Table]:
        part = self._parts.get(name)
        if part is None or part[0] != kind:
            raise StoreDamaged(f"{self._file.name}: no {kind} {name}")
        try:
            return part[1], _Table(part[2])
        except ValueError as error:
            raise StoreDamaged(f"{self._file.name}: {name}") from error

    def value(self, name: str) -> Any:
        return self.read(self._part(name, "value")[1][0])

    def map(self, name: str, make: Callable[[Any], Any] | None = None) -> LazyMap:
        length, table = self._part(name, "map")
        return LazyMap(self, table, length, make)

    def list(self, name: str, make: Callable[[Any], Any] | None = None) -> LazyList:
        length, table = self._part(name, "list")
        if len(table) != -(-length // LIST_CHUNK):
            raise StoreDamaged(f"{self._file.name}: {name}")
        return LazyList(self, table, length, make)

    def close(self) -> None:
        self._file.close()


class _Table:
    """Where each part of a section is: (offset, length, crc32) triples, packed."""

    __slots__ = ("_values",)

    def __init__(self, packed: bytes) -> None:
        self._values = array("q")
        self._values.frombytes(packed)
        if len(self._values) % 3:
            raise ValueError("not a table of parts")

    def __getitem__(self, i: int) -> tuple[int, int, int]:
        v = self._values
        return (v[3 * i], v[3 * i + 1], v[3 * i + 2])

    def __len__(self) -> int:
        return len(self._values) // 3


class LazyMap(MutableMapping[Any, Any]):
    """A mapping of a store, each part read when a key in it is first asked for.

    Iterating reads the order of the keys (and nothing else); :meth:`load`
    reads every part.
    """

    def __init__(
        self, store: Store, table: _Table, length: int, make: Callable[[Any], Any] | None
    ) -> None:
        if len(table) < 2:
            raise StoreDamaged("a mapping without parts")
        self._store = store
        self._table = table  # the order of the keys, then the parts
        self._parts = len(table) - 1
        self._shards: list[dict[Any, Any] | None] = [None] * self._parts
        self._order: list[Any] | None = None
        self._length = length
        self._make = make

    def _shard(self, key: object) -> dict[Any, Any]:
        i = _shard_of(key, self._parts)
        shard = self._shards[i]
        return shard if shard is not None else self._shard_at(i)

    def _keys(self) -> list[Any]:
        if self._order is None:
            order = self._store.read(self._table[0])
            if not isinstance(order, list) or len(order) != self._length:
                raise StoreDamaged("not a list of keys")
            self._order = order
        return self._order

    def __getitem__(self, key: Any) -> Any:
        return self._shard(key)[key]

    def get(self, key: Any, default: Any = None) -> Any:
        return self._shard(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._shard(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        shard = self._shard(key)
        if key not in shard:
            self._keys().append(key)
            self._length += 1
        shard[key] = value

    def __delitem__(self, key: Any) -> None:
        shard = self._shard(key)
        del shard[key]
        self._keys().remove(key)
        self._length -= 1

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys())

    def __len__(self) -> int:
        return self._length

    def load(self) -> dict[Any, Any]:
        """Every item, as a dict in the saved order (reads every part)."""
        for i in range(self._parts):
            if self._shards[i] is None:
                self._shard_at(i)
        merged: dict[Any, Any] = {}
        for shard in self._shards:
            assert shard is not None
            merged.update(shard)
        keys = self._keys()
        if len(merged) != len(keys):
            raise StoreDamaged("keys and parts differ")
        return {key: merged[key] for key in keys}

    def _shard_at(self, i: int) -> dict[Any, Any]:
        shard = self._store.read(self._table[i + 1])
        if not isinstance(shard, dict):
            raise StoreDamaged("not a mapping")
        if self._make is not None:
            make = self._make
            shard = {k: make(v) for k, v in shard.items()}
        self._shards[i] = shard
        return shard


class LazyList(Sequence[Any]):
    """A list of a store, read a chunk at a time when first asked for."""

    def __init__(
        self, store: Store, chunks: _Table, length: int, make: Callable[[Any], Any] | None
    ) -> None:
        self._store = store
        self._chunks = chunks
        self._loaded: list[list[Any] | None] = [None] * len(chunks)
        self._length = length
        self._make = make

    def _chunk(self, i: int) -> list[Any]:
        chunk = self._loaded[i]
        if chunk is None:
            chunk = self._store.read(self._chunks[i])
            expected = min(LIST_CHUNK, self._length - i * LIST_CHUNK)
            if not isinstance(chunk, list) or len(chunk) != expected:
                raise StoreDamaged("not a chunk of the list")
            if self._make is not None:
                chunk = [self._make(v) for v in chunk]
            self._loaded[i] = chunk
        return chunk

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._chunk(index // LIST_CHUNK)[index % LIST_CHUNK]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._chunks)):
            yield from self._chunk(i)

    def __len__(self) -> int:
        return self._length


def plain_dict(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """`mapping` as a dict (every part of a lazy one read)."""
    if isinstance(mapping, LazyMap):
        return mapping.load()
    return dict(mapping)
