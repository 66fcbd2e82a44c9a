"""The memory of the last full pass: the archive, the plan, and which pages depend on what.

A quick rebuild (:mod:`generator.engine.quick`) rebuilds an edit that moves
nothing without making the archive and the plan again: it needs them as
the last full pass left them, and an index from each input (a cable's
entry, a cable's text, a typed key, a template) to the pages that depend on
it. That is a :class:`Memory`.

``cablesite serve`` keeps its memory from one build to the next. A new
process (``cablesite build``) has none: remaking the archive, the plan and
every signature from the entries is a Python loop over every cable (about
20 s at 250,000 cables). So every full pass saves its memory next to the
state (``memory.store``, a store of :mod:`generator.engine.store`: small
parts, each read when first used, so that a quick rebuild reads the few
dozen parts it needs rather than the whole file), named after the state's
generation; a build in a new process that finds only moved-nothing edits
restores it, rebuilds like ``serve`` does, and saves a small delta instead
of the whole state (:func:`generator.engine.state.save_delta`).

The saved memory describes the state as the full pass saved it; the quick
rebuilds since then are in the delta's *overlay* (the entries, Markdown
pages, templates and problems they changed), replayed on top of it when it
is restored. Any doubt (another generation, another set of files, a
damaged file or part) means no memory, and the build takes the full pass,
which saves a new one.
"""

from __future__ import annotations

import bisect
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from generator.archive import Archive, Copy, Entry, Facet, Variants
from generator.config import SiteConfig
from generator.digests import text_hex_digest
from generator.engine.discover import Identity, Inputs, Source
from generator.engine.state import BuildState
from generator.engine.store import Store, plain_dict, write_store
from generator.model import Problem
from generator.site.documents import Document
from generator.site.keys import Dep
from generator.site.plan import Page

MEMORY_FILE = "memory.store"
OLD_MEMORY_FILES = ("memory.pickle",)  # format 3
# Bumped whenever what is saved changes.
MEMORY_FORMAT = 5


@dataclass(slots=True)
class Changes:
    """What quick rebuilds changed since the last full pass: what a saved delta must hold."""

    sources: set[str] = field(default_factory=set)  # source files whose state is new
    entries: set[str] = field(default_factory=set)  # entries whose fields are new
    files: set[str] = field(default_factory=set)  # output files signed anew or removed
    spans: bool = False  # whether the problem list changed (and so where each source's are)


@dataclass(slots=True)
class Memory:
    """What a Builder keeps of its last full pass, to rebuild an edit without planning again.

    Restored from the saved memory, the mappings and sequences are read in
    parts, when used.
    """

    config: SiteConfig
    output: Path
    site: str
    state: BuildState  # the state as saved, kept up to date by quick rebuilds
    others: dict[str, Identity]  # identities of the other inputs, as read
    inputs: Inputs
    archive: Archive
    docs: dict[str, Document]
    doc_problems: list[Problem]
    problems: Sequence[Problem]
    spans: Mapping[str, tuple[int, int]]  # a source's problems: problems[start:end]
    pages: Sequence[Page]
    files: Sequence[str]
    extra: list[str]  # static files, .nojekyll
    located: Mapping[str, tuple[str | None, ...]]  # each entry's page key by file (None: a copy)
    templates: dict[str, str]  # page template → fingerprint of everything it pulls in
    # Which pages depend on what, by page index.
    by_entry: Mapping[str, Sequence[int]]  # the pages showing an entry
    by_cable: Mapping[str, Sequence[int]]  # the pages showing a cable's text
    by_input: Mapping[Dep, Sequence[int]]  # the pages of each other key
    by_template: Mapping[str, Sequence[int]]  # the pages of each page template
    changes: Changes = field(default_factory=Changes)
    # The sources by display path, made on first use: the files are the same
    # for as long as the memory lives (a file that comes or goes means the
    # full pass, and a new memory), and remaking it at every save cost 60 ms
    # at 50,000 files.
    by_display: Mapping[str, Source] | None = None

    def sources_by_display(self) -> Mapping[str, Source]:
        if self.by_display is None:
            self.by_display = _Sorted(self.inputs.sources)
        return self.by_display

    def saw(self, display: str) -> bool:
        """Whether the last full pass found a file at `display`, read or not, or below it."""
        below = display + "/"
        if any(name == display or name.startswith(below) for name in self.inputs.ignored):
            return True
        if display in self.sources_by_display():
            return True
        sources = self.inputs.sources  # sorted by display path
        # (Not where `display` itself would be: "a.txt" sorts between "a" and "a/b".)
        i = bisect.bisect_left(sources, below, key=_display)
        return i < len(sources) and sources[i].display.startswith(below)


class _Sorted(Mapping[str, Source]):
    """Sources by display path, found by bisection (a build's are sorted): a dict of
    250,000 of them cost a quick rebuild in a new process more than the rest of it."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources = sources

    def __getitem__(self, display: str) -> Source:
        i = bisect.bisect_left(self._sources, display, key=_display)
        if i < len(self._sources) and self._sources[i].display == display:
            return self._sources[i]
        raise KeyError(display)

    def __iter__(self) -> Iterator[str]:
        return map(_display, self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _display(source: Source) -> str:
    return source.display


@dataclass(slots=True)
class Assembled:
    """The archive of a build's sources, with what it says about them."""

    archive: Archive
    problems: list[Problem]  # every problem, in source order, then the archive's own
    spans: dict[str, tuple[int, int]]  # where each source's problems are in the list
    counts: dict[str, int]  # how many cables each source holds
    doc_problems: list[Problem] = field(default_factory=list)  # those of the Markdown pages


@dataclass(frozen=True, slots=True)
class Planned:
    """What a full pass planned: its pages, their files, the other files, the templates'
    fingerprints (of everything each pulls in)."""

    pages: list[Page]
    files: list[str]
    extra: list[str]
    templates: dict[str, str]


def remember(
    config: SiteConfig,
    output: Path,
    state: BuildState,
    others: dict[str, Identity],
    inputs: Inputs,
    assembled: Assembled,
    docs: dict[str, Document],
    planned: Planned,
) -> Memory:
    """The memory of a full pass."""
    by_entry: dict[str, list[int]] = defaultdict(list)
    by_cable: dict[str, list[int]] = defaultdict(list)
    by_input: dict[Dep, list[int]] = defaultdict(list)
    by_template: dict[str, list[int]] = defaultdict(list)
    for index, page in enumerate(planned.pages):
        for key in page.entries:
            by_entry[key].append(index)
        if page.cable is not None:
            by_cable[page.cable].append(index)
        for dep in page.inputs:
            if dep.kind == "cable":
                by_cable[dep.subject].append(index)  # (the feed shows its cables' text)
            else:
                by_input[dep].append(index)
        by_template[page.template].append(index)
    located: dict[str, list[str | None]] = {
        source: [None] * count for source, count in assembled.counts.items()
    }
    for key, entry in assembled.archive.entries.items():
        located[entry.source][entry.ordinal] = key
    return Memory(
        config=config,
        output=output,
        site=state.site,
        state=state,
        others=others,
        inputs=inputs,
        archive=assembled.archive,
        docs=docs,
        doc_problems=assembled.doc_problems,
        problems=assembled.problems,
        spans=assembled.spans,
        pages=planned.pages,
        files=planned.files,
        extra=planned.extra,
        located={source: tuple(keys) for source, keys in located.items()},
        templates=planned.templates,
        by_entry=dict(by_entry),
        by_cable=dict(by_cable),
        by_input=dict(by_input),
        by_template=dict(by_template),
    )


# --- saved with the state --------------------------------------------------------------

_PAGE_FIELDS = tuple(f.name for f in fields(Page))
_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
_FACETS = ("tags", "origins", "months", "classifications")
# The mappings of the archive, and how each value is remade (None: as saved).
_ARCHIVE_MAPS: dict[str, Callable[[Any], Any] | None] = {
    "entries": lambda values: Entry(*values),
    "variants": lambda values: Variants(*values),
    "cited_by": None,
    "missing": None,
    "redirects": None,
    "neighbours": None,
    "copied": None,
    **{name: lambda values: Facet(*values) for name in _FACETS},
}
_MEMORY_MAPS = ("spans", "located", "by_entry", "by_cable", "by_input", "by_template")


def inputs_digest(inputs: Inputs) -> str:
    """The list of source files (and ignored files): a saved memory is for one list only.

    Display paths only: what the memory holds is keyed by them, and the
    build takes the locations from its own scan. One join and one hash
    (hashing each path apart cost a quarter of a second at 250,000 files).
    """
    names = "\0".join(source.display for source in inputs.sources)
    names += "\1" + "\0".join(inputs.ignored)
    return text_hex_digest(names)


def save_memory(folder: Path, memory: Memory, generation: str) -> None:
    """Save `memory` (just after a full pass saved the state of `generation`).

    As a store: every mapping of 250,000 keys (the entries, the links, the
    index of which pages depend on what) split in parts by a hash of the
    key, the plan in chunks, each part read when first used. A quick
    rebuild reads a few dozen parts; reading all of it (a pickle per
    section) took 1.7 s at 251,052 cables. Each section is made just
    before it is written and let go just after.
    """
    m = memory
    archive = m.archive
    sections: list[tuple[str, str, Callable[[], Any]]] = [
        ("others", "value", lambda: m.state.inputs),  # as recorded: racy never compares equal
        ("docs", "value", lambda: m.docs),
        ("doc_problems", "value", lambda: [_plain_problem(p) for p in m.doc_problems]),
        ("copies", "value", lambda: [tuple(c) for c in archive.copies]),
        ("extra", "value", lambda: m.extra),
        ("templates", "value", lambda: m.templates),
        (
            "pages",
            "list",
            lambda: [tuple(getattr(p, f) for f in _PAGE_FIELDS) for p in m.pages],
        ),
        ("files", "list", lambda: m.files),
    ]
    for name in _ARCHIVE_MAPS:
        sections.append((f"archive.{name}", "map", lambda name=name: _archive_map(archive, name)))
    for name in _MEMORY_MAPS:
        sections.append((name, "map", lambda name=name: _memory_map(m, name)))
    meta = (MEMORY_FORMAT, generation, inputs_digest(m.inputs))
    write_store(folder / MEMORY_FILE, meta, sections)
    for old in OLD_MEMORY_FILES:
        with suppress(OSError):
            (folder / old).unlink()


def _archive_map(archive: Archive, name: str) -> dict[Any, Any]:
    value = getattr(archive, name)
    if name == "entries":
        return {key: _entry_tuple(entry) for key, entry in value.items()}
    if name == "variants":
        return {key: tuple(v) for key, v in value.items()}
    if name in _FACETS:
        return {key: (f.slug, f.name, f.keys) for key, f in value.items()}
    return plain_dict(value)


def _memory_map(m: Memory, name: str) -> dict[Any, Any]:
    value = getattr(m, name)
    if name.startswith("by_"):
        return {key: tuple(rows) for key, rows in value.items()}
    return plain_dict(value)


def has_memory(folder: Path) -> bool:
    return (folder / MEMORY_FILE).is_file()


def restore(
    folder: Path,
    *,
    config: SiteConfig,
    output: Path,
    state: BuildState,
    inputs: Inputs | None,
) -> Memory | None:
    """The memory of the full pass that saved `state`, with the delta's overlay replayed.

    `state` must have its body loaded (and its output checked to be `output`).
    None when there is no memory of that state for these inputs (`inputs`
    None: for any; only to look at, as ``--explain`` does). The parts are
    read as they are used: one that turns out damaged raises
    :class:`generator.engine.store.StoreDamaged` then (see
    :func:`generator.engine.quick.quick_rebuild`).
    """
    try:
        store = Store(folder / MEMORY_FILE)
        wanted = inputs_digest(inputs) if inputs is not None else store.meta[2]
        if store.meta != (MEMORY_FORMAT, state.generation, wanted):
            store.close()
            return None
        memory = _memory(store, config=config, output=output, state=state, inputs=inputs)
        if state.overlay:
            _replay(memory, pickle.loads(state.overlay))
    except Exception:
        return None  # damaged or from another layout: the full pass makes a new one
    return memory


def overlay(memory: Memory) -> bytes:
    """What quick rebuilds changed in the memory since it was saved (see :func:`restore`)."""
    m, noted = memory, memory.changes
    data = {
        "sources": sorted(noted.sources),
        "entries": [_entry_tuple(m.archive.entries[key]) for key in sorted(noted.entries)],
        "files": sorted(noted.files),
        "spans": plain_dict(m.spans) if noted.spans else None,
        "others": m.state.inputs,
        "docs": m.docs,
        "doc_problems": [_plain_problem(p) for p in m.doc_problems],
        "templates": m.templates,
        "extra": m.extra,
    }
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


# --- from plain values ---------------------------------------------------------------


def _memory(
    store: Store,
    *,
    config: SiteConfig,
    output: Path,
    state: BuildState,
    inputs: Inputs | None,
) -> Memory:
    maps = {name: store.map(f"archive.{name}", make) for name, make in _ARCHIVE_MAPS.items()}
    archive = Archive(copies=[Copy(*c) for c in store.value("copies")], **maps)
    return Memory(
        config=config,
        output=output,
        site=state.site,
        state=state,
        others=store.value("others"),
        inputs=inputs if inputs is not None else Inputs((), ()),
        archive=archive,
        docs=store.value("docs"),
        doc_problems=[Problem(*p) for p in store.value("doc_problems")],
        problems=state.problem_list(),
        spans=store.map("spans"),
        pages=store.list("pages", lambda values: Page(*values)),
        files=store.list("files"),
        extra=store.value("extra"),
        located=store.map("located"),
        templates=store.value("templates"),
        by_entry=store.map("by_entry"),
        by_cable=store.map("by_cable"),
        by_input=store.map("by_input"),
        by_template=store.map("by_template"),
    )


def _replay(m: Memory, data: dict[str, Any]) -> None:
    """Apply an overlay; its changes stay noted, so that the next delta holds them too."""
    for values in data["entries"]:
        m.archive.entries[values[0]] = Entry(*values)  # (its key was saved: it moves nothing)
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


def _entry_tuple(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in _ENTRY_FIELDS)


def _plain_problem(problem: Problem) -> tuple[str, int | None, str]:
    return (problem.path, problem.line, problem.message)
