"""Quick rebuilds: an edit that moves nothing costs only its pages.

Most saves change a cable's text, subject or summary, or a template, or a
Markdown page: what some pages show, but not which pages there are or what
each one lists. When no cable changed a ``STRUCTURE`` field of its entry
(id, date, origin, classification, tags, references: see
:mod:`generator.archive.entry`) or its duplicate status, and no file
appeared or went, the archive's structure and the plan are those of the
last full pass, and the only signatures that can change are those of the
pages depending on what changed.

So a quick rebuild starts from the :class:`generator.engine.memory.Memory`
of the last full pass (kept by ``cablesite serve``, restored from the cache
by ``cablesite build``): it reads the changed files, checks that nothing
structural moved, puts the new fields in the few entries that changed,
and hands the pages depending on what changed to the step every path ends
with (:mod:`generator.engine.rewrite`): work in proportion to the edit,
not to the archive. Anything else returns None and the build takes the
full pass, which is always correct (the property tests check both against
clean builds).

A quick rebuild does not save the whole state (at 250,000 cables that
alone would take longer than the rest): the files it replaces are in the
pending journal, which makes the next process that loads the state render
them again; in a new process it saves a delta of the state instead
(:func:`resume`), and the next full pass saves the state.
"""

from __future__ import annotations

import functools
import marshal
import os
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ParamSpec

from generator.archive import Archive, Entry
from generator.archive.entry import SHOWN, STRUCTURE
from generator.config import SiteConfig
from generator.engine.cache import PACKS
from generator.engine.database_pass import database_copies
from generator.engine.discover import (
    Identities,
    Inputs,
    Source,
    changed_sources,
    display_path,
    find_files,
    parse_reader,
)
from generator.engine.explain import Reasons
from generator.engine.fingerprint import template_fingerprints
from generator.engine.inputs import other_inputs, static_files, trusted
from generator.engine.journal import clear_pending
from generator.engine.memory import Memory, has_memory, overlay, restore
from generator.engine.output import NoOutput
from generator.engine.parsecache import PackReader
from generator.engine.read_pass import read_sources
from generator.engine.render_pass import RenderJob
from generator.engine.rewrite import Rewrite, failed_files, had_failed_pages, rewrite
from generator.engine.run import BuildResult, Run
from generator.engine.signatures import Signer
from generator.engine.state import BuildState, load_body, save_delta
from generator.engine.store import StoreDamaged, plain_dict
from generator.model import Problem
from generator.render.environment import make_environment
from generator.render.pages import Diagnostics, Renderer
from generator.site import keys
from generator.site.documents import Document, load_documents
from generator.site.plan import doc_pages

# At most this many changed cable files for a quick rebuild in a new process:
# it parses them here, one by one; more are parsed faster by the full pass.
QUICK_FILES = 64

_P = ParamSpec("_P")


def _full_pass_if_damaged(
    rebuild: Callable[_P, BuildResult | None],
) -> Callable[_P, BuildResult | None]:
    """A part of the memory or the state's body that cannot be read means the full pass."""

    @functools.wraps(rebuild)
    def guarded(*args: _P.args, **options: _P.kwargs) -> BuildResult | None:
        try:
            return rebuild(*args, **options)
        except StoreDamaged:
            return None

    return guarded


@_full_pass_if_damaged
def quick_rebuild(
    memory: Memory,
    run: Run,
    *,
    hint: frozenset[Path] | None = None,
    changed: Sequence[Source] | None = None,
) -> BuildResult | None:
    """Rebuild what an edit changed, or None when the edit needs the full pass.

    `hint` is the set of cable files the caller knows to have changed (the
    watcher's events), or None to compare every file's identity; `changed`,
    when given, is the list of the cable files to read again (the caller
    compared the identities already).

    The memory restored from the cache, and the state's body, are read a
    part at a time as they are used: a part that cannot be read means the
    full pass (None), never a failure. Whatever it has replaced by then is
    in the pending journal.
    """
    m = memory
    if run.output != m.output or run.site != m.site or m.state.output is None:
        return None
    if run.options.clean or run.options.strict:
        return None
    if had_failed_pages(m.state.output.pages):
        return None  # the full pass renders them again
    if changed is None:
        changed = _changed_sources(m, run.config, hint)
    if changed is None:
        return None
    others = other_inputs(run.config, m.inputs)
    moved = {
        path for path in others.keys() | m.others.keys() if others.get(path) != m.others.get(path)
    }
    docs, changed_docs = _docs(m, run.config, moved)
    if docs is None:
        return None

    read = read_sources(
        Inputs(tuple(changed), ()),
        {s.display: m.state.sources[s.display] for s in changed},
        {},
        reader=run.reader,
        packs=run.cache / PACKS,
        jobs=1,
    )
    updates: dict[str, list[Entry]] = {}
    for source in changed:
        old = m.state.sources[source.display]
        new = read.sources[source.display]
        if new is old:
            continue
        entries = new.entry_list(source.display)
        if not _same_structure(m.archive, old.entry_list(source.display), entries):
            return None
        updates[source.display] = entries

    # From here on the edit is known to move nothing: which pages it touches, and why.
    archive = m.archive
    reasons = Reasons(m.pages, archive)
    replaced: set[str] = set()
    for display, entries in updates.items():
        _update_entries(m, archive, display, entries, replaced, reasons)
    problems, spans = m.problems, m.spans
    if any(read.sources[d].problems != m.state.sources[d].problems for d in updates):
        problems, spans = _spliced(m, {d: read.sources[d].problem_list() for d in updates})
        reasons.note(m.by_input.get(keys.DIAGNOSTICS, ()), "dep", keys.DIAGNOSTICS)

    env = make_environment(run.config)
    fingerprint = template_fingerprints(env)
    templates = {name: fingerprint(name) for name in m.templates}
    for name, value in templates.items():
        if value != m.templates[name]:
            reasons.note(m.by_template.get(name, ()), "template", name)
    for slug in changed_docs:
        reasons.note(m.by_input.get(keys.doc(slug), ()), "dep", keys.doc(slug))
        reasons.note(m.by_input.get(keys.DOCS, ()), "dep", keys.DOCS)
    touched = sorted(reasons.noted)

    extra = static_files(run.config)
    gone = [path for path in m.extra if path not in extra]
    sources = len(m.inputs.sources)
    signer = Signer(
        archive,
        site=run.site,
        template=fingerprint,
        docs=docs,
        problems=problems,
        sources=sources,
    )
    new_states = {d: read.sources[d] for d in updates}
    # A copy: pages that fail to render add their warnings to this build's list only.
    shown = list(problems)
    renderer = Renderer(env, run.config, archive, docs, Diagnostics(shown, sources))
    packs = PackReader(run.cache / PACKS)
    try:
        job = RenderJob(
            renderer=renderer,
            pages=m.pages,
            archive=archive,
            # (Chained, not copied: the state's sources may be read from the cache in parts.)
            states=ChainMap(new_states, m.state.sources),
            sources=m.sources_by_display(),
            reader=run.reader,
            packs=packs,
            output=NoOutput(),
            files=m.files,
        )
        copies = database_copies(run, job, replaced)
        done = rewrite(
            Rewrite(
                job=job,
                signer=signer,
                files=m.files,
                extra=extra,
                output=run.output,
                cache=run.cache,
                jobs=run.jobs,
                recorded=m.state.output.pages,
                candidates=touched,
                gone=gone,
                why=reasons if run.explain is not None else None,
                explain=run.explain,
                copies=copies,
            )
        )
    finally:
        packs.close()

    # Applied: the memory and the state now describe the new output.
    noted = m.changes
    noted.sources.update(updates)
    noted.entries |= replaced
    noted.files.update(m.files[index] for index in touched)
    noted.files.update(gone)
    noted.files.update(extra)
    noted.files.update(failed_files(job, m.files))  # unrecorded: rendered again next build
    noted.files.update(copies)
    noted.spans |= problems is not m.problems
    m.state.sources.update(new_states)
    m.state.identities.update(read.identities)
    m.state.inputs = trusted(others)
    if problems is not m.problems:
        m.state.problems = marshal.dumps(tuple((p.path, p.line, p.message) for p in problems))
    m.others, m.docs, m.problems, m.spans = others, docs, problems, spans
    m.templates, m.extra = templates, sorted(extra)
    return BuildResult(
        output=run.output,
        sources=sources,
        cables=len(archive),
        pages=len(m.pages),
        written=done.written,
        unchanged=len(m.files) + len(m.extra) - done.written,
        problems=shown,
        copies=len(archive.copies),
        removed=done.removed,
        parsed=read.parsed,
        rendered=done.rendered,
        kind="quick",
        changed=done.changed,
    )


def resume(
    run: Run, state: BuildState, inputs: Inputs, stats: Identities, usable: bool
) -> tuple[BuildResult, Memory | None] | None:
    """A quick rebuild in a new process, from the memory the last full pass saved.

    It applies when the same files are there, the last build's output is
    the one recorded (`usable`), and only a few files changed (a quick
    rebuild parses them here, not in workers); then, as in ``serve``, when
    nothing moved. It saves a delta rather than the whole state. Returns the
    result and the memory (None when the delta could not be saved).
    """
    if run.options.clean or run.options.strict or run.reader is not parse_reader:
        return None
    if not state.complete or state.site != run.site or not has_memory(run.cache):
        return None
    changed = changed_sources(inputs, stats, state.identities)
    if (
        changed is None
        or len(changed) > QUICK_FILES
        or not usable
        or not load_body(run.cache, state, lazy=True)
    ):
        return None
    memory = restore(run.cache, config=run.config, output=run.output, state=state, inputs=inputs)
    if memory is None:
        return None
    result = quick_rebuild(memory, run, changed=changed)
    if result is None:
        return None
    try:
        save_delta(run.cache, state, memory.changes.sources, memory.changes.files, overlay(memory))
        clear_pending(run.cache)
    except OSError as error:
        # The pending journal still lists what was replaced: the next build redoes it.
        run.tell(f"warning: build state not saved ({error.strerror or error})")
    except StoreDamaged:
        # A part of the state's body or of the memory could not be read back for
        # the delta: the journal, again, makes the next build redo these files.
        run.tell("warning: build state not saved (its cache is damaged; the next build reads all)")
        return result, None
    return result, memory


# --- the steps -----------------------------------------------------------------------


def _changed_sources(
    m: Memory, config: SiteConfig, hint: frozenset[Path] | None
) -> list[Source] | None:
    """The cable files to read again; None when files appeared or went."""
    known = m.sources_by_display()
    if hint is None:
        inputs, stats = find_files(config.cables_dir, config.root)
        if inputs != m.inputs:
            return None
        return changed_sources(inputs, stats, m.state.identities)
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
        if source is None and not os.path.lexists(path) and not m.saw(prefix + relative):
            # Came and went within the batch: the temporary file that sed -i and many
            # editors write beside the cable and rename over it. Nothing changed there.
            continue
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


def _same_structure(archive: Archive, old: Sequence[Entry], new: Sequence[Entry]) -> bool:
    """True when no entry changed anything that places it in the archive.

    The text's digest tells copies from variants, so it counts only for an
    id that more than one file holds.
    """
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):
        if any(getattr(a, name) != getattr(b, name) for name in STRUCTURE):
            return False
        shared = a.id in archive.variants or a.id in archive.copied
        if shared and a.text_digest != b.text_digest:
            return False
    return True


# The fields of an entry that a quick rebuild may change: those shown and its text's digests.
_UPDATED = (*SHOWN, "text_digest", "cable_digest")


def _update_entries(
    m: Memory,
    archive: Archive,
    display: str,
    entries: Sequence[Entry],
    replaced: set[str],
    reasons: Reasons,
) -> None:
    """Put the new fields in the archive's entries (their keys go in `replaced`), and note
    the pages that show what changed."""
    located = m.located[display]
    for ordinal, new in enumerate(entries):
        key = located[ordinal]
        if key is None:
            continue  # an identical copy of a cable kept from another file
        old = archive.entries[key]
        changed = {
            name: getattr(new, name)
            for name in _UPDATED
            if getattr(old, name) != getattr(new, name)
        }
        if not changed:
            continue
        updated = archive.entries[key] = replace(old, **changed)
        replaced.add(key)
        if any(name in SHOWN for name in changed):
            reasons.note(m.by_entry.get(key, ()), "entry", (key, old, updated))
        if "cable_digest" in changed:
            reasons.note(m.by_cable.get(key, ()), "cable", key)


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
