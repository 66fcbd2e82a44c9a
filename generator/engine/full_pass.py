"""The full pass: read every file that changed, make the archive and the plan, rewrite what changed.

1. **read** (:mod:`generator.engine.read_pass`): every source file's state;
   unchanged files come from the build state, the others are parsed in
   worker processes, which put the parsed cables in the parse cache;
2. **archive** (:func:`generator.archive.assemble`) and **plan**
   (:func:`generator.site.plan.plan_site`), from the entries, never the text;
3. the step every path ends with (:mod:`generator.engine.rewrite`): sign,
   render the pages whose signature changed (all of them when there is no
   output to trust), apply, record;
4. **save** the state, and the memory a quick rebuild in a new process
   starts from (:mod:`generator.engine.memory`).

What was read is saved even when the build fails: the next build does not
parse those files again.
"""

from __future__ import annotations

import gc
import marshal
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

import jinja2

from generator.archive import Archive, ArchiveBuilder, variant_problems
from generator.engine.cache import PACKS
from generator.engine.database_pass import DatabaseProcess, packs_in_use
from generator.engine.discover import Identities, Identity, Inputs, Reader, parse_reader
from generator.engine.explain import Explainer, against_memory
from generator.engine.fingerprint import code_fingerprint, template_fingerprints
from generator.engine.inputs import static_files, trusted
from generator.engine.journal import clear_pending, mark_unknown, pending_paths
from generator.engine.memory import Assembled, Memory, Planned, remember, restore, save_memory
from generator.engine.output import NoOutput
from generator.engine.parsecache import PackReader, delete_packs, live_bytes, packs_to_drop
from generator.engine.read_pass import read_sources
from generator.engine.render_pass import RenderJob
from generator.engine.rewrite import Rewrite, rewrite
from generator.engine.run import BuildResult, Run
from generator.engine.signatures import Signer
from generator.engine.state import (
    BuildState,
    OutputState,
    SourceState,
    load_body,
    save_state,
    unusable_reason,
)
from generator.errors import StrictFailure
from generator.model import Problem
from generator.render.environment import make_environment
from generator.render.pages import Diagnostics, Renderer
from generator.site.documents import Document, load_documents
from generator.site.plan import Page, plan_site
from generator.ui.progress import Progress
from generator.urls import Urls, output_file


class SourceArchive:
    """The archive of the sources' entries, made source by source in source order.

    A full pass adds each source as the read pass tells it (see
    `read_sources`' `each`), while the workers still parse the files after
    it: turning each source's records into entries is then done by the time
    the read ends, and only linking the archive is left.
    """

    def __init__(self, inputs: Inputs) -> None:
        self._problems: list[Problem] = [
            Problem(path, None, "not a supported cable file; ignored") for path in inputs.ignored
        ]
        self._spans: dict[str, tuple[int, int]] = {}
        self._counts: dict[str, int] = {}
        self._builder = ArchiveBuilder()

    def add(self, source: str, state: SourceState) -> None:
        """The next source (its display path) in source order, and its state."""
        found = state.entry_list(source)
        self._counts[source] = len(found)
        add = self._builder.add
        for entry in found:
            add(entry)
        start = len(self._problems)
        self._problems.extend(state.problem_list())
        self._spans[source] = (start, len(self._problems))

    def assembled(self) -> Assembled:
        """The archive of every source added, and every problem met in source order."""
        archive = self._builder.build()
        self._problems.extend(variant_problems(archive))
        return Assembled(archive, self._problems, self._spans, self._counts)


def assemble_sources(inputs: Inputs, states: Mapping[str, SourceState]) -> Assembled:
    """The archive of every source's entries, and every problem met in source order."""
    sources = SourceArchive(inputs)
    for source in inputs.sources:
        sources.add(source.display, states[source.display])
    return sources.assembled()


def read_archive(
    inputs: Inputs, reader: Reader = parse_reader, *, jobs: int = 1
) -> tuple[Archive, list[Problem]]:
    """Every cable's entry and every problem, read afresh (for ``cablesite check``)."""
    states = read_sources(inputs, {}, {}, reader=reader, jobs=jobs).sources
    assembled = assemble_sources(inputs, states)
    return assembled.archive, assembled.problems


def full_pass(
    run: Run,
    state: BuildState | None,
    inputs: Inputs,
    stats: Identities,
    others: dict[str, Identity],
    *,
    keep: bool,
) -> tuple[BuildResult, BuildState | None, Memory | None]:
    """The build of everything that changed since `state` (everything, without one).

    Returns the result, the state it saved (None when it could not), and the
    memory of the pass (kept when `keep`, or saved for a later quick rebuild).
    """
    # Forked first, while this process is small (see DatabaseProcess); it
    # waits for its plan, and ends with the pass whatever happens.
    with DatabaseProcess(run) as database:
        explainer = _explainer(run, state)
        if state is not None and not load_body(run.cache, state):
            state = None
        run.tell(f"reading {len(inputs.sources)} file(s) from {run.config.cables_dir}")
        bars = run.bars and bool(inputs.sources)
        sources = SourceArchive(inputs)
        with Progress(len(inputs.sources), "reading", unit="files", enabled=bars) as bar:
            read = read_sources(
                inputs,
                state.sources if state is not None else {},
                state.identities if state is not None else {},
                stats=stats,
                reader=run.reader,
                packs=run.cache / PACKS,
                jobs=run.jobs,
                advance=bar.advance,
                each=sources.add,
            )
        # What the last build left is in `read` now (and its output's signatures
        # below): let the rest go before the archive is made.
        old_output = usable_output(state, run.output)
        del state, stats
        assembled = sources.assembled()
        archive, problems = assembled.archive, assembled.problems
        before = len(problems)
        docs = load_documents(run.config, problems)
        assembled.doc_problems = problems[before:]
        result = BuildResult(
            output=run.output,
            sources=len(inputs.sources),
            cables=len(archive),
            copies=len(archive.copies),
            problems=problems,
            parsed=read.parsed,
        )
        # Whatever happens next, what was read is worth keeping.
        new_state = BuildState(
            code=code_fingerprint(),
            reader=run.reader_kind,
            identities=read.identities,
            sources=read.sources,
            output=old_output,
            site=run.site,
            site_parts=run.site_parts,
            inputs=trusted(others),
            summary={"cables": result.cables, "copies": result.copies},
            problems=marshal.dumps(tuple((p.path, p.line, p.message) for p in problems)),
        )
        applied = False
        memory: Memory | None = None
        try:
            if run.options.strict and problems:
                raise StrictFailure(problems)
            # The database's plan as soon as the archive is made: the process fills
            # while this one plans the pages (a core is idle until the render starts).
            database.start(
                archive, read.sources, {s.display: s for s in inputs.sources}, run.reader
            )
            planned = _write(
                run, archive, docs, read.sources, inputs, result, new_state, explainer, database
            )
            applied = True
            if keep or run.reader is parse_reader:
                memory = remember(
                    run.config, run.output, new_state, others, inputs, assembled, docs, planned
                )
        finally:
            saved = _save(run, new_state, applied=applied, memory=memory)
        return result, saved, memory


def _write(
    run: Run,
    archive: Archive,
    docs: Mapping[str, Document],
    states: Mapping[str, SourceState],
    inputs: Inputs,
    result: BuildResult,
    state: BuildState,
    explainer: Explainer | None,
    database: DatabaseProcess,
) -> Planned:
    """Plan, sign, render and apply (the database beside: `database`, its plan sent);
    what was planned."""
    pages = plan_site(archive, run.config, list(docs.values()))
    files = output_files(pages)
    env = make_environment(run.config)
    fingerprint = template_fingerprints(env)
    renderer = Renderer(
        env, run.config, archive, docs, Diagnostics(result.problems, result.sources)
    )
    signer = Signer(
        archive,
        site=run.site,
        template=fingerprint,
        docs=docs,
        problems=result.problems,
        sources=result.sources,
    )
    templates = {name: fingerprint(name) for name in {page.template for page in pages}}
    compile_templates(env, templates)
    extra = static_files(run.config)
    old = state.output
    gone: list[str] = []
    if old is not None:
        gone = sorted(old.pages.keys() - set(files) - set(extra) - {Urls.database})
    result.pages = len(pages)
    # Rendering makes cyclic garbage (Jinja does): collect it, but never
    # walk the archive and the plan, which live to the end of the build.
    gc.freeze()
    gc.enable()
    packs = PackReader(run.cache / PACKS)
    try:
        job = RenderJob(
            renderer=renderer,
            pages=pages,
            archive=archive,
            states=states,
            sources={s.display: s for s in inputs.sources},
            reader=run.reader,
            packs=packs,
            output=NoOutput(),
            files=files,
        )
        why = explainer.bind(signer, pages, files) if explainer is not None else None
        # Signing in this process, before the render workers fork: in forked
        # workers it was no faster (each worker works out the facts of the same
        # entries, and forking a large process costs), and in this process while
        # the workers render it made their inherited pages private (reading an
        # entry writes its reference count): 1.86 -> 2.08 GB of PSS at 251,052.
        # Signed by the render tasks themselves (each worker its own pages, once
        # written), a clean build of 50,000 cables rendered 7.7-9.4 s longer for
        # the 2.65 s of signing it saved here: each of the ~30 worker lifetimes
        # works out the facts of the entries its pages show again.
        done = rewrite(
            Rewrite(
                job=job,
                signer=signer,
                files=files,
                extra=extra,
                output=run.output,
                cache=run.cache,
                jobs=run.jobs,
                recorded=old.pages if old is not None else None,
                gone=gone,
                say=run.say,
                bars=run.bars,
                why=why,
                explain=run.explain,
                strict=run.options.strict,
                copies=database.copies,
                render_niceness=database.render_niceness,
            )
        )
    finally:
        packs.close()
        gc.disable()
    result.kind = "full" if old is None else "incremental"
    result.rendered = done.rendered
    result.written = done.written
    result.unchanged = done.unchanged
    result.removed = done.removed
    result.changed = done.changed
    device, inode = identity_of(run.output)
    state.output = OutputState(str(run.output.resolve()), device, inode, done.recorded)
    state.summary["pages"] = len(pages)
    state.summary["files"] = len(done.recorded)
    return Planned(pages, files, sorted(extra), templates)


def _save(
    run: Run, state: BuildState, *, applied: bool, memory: Memory | None
) -> BuildState | None:
    """Save the state (and `memory`, for quick rebuilds in a new process); after a
    failed build, what it may have half-replaced is unknown. The state saved, or None."""
    if not applied and state.output is not None:
        unknown = pending_paths(run.cache)
        if unknown is None:
            state.output = None
        else:
            mark_unknown(state.output.pages, unknown)
    try:
        save_state(run.cache, state)
        clear_pending(run.cache)
    except OSError as error:
        run.tell(f"warning: build state not saved ({error.strerror or error})")
        return None
    if memory is not None:
        try:
            save_memory(run.cache, memory, state.generation)
        except OSError as error:
            run.tell(f"warning: build memory not saved ({error.strerror or error})")
    refs = (ref for s in state.sources.values() for ref in s.blob_refs())
    packs = run.cache / PACKS
    # (Not those the databases still read texts from: see packs_in_use.)
    delete_packs(packs, packs_to_drop(packs, live_bytes(refs)) - packs_in_use(run.cache))
    return state


def _explainer(run: Run, state: BuildState | None) -> Explainer | None:
    """With --explain: the last build's memory to compare with, when there is one."""
    if run.explain is None:
        return None
    if state is None:
        why = "--clean" if run.options.clean else unusable_reason(run.cache, run.reader_kind)
        return Explainer(unknown=f"rendered anew ({why})")
    if usable_output(state, run.output) is None:
        return Explainer(unknown="rendered anew (the output folder is not the last build's)")
    memory = None
    if load_body(run.cache, state, lazy=True):
        memory = restore(run.cache, config=run.config, output=run.output, state=state, inputs=None)
    return against_memory(memory, state, run.site_parts)


# --- bits shared with the other paths -------------------------------------------------


def usable_output(state: BuildState | None, output: Path) -> OutputState | None:
    """The recorded output, when the output folder is still the one it describes."""
    if state is None or state.output is None:
        return None
    recorded = state.output
    if recorded.path != str(output.resolve()) or (recorded.device, recorded.inode) != identity_of(
        output
    ):
        return None
    return recorded


def identity_of(folder: Path) -> tuple[int, int]:
    try:
        info = folder.stat()
    except OSError:
        return (-1, -1)
    return (info.st_dev, info.st_ino)


def output_files(pages: Sequence[Page]) -> list[str]:
    files = [output_file(page.path) for page in pages]
    if len(set(files)) != len(files):
        seen: set[str] = set()
        for path in files:
            if path in seen:
                raise ValueError(f"two pages want the same file: {path}")
            seen.add(path)
    return files


def compile_templates(env: jinja2.Environment, names: Iterable[str]) -> None:
    """Compile the templates here, once, rather than in every worker."""
    for name in names:
        # An error is reported, as file:line, when a page using the template renders.
        with suppress(jinja2.TemplateError):
            env.get_template(name)
