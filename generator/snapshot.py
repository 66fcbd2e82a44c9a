"""What a quick rebuild needs, saved, so that `cablesite build` in a new process has it too.

``cablesite serve`` keeps the archive, the plan and the index of which pages
depend on what (:class:`generator.quick.Memory`) from one build to the
next, and rebuilds an edit that moves nothing in a fraction of a second. A
new process has none of it: remaking the archive, the plan and every
signature from the records is a Python loop over every cable (about 20 s at
250,000 cables). So a full pass saves its memory next to the state
(``memory.pickle``), as plain tuples, one pickle per section (seconds to
load at 250,000 cables rather than twenty to remake), named after the
state's generation; a build in a new process that finds only moved-nothing edits
restores it, rebuilds like ``serve`` does, and saves a small delta instead
of the whole state (:func:`generator.state.save_delta`).

The snapshot describes the state as the full pass saved it; the quick
rebuilds since then are in the delta's *overlay* (the entries, digests,
Markdown pages, templates and problems they changed), replayed on top of
it when it is restored. Any doubt (another generation, another set of
files, a damaged file) means no snapshot, and the build takes the full
pass, which saves a new one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast, overload

from generator.archive import Archive, Copy, Entry, Facet, Variants
from generator.config import SiteConfig
from generator.model import Problem
from generator.plan import Page
from generator.quick import Changes, Memory
from generator.sources import Inputs
from generator.state import BuildState

SNAPSHOT_FILE = "memory.pickle"
# Bumped whenever what is saved changes.
SNAPSHOT_FORMAT = 3
_PAGE_FIELDS = Page.__slots__
_ENTRY_FIELDS = Entry.__slots__
_FACETS = ("tags", "origins", "months", "classifications")


def inputs_digest(inputs: Inputs) -> str:
    """The list of source files (and ignored files): a snapshot is for one list only.

    Display paths only: what the snapshot holds is keyed by them, and the
    build takes the locations from its own scan. One join and one hash
    (hashing each path apart cost a quarter of a second at 250,000 files).
    """
    names = "\0".join(source.display for source in inputs.sources)
    names += "\1" + "\0".join(inputs.ignored)
    data = names.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def save_snapshot(folder: Path, memory: Memory, generation: str) -> None:
    """Save `memory` (just after a full pass saved the state of `generation`).

    Section by section, each made just before it is written and let go just
    after: at 250,000 cables the packed entries, pages and index rows are
    each tens of megabytes, and holding all of them (and one pickler's memo
    of all of them) at once made this the peak of a clean build's memory.
    """
    path = folder / SNAPSHOT_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with open(temporary, "wb") as handle:
        for name, make in _sections(memory, generation):
            pickle.dump((name, make()), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def _sections(memory: Memory, generation: str) -> Iterator[tuple[str, Callable[[], Any]]]:
    """The snapshot's sections, in the order they are written; the head first, so
    that a snapshot of another state is known before the rest is read."""
    m = memory
    archive = m.archive
    yield "head", lambda: (SNAPSHOT_FORMAT, generation, inputs_digest(m.inputs))
    yield "others", lambda: m.state.inputs  # as recorded: a racy identity never compares equal
    yield "docs", lambda: m.docs
    yield "doc_problems", lambda: [_plain_problem(p) for p in m.doc_problems]
    yield "spans", lambda: m.spans
    # Each entry, page and index row packed apart, unpacked when first used:
    # a quick rebuild uses a few of them, and unpacking millions of objects
    # would cost more than the rest of it.
    yield "entries", lambda: {k: _pack_entry(e) for k, e in archive.entries.items()}
    yield "variants", lambda: {k: tuple(v) for k, v in archive.variants.items()}
    yield "copies", lambda: [tuple(c) for c in archive.copies]
    yield "cited_by", lambda: archive.cited_by
    yield "missing", lambda: archive.missing
    yield (
        "facets",
        lambda: {
            name: [(k, f.slug, f.name, f.keys) for k, f in getattr(archive, name).items()]
            for name in _FACETS
        },
    )
    yield "redirects", lambda: archive.redirects
    yield "neighbours", lambda: archive.neighbours
    yield "copied", lambda: archive.copied
    yield (
        "pages",
        lambda: [marshal.dumps(tuple(getattr(p, f) for f in _PAGE_FIELDS)) for p in m.pages],
    )
    yield "files", lambda: m.files
    yield "extra", lambda: m.extra
    yield "digests", lambda: m.digests
    yield "located", lambda: m.located
    yield "templates", lambda: m.templates
    for index in ("by_entry", "by_cable", "by_input", "by_template"):
        yield index, lambda index=index: _packed_index(getattr(m, index))


def _read_sections(handle: BinaryIO, generation: str, inputs: Inputs) -> dict[str, Any] | None:
    """The sections of a snapshot file, or None when it is not of this state and inputs."""
    name, head = pickle.load(handle)
    if name != "head" or head != (SNAPSHOT_FORMAT, generation, inputs_digest(inputs)):
        return None
    data: dict[str, Any] = {}
    while True:
        try:
            name, value = pickle.load(handle)
        except EOFError:
            return data
        data[name] = value


def has_snapshot(folder: Path) -> bool:
    return (folder / SNAPSHOT_FILE).is_file()


def restore(
    folder: Path, *, config: SiteConfig, output: Path, state: BuildState, inputs: Inputs
) -> Memory | None:
    """The memory of the full pass that saved `state`, with the delta's overlay replayed.

    `state` must have its body loaded (and its output checked to be `output`).
    None when there is no snapshot of that state for these inputs.
    """
    try:
        with open(folder / SNAPSHOT_FILE, "rb") as handle:
            data = _read_sections(handle, state.generation, inputs)
        if data is None:
            return None
        memory = _memory(data, config=config, output=output, state=state, inputs=inputs)
        if state.overlay:
            _replay(memory, pickle.loads(state.overlay))
    except Exception:
        return None  # damaged or from another layout: the full pass makes a new one
    return memory


def overlay(memory: Memory) -> bytes:
    """What quick rebuilds changed in the memory since the snapshot (see :func:`restore`)."""
    m, noted = memory, memory.changes
    data = {
        "sources": sorted(noted.sources),
        "entries": [_entry_tuple(m.archive.entries[key]) for key in sorted(noted.entries)],
        "digests": {name: m.digests[name] for name in noted.sources},
        "files": sorted(noted.files),
        "spans": m.spans if noted.spans else None,
        "others": m.state.inputs,
        "docs": m.docs,
        "doc_problems": [_plain_problem(p) for p in m.doc_problems],
        "templates": m.templates,
        "extra": m.extra,
    }
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


# --- from plain values ---------------------------------------------------------------


def _memory(
    data: dict[str, Any], *, config: SiteConfig, output: Path, state: BuildState, inputs: Inputs
) -> Memory:
    entries = cast(dict[str, Entry], LazyEntries(data["entries"]))
    facets = {
        name: {key: Facet(slug, title, keys) for key, slug, title, keys in data["facets"][name]}
        for name in _FACETS
    }
    archive = Archive(
        entries=entries,
        variants={k: Variants(*v) for k, v in data["variants"].items()},
        copies=[Copy(*c) for c in data["copies"]],
        cited_by=data["cited_by"],
        missing=data["missing"],
        redirects=data["redirects"],
        neighbours=data["neighbours"],
        copied=data["copied"],
        **facets,
    )
    return Memory(
        config=config,
        output=output,
        site=state.site,
        state=state,
        others=data["others"],
        inputs=inputs,
        archive=archive,
        docs=data["docs"],
        doc_problems=[Problem(*p) for p in data["doc_problems"]],
        problems=state.problem_list(),
        spans=data["spans"],
        pages=LazyPages(data["pages"]),
        files=data["files"],
        extra=data["extra"],
        digests=data["digests"],
        located=data["located"],
        templates=data["templates"],
        by_entry=PackedIndex(data["by_entry"]),
        by_cable=PackedIndex(data["by_cable"]),
        by_input=PackedIndex(data["by_input"]),
        by_template=PackedIndex(data["by_template"]),
    )


def _replay(m: Memory, data: dict[str, Any]) -> None:
    """Apply an overlay; its changes stay noted, so that the next delta holds them too."""
    for values in data["entries"]:
        m.archive.entries[values[0]] = Entry(*values)  # (its key was saved: it moves nothing)
    m.digests.update(data["digests"])
    if data["spans"] is not None:
        m.spans = data["spans"]
    m.others, m.docs, m.templates, m.extra = (
        data["others"],
        data["docs"],
        data["templates"],
        data["extra"],
    )
    m.doc_problems = [Problem(*p) for p in data["doc_problems"]]
    m.changes = Changes(
        sources=set(data["sources"]),
        entries={values[0] for values in data["entries"]},
        files=set(data["files"]),
        spans=data["spans"] is not None,
    )


class LazyEntries(MutableMapping[str, Entry]):
    """The archive's entries, each unpacked when first asked for (keys in the saved order)."""

    def __init__(self, packed: dict[str, bytes]) -> None:
        self._packed = packed
        self._entries: dict[str, Entry] = {}

    def __getitem__(self, key: str) -> Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = Entry(*pickle.loads(self._packed[key]))
        return entry

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._packed else default

    def __contains__(self, key: object) -> bool:
        return key in self._packed

    def __setitem__(self, key: str, entry: Entry) -> None:
        # Quick rebuilds replace entries, never add any: the order stays the saved one.
        if key not in self._packed:
            raise KeyError(key)
        self._entries[key] = entry

    def __delitem__(self, key: str) -> None:
        raise TypeError("the entries of a restored archive are not removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


class LazyPages(Sequence[Page]):
    """The plan, each page unpacked when first asked for."""

    def __init__(self, packed: list[bytes]) -> None:
        self._packed = packed
        self._pages: dict[int, Page] = {}

    @overload
    def __getitem__(self, index: int) -> Page: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Page]: ...

    def __getitem__(self, index: int | slice) -> Page | Sequence[Page]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        page = self._pages.get(index)
        if page is None:
            page = self._pages[index] = Page(*marshal.loads(self._packed[index]))
        return page

    def __len__(self) -> int:
        return len(self._packed)


class PackedIndex(Mapping[str, tuple[int, ...]]):
    """Which pages depend on an input: each row unpacked when asked for."""

    def __init__(self, packed: dict[str, bytes]) -> None:
        self._packed = packed

    def __getitem__(self, key: str) -> tuple[int, ...]:
        return marshal.loads(self._packed[key])

    def __contains__(self, key: object) -> bool:
        return key in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


def _packed_index(index: Mapping[str, Sequence[int]]) -> dict[str, bytes]:
    return {key: marshal.dumps(tuple(rows)) for key, rows in index.items()}


def _pack_entry(entry: Entry) -> bytes:
    return pickle.dumps(_entry_tuple(entry), protocol=pickle.HIGHEST_PROTOCOL)


def _entry_tuple(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in _ENTRY_FIELDS)


def _plain_problem(problem: Problem) -> tuple[str, int | None, str]:
    return (problem.path, problem.line, problem.message)
