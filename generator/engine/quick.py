"""The quick rebuild of ``cablesite serve``: an edit that moves nothing costs only its pages.

Most saves in a preview session change a cable's text, subject or summary,
or a template, or a Markdown page: what some pages show, but not which
pages there are or what each one lists. When no cable changed its id,
date, origin, classification, tags, references or duplicate status, and
no file appeared or went, the archive's structure and the plan are those of
the last build, and the only signatures that can change are those of the
pages depending on what changed.

So a :class:`Builder` that serves a preview keeps, from its last full pass,
the archive, the plan and an index from each input (a cable's metadata, a
cable's text, a template, a Markdown page, the diagnostics) to the pages
depending on it (:class:`Memory`). A quick rebuild parses the changed files,
checks that nothing structural moved, updates the few entries whose
metadata changed, signs the pages depending on what changed and renders
those whose signature is new: work in proportion to the edit, not to the
archive. Anything else returns None and the build takes the full pass,
which is always correct (the property tests check both against clean
builds).

A quick rebuild does not save the whole state (at 250,000 cables that
alone would take longer than the rest): it lists the files it replaced in
the pending journal, which makes the next process that loads the state
render them again, and the next full pass saves the state.
"""

from __future__ import annotations

import bisect
import functools
import marshal
from collections import ChainMap, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ParamSpec

from generator.archive.assemble import Archive
from generator.archive.entry import CableRecord
from generator.config import SiteConfig
from generator.engine.discover import (
    Identity,
    Inputs,
    Reader,
    Source,
    changed_identities,
    display_path,
    scan_folder,
)
from generator.engine.inputs import (
    bytes_digest,
    cable_digests,
    load_documents,
    other_inputs,
    static_files,
    template_fingerprints,
    trusted,
)
from generator.engine.output import ChangedOutput
from generator.engine.parsecache import PackReader
from generator.engine.read_pass import scan_sources
from generator.engine.render_pass import RenderJob, render_pages
from generator.engine.signatures import Signer
from generator.engine.state import PACKS, BuildState, StoreDamaged, mark_pending, plain_dict
from generator.model import Problem
from generator.render.environment import make_environment
from generator.render.markdown import Document
from generator.render.pages import Diagnostics, Renderer
from generator.site.plan import Page, doc_pages


@dataclass(slots=True)
class Changes:
    """What quick rebuilds changed since the last full pass: what a saved delta must hold."""

    sources: set[str] = field(default_factory=set)  # source files whose state is new
    entries: set[str] = field(default_factory=set)  # entries whose metadata is new
    files: set[str] = field(default_factory=set)  # output files signed anew or removed
    spans: bool = False  # whether the problem list changed (and so where each source's are)


@dataclass(slots=True)
class Memory:
    """What a Builder keeps of its last full pass, to rebuild an edit without planning again."""

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
    # (From a snapshot, the mappings and sequences are read in parts, when used.)
    digests: MutableMapping[str, tuple[str, ...]]
    located: Mapping[str, tuple[str | None, ...]]  # the page key of each record (None: a copy)
    templates: dict[str, str]  # page template → fingerprint of everything it pulls in
    # (Mappings: restored from a snapshot, their rows are unpacked when asked for.)
    by_entry: Mapping[str, Sequence[int]]
    by_cable: Mapping[str, Sequence[int]]
    by_input: Mapping[str, Sequence[int]]
    by_template: Mapping[str, Sequence[int]]  # page template → its pages
    changes: Changes = field(default_factory=Changes)
    # The sources by display path, made on first use: the files are the same
    # for as long as the memory lives (a file that comes or goes means the
    # full pass, and a new memory), and remaking it at every save cost 60 ms
    # at 50,000 files.
    by_display: Mapping[str, Source] | None = None


def sources_by_display(m: Memory) -> Mapping[str, Source]:
    if m.by_display is None:
        m.by_display = _Sorted(m.inputs.sources)
    return m.by_display


class _Sorted(Mapping[str, Source]):
    """Sources by display path, found by bisection (a build's are sorted; others
    are searched): a dict of 250,000 of them cost a quick rebuild in a new
    process more than the rest of it."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources = sources

    def __getitem__(self, display: str) -> Source:
        i = bisect.bisect_left(self._sources, display, key=_display)
        if i < len(self._sources) and self._sources[i].display == display:
            return self._sources[i]
        for source in self._sources:
            if source.display == display:
                return source
        raise KeyError(display)

    def __contains__(self, display: object) -> bool:
        return isinstance(display, str) and self.get(display) is not None

    def __iter__(self) -> Iterator[str]:
        return map(_display, self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _display(source: Source) -> str:
    return source.display


def remember(
    *,
    config: SiteConfig,
    output: Path,
    state: BuildState,
    others: dict[str, Identity],
    inputs: Inputs,
    archive: Archive,
    docs: dict[str, Document],
    doc_problems: list[Problem],
    problems: list[Problem],
    spans: dict[str, tuple[int, int]],
    pages: list[Page],
    files: list[str],
    extra: Iterable[str],
    digests: dict[str, tuple[str, ...]],
    templates: dict[str, str],
) -> Memory:
    by_entry: dict[str, list[int]] = defaultdict(list)
    by_cable: dict[str, list[int]] = defaultdict(list)
    by_input: dict[str, list[int]] = defaultdict(list)
    by_template: dict[str, list[int]] = defaultdict(list)
    for index, page in enumerate(pages):
        for key in page.entries:
            by_entry[key].append(index)
        if page.cable is not None:
            by_cable[page.cable].append(index)
        for name in page.inputs:
            if name.startswith("cable:"):
                by_cable[name[6:]].append(index)
            else:
                by_input[name].append(index)
        by_template[page.template].append(index)
    located: dict[str, list[str | None]] = {
        source: [None] * len(keys) for source, keys in digests.items()
    }
    for key, entry in archive.entries.items():
        located[entry.source][entry.ordinal] = key
    return Memory(
        config=config,
        output=output,
        site=state.site,
        state=state,
        others=others,
        inputs=inputs,
        archive=archive,
        docs=docs,
        doc_problems=doc_problems,
        problems=problems,
        spans=spans,
        pages=pages,
        files=files,
        extra=sorted(extra),
        digests=digests,
        located={source: tuple(keys) for source, keys in located.items()},
        templates=templates,
        by_entry=dict(by_entry),
        by_cable=dict(by_cable),
        by_input=dict(by_input),
        by_template=dict(by_template),
    )


@dataclass(slots=True)
class QuickResult:
    parsed: int
    rendered: int
    written: int
    removed: int
    changed: frozenset[str]


_P = ParamSpec("_P")


def _full_pass_if_damaged(
    rebuild: Callable[_P, QuickResult | None],
) -> Callable[_P, QuickResult | None]:
    """A part of the snapshot or the state's body that cannot be read means the full pass."""

    @functools.wraps(rebuild)
    def guarded(*args: _P.args, **options: _P.kwargs) -> QuickResult | None:
        try:
            return rebuild(*args, **options)
        except StoreDamaged:
            return None

    return guarded


@_full_pass_if_damaged
def quick_rebuild(
    memory: Memory,
    *,
    config: SiteConfig,
    site: str,
    output: Path,
    reader: Reader,
    folder: Path,
    hint: frozenset[Path] | None,
    jobs: int,
    changed: Sequence[Source] | None = None,
) -> QuickResult | None:
    """Rebuild what an edit changed, or None when the edit needs the full pass.

    `hint` is the set of cable files the caller knows to have changed (the
    watcher's events), or None to compare every file's identity; `changed`,
    when given, is the list of the cable files to read again (the caller
    compared the identities already).

    The memory restored from a snapshot, and the state's body, are read a
    part at a time as they are used: a part that cannot be read means the
    full pass (None), never a failure. Whatever it has replaced by then is
    in the pending journal.
    """
    m = memory
    if output != m.output or site != m.site or m.state.output is None:
        return None
    if changed is None:
        changed = _changed_sources(m, config, hint)
    if changed is None:
        return None
    others = other_inputs(config, m.inputs)
    moved = {
        path for path in others.keys() | m.others.keys() if others.get(path) != m.others.get(path)
    }
    docs, changed_docs = _docs(m, config, moved)
    if docs is None:
        return None

    scan = scan_sources(
        Inputs(tuple(changed), ()),
        {s.display: m.state.sources[s.display] for s in changed},
        {},
        reader=reader,
        packs=folder / PACKS,
        jobs=1,
    )
    updates: dict[str, list[CableRecord]] = {}
    for source in changed:
        old = m.state.sources[source.display]
        new = scan.sources[source.display]
        if new is old:
            continue
        records = new.cable_records()
        if not _same_structure(m.archive, old.cable_records(), records):
            return None
        updates[source.display] = records

    # From here on the edit is known to move nothing: update, sign, render.
    archive = m.archive
    touched: set[int] = set()
    new_digests: dict[str, tuple[str, ...]] = {}
    replaced: set[str] = set()
    for display, records in updates.items():
        m.digests.get(display)  # read now: nothing is read once files are replaced
        touched |= _update_entries(m, archive, display, records, replaced)
        new_digests[display] = tuple(r.cable_digest for r in records)
    # (Chained, not copied: the memory's mappings may be read from a snapshot.)
    digests = ChainMap(new_digests, m.digests)
    problems, spans = m.problems, m.spans
    problem_bytes = {d: scan.sources[d].problems for d in updates}
    if any(problem_bytes[d] != m.state.sources[d].problems for d in updates):
        problems, spans = _spliced(m, {d: scan.sources[d].problem_list() for d in updates})
        touched.update(m.by_input.get("diagnostics", ()))

    env = make_environment(config)
    fingerprint = template_fingerprints(env)
    templates = {name: fingerprint(name) for name in m.templates}
    for name, value in templates.items():
        if value != m.templates[name]:
            touched.update(m.by_template.get(name, ()))
    for slug in changed_docs:
        touched.update(m.by_input.get(f"doc:{slug}", ()))
        touched.update(m.by_input.get("docs", ()))

    recorded = m.state.output.pages
    extra = static_files(config)
    extra_signatures = {path: bytes_digest(data) for path, data in extra.items()}
    dirty_extra = [p for p, s in extra_signatures.items() if recorded.get(p) != s]
    removed = [p for p in m.extra if p not in extra]
    for path in removed:
        recorded.get(path)  # read now: nothing is read once files are replaced

    sources = len(m.inputs.sources)
    signer = Signer(
        archive,
        site=site,
        template=fingerprint,
        cables=cable_digests(archive, digests),
        docs=docs,
        problems=problems,
        sources=sources,
    )
    signatures = {index: signer.sign(m.pages[index]) for index in sorted(touched)}
    dirty = [i for i, sig in signatures.items() if recorded.get(m.files[i]) != sig]

    new_states = {d: scan.sources[d] for d in updates}
    states = ChainMap(new_states, m.state.sources)
    renderer = Renderer(env, config, archive, docs, Diagnostics(problems, sources))
    packs = PackReader(folder / PACKS)
    try:
        with ChangedOutput(output) as out:
            job = RenderJob(
                renderer=renderer,
                pages=m.pages,
                archive=archive,
                states=states,
                sources=sources_by_display(m),
                reader=reader,
                packs=packs,
                output=out,
            )
            done = list(render_pages(job, dirty, jobs=jobs))
            done.extend((path, out.put(path, extra[path])) for path in dirty_extra)
            staged = [path for path, wrote in done if wrote]
            if staged or removed:
                mark_pending(folder, [*staged, *removed])
                out.commit(staged, removed)
    finally:
        packs.close()

    # Applied: the memory and the state now describe the new output.
    for index, sig in signatures.items():
        recorded[m.files[index]] = sig
    for path in removed:
        recorded.pop(path, None)
    recorded.update(extra_signatures)
    noted = m.changes
    noted.sources.update(updates)
    noted.entries |= replaced
    noted.files.update(m.files[index] for index in signatures)
    noted.files.update(removed)
    noted.files.update(extra_signatures)
    noted.spans |= problems is not m.problems
    m.state.sources.update(new_states)
    m.state.identities.update({d: scan.identities[d] for d in scan.identities})
    m.state.inputs = trusted(others)
    if problems is not m.problems:
        m.state.problems = marshal.dumps(tuple((p.path, p.line, p.message) for p in problems))
    m.others, m.docs, m.problems, m.spans = others, docs, problems, spans
    m.digests.update(new_digests)
    m.templates, m.extra = templates, sorted(extra)
    return QuickResult(
        parsed=scan.parsed,
        rendered=len(dirty),
        written=len(staged),
        removed=len(removed),
        changed=frozenset([*staged, *removed]),
    )


# --- the steps -----------------------------------------------------------------------


def _changed_sources(
    m: Memory, config: SiteConfig, hint: frozenset[Path] | None
) -> list[Source] | None:
    """The cable files to read again; None when files appeared or went."""
    known = sources_by_display(m)
    identities = m.state.identities
    if hint is None:
        inputs, stats = scan_folder(config.cables_dir, config.root)
        differing = changed_identities(stats, identities) if inputs == m.inputs else None
        if differing is None:
            return None
        differ = set(differing)
        return [s for s in inputs.sources if s.display in differ] if differ else []
    top = config.cables_dir.resolve()
    prefix = display_path(config.cables_dir, config.root) + "/"
    changed: list[Source] = []
    for path in sorted(hint):
        try:
            relative = path.relative_to(top).as_posix()
        except ValueError:
            return None
        if any(part.startswith(".") for part in relative.split("/")):
            continue  # hidden files are not read by a build either
        source = known.get(prefix + relative)
        if source is None or not path.is_file():
            return None  # a new, deleted or moved file, or a folder: the full pass
        changed.append(source)
    return changed


def _docs(
    m: Memory, config: SiteConfig, moved: set[str]
) -> tuple[dict[str, Document] | None, list[str]]:
    """The Markdown pages, and the slugs whose page changed; None when pages came or went."""
    pages_dir = str(config.pages_dir)
    if not any(path.startswith(pages_dir) for path in moved):
        return m.docs, []
    problems: list[Problem] = []
    docs = load_documents(config, problems)
    if set(docs) != set(m.docs) or problems != m.doc_problems:
        return None, []
    old_plan = {p.subject: p for p in m.pages if p.kind == "doc"}
    for page in doc_pages(m.archive, list(docs.values())):
        if old_plan.get(page.subject) != page:
            return None, []  # it names other cables now
    return docs, [slug for slug, doc in docs.items() if doc != m.docs[slug]]


_STRUCTURE = (
    "id",
    "created",
    "origin",
    "origin_slug",
    "classification",
    "classification_slug",
    "tags",
    "references",
    "raw_id",
)


def _same_structure(
    archive: Archive, old: Sequence[CableRecord], new: Sequence[CableRecord]
) -> bool:
    """True when no record changed anything that places it in the archive.

    The text's digest tells copies from variants, so it counts only for an
    id that more than one file holds.
    """
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):
        if any(getattr(a, name) != getattr(b, name) for name in _STRUCTURE):
            return False
        shared = a.id in archive.variants or a.id in archive.copied
        if shared and a.text_digest != b.text_digest:
            return False
    return True


def _update_entries(
    m: Memory, archive: Archive, display: str, records: Sequence[CableRecord], replaced: set[str]
) -> set[int]:
    """Put the records' new metadata in their entries (their keys go in `replaced`); the
    pages to sign again."""
    touched: set[int] = set()
    for ordinal, record in enumerate(records):
        key = m.located[display][ordinal]
        if key is None:
            continue  # an identical copy of a cable kept from another file
        entry = archive.entries[key]
        shown = (record.title, record.released, record.partial)
        if shown != (entry.title, entry.released, entry.partial):
            archive.entries[key] = replace(
                entry, title=record.title, released=record.released, partial=record.partial
            )
            replaced.add(key)
            touched.update(m.by_entry.get(key, ()))
        if record.cable_digest != m.digests[display][ordinal]:
            touched.update(m.by_cable.get(key, ()))
    return touched


def _spliced(
    m: Memory, replaced: Mapping[str, list[Problem]]
) -> tuple[list[Problem], dict[str, tuple[int, int]]]:
    """The problem list with some sources' problems replaced, and where each source's are."""
    problems = list(m.problems)
    spans = plain_dict(m.spans)
    for display in sorted(replaced, key=lambda d: spans[d][0], reverse=True):
        start, end = spans[display]
        problems[start:end] = replaced[display]
        shift = len(replaced[display]) - (end - start)
        spans[display] = (start, start + len(replaced[display]))
        if shift:
            for other, (a, b) in spans.items():
                if a >= end and other != display:
                    spans[other] = (a + shift, b + shift)
    return problems, spans
