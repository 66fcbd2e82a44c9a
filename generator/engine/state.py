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

import marshal
import secrets
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from generator.archive.entry import Entry, from_plain
from generator.engine.cache import ignore_in_git
from generator.engine.discover import Identities, Identity
from generator.engine.fingerprint import STATE_FORMAT, code_fingerprint
from generator.engine.journal import mark_unknown, pending_paths
from generator.engine.parsecache import BlobRef
from generator.engine.store import Store, plain_dict, write_store
from generator.files import write_atomically
from generator.model import Problem

HEAD_FILE = "state.marshal"
BODY_FILE = "state-body.store"
OLD_BODY_FILE = "state-body.marshal"  # format 3
DELTA_FILE = "state-delta.marshal"
# An identity whose modification time is this close to the scan may hide an
# edit made in the same clock tick after it; such files are hashed next time.
RACY_NS = 2_000_000_000

PlainProblem = tuple[str, "int | None", str]


@dataclass(slots=True)
class SourceState:
    """What one source file gave the last time it was read (its identity is kept apart)."""

    content: str  # hash of the bytes ("" when the reader is not the parser)
    entries: bytes  # marshal: tuple of plain entries (see generator.archive.entry.to_plain)
    problems: bytes  # marshal: tuple of (path, line, message)
    blobs: bytes  # marshal: tuple of BlobRef or None, one per entry

    @classmethod
    def of(
        cls,
        content: str,
        entries: tuple[tuple, ...],  # type: ignore[type-arg]
        problems: tuple[PlainProblem, ...],
        blobs: tuple[BlobRef | None, ...],
    ) -> SourceState:
        return cls(content, marshal.dumps(entries), marshal.dumps(problems), marshal.dumps(blobs))

    def entry_list(self, source: str) -> list[Entry]:
        """The entries of the file's cables (`source`: the file's display path)."""
        plain = marshal.loads(self.entries)
        return [from_plain(values, source, ordinal) for ordinal, values in enumerate(plain)]

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
    # What `site` digests, part by part (each setting, the code…), to say which changed.
    site_parts: dict[str, str] = field(default_factory=dict)
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
    pending = pending_paths(folder)
    if pending is None or pending:
        state.complete = False
    if pending is None:
        state.output = None
    state.loaded = False
    state.pending = pending or []
    return state


def unusable_reason(folder: Path, reader: str) -> str:
    """Why :func:`load_state` finds no state to trust, in words (for ``--explain``)."""
    try:
        data = marshal.loads((folder / HEAD_FILE).read_bytes())
    except FileNotFoundError:
        return "no record of an earlier build"
    except Exception:
        return "the record of the last build could not be read"
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        return "the record of the last build is of another format"
    if data.get("code") != code_fingerprint():
        return "the code (cablesite or a library it uses) changed since the last build"
    if data.get("reader") != reader:
        return "the cable files were read another way by the last build"
    return "the record of the last build could not be used"


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
                mark_unknown(state.output.pages, state.pending)
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
    ignore_in_git(folder)
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
    write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))
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
    write_atomically(folder / DELTA_FILE, marshal.dumps(delta))
    write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))


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
    return (source.content, source.entries, source.problems, source.blobs)


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
        "site_parts": state.site_parts,
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
        site_parts=data["site_parts"],
        inputs=data["inputs"],
        summary=data["summary"],
        problems=data["problems"],
        generation=data["generation"],
        delta=data.get("delta", ""),
    )
