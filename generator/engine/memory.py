"""What a quick rebuild needs, saved, so that `cablesite build` in a new process has it too.

``cablesite serve`` keeps the archive, the plan and the index of which pages
depend on what (:class:`generator.engine.quick.Memory`) from one build to the
next, and rebuilds an edit that moves nothing in a fraction of a second. A
new process has none of it: remaking the archive, the plan and every
signature from the records is a Python loop over every cable (about 20 s at
250,000 cables). So a full pass saves its memory next to the state
(``memory.store``, a store of :mod:`generator.engine.state`: plain tuples in small
parts, each read when first used, so that a quick rebuild reads the few
dozen parts it needs rather than the whole file), named after the state's
generation; a build in a new process that finds only moved-nothing edits
restores it, rebuilds like ``serve`` does, and saves a small delta instead
of the whole state (:func:`generator.engine.state.save_delta`).

The snapshot describes the state as the full pass saved it; the quick
rebuilds since then are in the delta's *overlay* (the entries, digests,
Markdown pages, templates and problems they changed), replayed on top of
it when it is restored. Any doubt (another generation, another set of
files, a damaged file or part) means no snapshot, and the build takes the
full pass, which saves a new one.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from generator.archive.assemble import Archive, Copy, Entry, Facet, Variants
from generator.config import SiteConfig
from generator.engine.discover import Inputs
from generator.engine.quick import Changes, Memory
from generator.engine.state import BuildState, Store, plain_dict, write_store
from generator.model import Problem
from generator.site.plan import Page

SNAPSHOT_FILE = "memory.store"
OLD_SNAPSHOT_FILE = "memory.pickle"  # format 3
# Bumped whenever what is saved changes.
SNAPSHOT_FORMAT = 4
_PAGE_FIELDS = Page.__slots__
_ENTRY_FIELDS = Entry.__slots__
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
_MEMORY_MAPS = ("spans", "digests", "located", "by_entry", "by_cable", "by_input", "by_template")


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

    As a store (:func:`generator.engine.state.write_store`): every mapping of 250,000
    keys (the entries, the links, the digests, the index of which pages
    depend on what) split in parts by a hash of the key, the plan in chunks,
    each part read when first used. A quick rebuild reads a few dozen parts;
    reading all of it (a pickle per section) took 1.7 s at 251,052 cables.
    Each section is made just before it is written and let go just after.
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
    meta = (SNAPSHOT_FORMAT, generation, inputs_digest(m.inputs))
    write_store(folder / SNAPSHOT_FILE, meta, sections)
    with suppress(OSError):
        (folder / OLD_SNAPSHOT_FILE).unlink()


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


def has_snapshot(folder: Path) -> bool:
    return (folder / SNAPSHOT_FILE).is_file()


def restore(
    folder: Path, *, config: SiteConfig, output: Path, state: BuildState, inputs: Inputs
) -> Memory | None:
    """The memory of the full pass that saved `state`, with the delta's overlay replayed.

    `state` must have its body loaded (and its output checked to be `output`).
    None when there is no snapshot of that state for these inputs. The parts
    are read as they are used: one that turns out damaged raises
    :class:`generator.engine.state.StoreDamaged` then (see :func:`generator.engine.quick.quick_rebuild`).
    """
    try:
        store = Store(folder / SNAPSHOT_FILE)
        if store.meta != (SNAPSHOT_FORMAT, state.generation, inputs_digest(inputs)):
            store.close()
            return None
        memory = _memory(store, config=config, output=output, state=state, inputs=inputs)
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
    store: Store, *, config: SiteConfig, output: Path, state: BuildState, inputs: Inputs
) -> Memory:
    maps = {name: store.map(f"archive.{name}", make) for name, make in _ARCHIVE_MAPS.items()}
    archive = Archive(copies=[Copy(*c) for c in store.value("copies")], **maps)
    return Memory(
        config=config,
        output=output,
        site=state.site,
        state=state,
        others=store.value("others"),
        inputs=inputs,
        archive=archive,
        docs=store.value("docs"),
        doc_problems=[Problem(*p) for p in store.value("doc_problems")],
        problems=state.problem_list(),
        spans=store.map("spans"),
        pages=store.list("pages", lambda values: Page(*values)),
        files=store.list("files"),
        extra=store.value("extra"),
        digests=store.map("digests"),
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


def _entry_tuple(entry: Entry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in _ENTRY_FIELDS)


def _plain_problem(problem: Problem) -> tuple[str, int | None, str]:
    return (problem.path, problem.line, problem.message)
