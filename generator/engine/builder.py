"""Orchestration of a build: load → parse → archive → plan → sign → render → write.

A build is incremental unless told otherwise (``--clean``) or unless there
is no state to start from (see ``docs/engine.md``):

1. **scan** — the state of every source file (:mod:`generator.engine.read_pass`):
   unchanged files come from the build state, the others are parsed in
   worker processes, which put the parsed cables in the parse cache;
2. **archive** and **plan** — from the records, never the text: the archive
   of every cable's metadata, then every page with what it depends on;
3. **sign** — each page's signature, a hash of exactly its inputs
   (:mod:`generator.engine.signatures`);
4. **render** — the pages whose signature is not the one recorded for
   their file (all of them in a full build), in worker processes
   (:mod:`generator.engine.render_pass`);
5. **write** — a full build swaps a complete new tree in
   (:class:`StagedOutput`); an incremental one replaces the changed files
   one by one and deletes the pages that no longer exist
   (:class:`ChangedOutput`); then the state is saved.

Before any of that, a build compares the identity (size, modification time)
of every input file with the state: when nothing changed it stops there,
having read nothing but directory entries. When only a few cable files
changed, it restores the archive and the plan the last full pass saved and
tries a quick rebuild (:mod:`generator.engine.quick`), which applies when the
edits moved nothing (a text, a subject, a template).
"""

from __future__ import annotations

import gc
import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator.archive.assemble import Archive, ArchiveBuilder
from generator.config import SiteConfig, load_config
from generator.engine.discover import (
    Inputs,
    Reader,
    Source,
    changed_identities,
    parse_reader,
    scan_folder,
)
from generator.engine.inputs import (
    bytes_digest,
    cable_digests,
    load_documents,
    other_inputs,
    site_fingerprint,
    static_files,
    template_fingerprints,
    trusted,
)
from generator.engine.memory import has_snapshot, overlay, restore, save_snapshot
from generator.engine.output import ChangedOutput, StagedOutput, check_output_folder
from generator.engine.parsecache import PackReader, delete_packs, live_bytes, packs_to_drop
from generator.engine.quick import Memory, quick_rebuild, remember
from generator.engine.read_pass import scan_sources
from generator.engine.render_pass import RenderJob, render_pages
from generator.engine.signatures import Signer
from generator.engine.state import (
    PACKS,
    BuildState,
    Identity,
    OutputState,
    SourceState,
    StoreDamaged,
    build_lock,
    cache_folder,
    clear_pending,
    code_fingerprint,
    load_body,
    load_state,
    mark_pending,
    pending_paths,
    save_delta,
    save_state,
)
from generator.engine.workers import default_jobs
from generator.errors import StrictFailure
from generator.model import Problem
from generator.parse import title_case
from generator.render.environment import (
    check_theme,
    make_environment,
)
from generator.render.markdown import Document
from generator.render.pages import Diagnostics, Renderer
from generator.site.plan import Page, plan_site
from generator.site.urls import output_file
from generator.ui.progress import Progress

Say = Callable[[str], None]
# At most this many changed cable files for a quick rebuild in a new process:
# it parses them here, one by one; more are parsed faster by the full pass.
QUICK_FILES = 64


@dataclass(frozen=True, slots=True)
class BuildOptions:
    output: Path | None = None
    base_url: str | None = None
    strict: bool = False
    clean: bool = False
    jobs: int | None = None  # worker processes; None: one per CPU


@dataclass(slots=True)
class BuildResult:
    output: Path
    sources: int = 0
    cables: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    # Made into objects only when read (a quick rebuild's, from the state: see ProblemList).
    problems: Sequence[Problem] = field(default_factory=list)
    copies: int = 0
    removed: int = 0
    parsed: int = 0  # source files parsed (the others came from the build state)
    rendered: int = 0  # pages rendered (the others were known to be up to date)
    # "full"; "incremental"; "quick" (incremental, without planning again:
    # see generator.engine.quick); or "none" when nothing had changed.
    kind: str = "full"
    # Output files (site-relative) written with new bytes or removed.
    changed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Planned:
    """What a build planned: its pages, their files, the other files, the templates' fingerprints."""

    pages: list[Page]
    files: list[str]
    extra: list[str]
    templates: dict[str, str]


def build_site(
    root: Path,
    options: BuildOptions = BuildOptions(),
    *,
    reader: Reader = parse_reader,
    progress: Say | None = None,
    bars: bool = False,
) -> BuildResult:
    """Build the site in `root`; `progress` gets a line per stage, `bars` draws progress bars."""
    return Builder(root, reader=reader, say=progress, bars=bars).build(options)


class Builder:
    """Builds one site, as often as asked.

    It keeps the state of its last build in memory, so the rebuilds of
    ``cablesite serve`` do not load it from disk each time. With `keep`, it
    also keeps the archive and the plan, for quick rebuilds
    (:mod:`generator.engine.quick`); those do not save the whole state, the other
    builds do. A full pass also saves the archive and the plan
    (:mod:`generator.engine.memory`), so that a build in a new process can make a
    quick rebuild too, from them, and save only a delta of the state.
    """

    def __init__(
        self,
        root: Path,
        *,
        reader: Reader = parse_reader,
        say: Say | None = None,
        bars: bool = False,
        keep: bool = False,
    ) -> None:
        self.root = root
        self.reader = reader
        self.say: Say = say or (lambda _: None)
        self.bars = bars
        # Keep the archive and the plan for quick rebuilds (serve: see generator.engine.quick).
        self.keep = keep
        self._state: BuildState | None = None
        self._memory: Memory | None = None

    @property
    def reader_kind(self) -> str:
        # Only the parser's output is a function of a file's bytes; a reader
        # given by a caller (the tests) is asked again every time.
        return "parse" if self.reader is parse_reader else "custom"

    def build(
        self, options: BuildOptions = BuildOptions(), hint: frozenset[Path] | None = None
    ) -> BuildResult:
        """Bring the output up to date; `hint`: the cable files known to have changed, if known."""
        config = _configure(self.root, options)
        output = options.output or config.output_dir
        check_output_folder(output, self.root)
        folder = cache_folder(self.root)
        waiting = "waiting for another build of this site to finish"
        with build_lock(folder, on_wait=lambda: self.say(waiting)), _collector_paused():
            quick = self._quick(config, output, options, folder, hint)
            if quick is not None:
                return quick
            return self._build(config, output, options, folder)

    def _quick(
        self,
        config: SiteConfig,
        output: Path,
        options: BuildOptions,
        folder: Path,
        hint: frozenset[Path] | None,
        changed: Sequence[Source] | None = None,
    ) -> BuildResult | None:
        """The quick rebuild of an edit that moves nothing, when it applies."""
        memory, self._memory = self._memory, None  # kept only if the quick rebuild succeeds
        if memory is None or options.clean or options.strict:
            return None
        site = site_fingerprint(config, output, self.reader_kind)
        try:
            done = quick_rebuild(
                memory,
                config=config,
                site=site,
                output=output,
                reader=self.reader,
                folder=folder,
                hint=hint,
                jobs=options.jobs or default_jobs(),
                changed=changed,
            )
        except BaseException:
            # It may have replaced some files: only the state on disk and the
            # pending journal now tell what the output holds.
            self._state = None
            raise
        if done is None:
            return None
        self._memory = memory
        archive = memory.archive
        return BuildResult(
            output=output,
            sources=len(memory.inputs.sources),
            cables=len(archive),
            pages=len(memory.pages),
            written=done.written,
            unchanged=len(memory.files) + len(memory.extra) - done.written,
            problems=memory.problems,
            copies=len(archive.copies),
            removed=done.removed,
            parsed=done.parsed,
            rendered=done.rendered,
            kind="quick",
            changed=done.changed,
        )

    # --- the stages ----------------------------------------------------------------

    def _build(
        self, config: SiteConfig, output: Path, options: BuildOptions, folder: Path
    ) -> BuildResult:
        state = self._previous_state(folder, options)
        self._state = None  # until this build has saved a new one
        inputs, stats = scan_folder(config.cables_dir, self.root)
        site = site_fingerprint(config, output, self.reader_kind)
        others = other_inputs(config, inputs)
        # A builder that keeps its memory (serve) needs it once: from the snapshot
        # the last full pass saved, or from a full pass.
        unchanged = state is not None and _nothing_changed(state, stats, site, others, output)
        if unchanged and not self.keep:
            assert state is not None
            return self._unchanged(state, output, options, len(inputs.sources))
        if state is not None:
            resumed = self._resume(config, output, options, folder, state, inputs, stats, site)
            if resumed is not None:
                return resumed
        if state is not None and not load_body(folder, state):
            state = None

        jobs = options.jobs or default_jobs()
        self.say(f"reading {len(inputs.sources)} file(s) from {config.cables_dir}")
        bars = self.bars and bool(inputs.sources)
        with Progress(len(inputs.sources), "reading", unit="files", enabled=bars) as bar:
            scan = scan_sources(
                inputs,
                state.sources if state is not None else {},
                state.identities if state is not None else {},
                stats=stats,
                reader=self.reader,
                packs=folder / PACKS,
                jobs=jobs,
                advance=bar.advance,
            )
        # What the last build left is in `scan` now (and its output's signatures
        # below): let the rest go before the archive is made.
        old_output = _usable_output(state, output)
        del state, stats
        archive, problems, digests, spans = assemble(inputs, scan.sources)
        before = len(problems)
        docs = load_documents(config, problems)
        doc_problems = problems[before:]
        result = BuildResult(
            output=output,
            sources=len(inputs.sources),
            cables=len(archive),
            copies=len(archive.copies),
            problems=problems,
            parsed=scan.parsed,
        )
        # Whatever happens next, what was read is worth keeping.
        new_state = BuildState(
            code=code_fingerprint(),
            reader=self.reader_kind,
            identities=scan.identities,
            sources=scan.sources,
            output=old_output,
            site=site,
            inputs=trusted(others),
            summary={"cables": result.cables, "copies": result.copies},
            problems=marshal.dumps(tuple((p.path, p.line, p.message) for p in problems)),
        )
        applied = False
        memory: Memory | None = None
        try:
            if options.strict and problems:
                raise StrictFailure(problems)
            planned = self._write(
                config,
                output,
                archive,
                docs,
                scan.sources,
                digests,
                inputs,
                result,
                new_state,
                jobs,
            )
            applied = True
            if self.keep or self.reader is parse_reader:
                memory = remember(
                    config=config,
                    output=output,
                    state=new_state,
                    others=others,
                    inputs=inputs,
                    archive=archive,
                    docs=docs,
                    doc_problems=doc_problems,
                    problems=problems,
                    spans=spans,
                    pages=planned.pages,
                    files=planned.files,
                    extra=planned.extra,
                    digests=digests,
                    templates=planned.templates,
                )
        finally:
            self._save(folder, new_state, applied=applied, memory=memory)
        if self.keep:
            self._memory = memory
        return result

    def _resume(
        self,
        config: SiteConfig,
        output: Path,
        options: BuildOptions,
        folder: Path,
        state: BuildState,
        inputs: Inputs,
        stats: Mapping[str, Identity],
        site: str,
    ) -> BuildResult | None:
        """A quick rebuild in a new process, from the memory the last full pass saved.

        It applies when the same files are there and the last build's output is
        the one recorded, and only to a few changed files (a quick rebuild
        parses them here, not in workers); then, as in ``serve``, when nothing
        moved. It saves a delta rather than the whole state.
        """
        if options.clean or options.strict or self.reader is not parse_reader:
            return None
        if not state.complete or state.site != site or not has_snapshot(folder):
            return None
        differing = changed_identities(stats, state.identities)
        if differing is None:
            return None  # files came or went: the full pass
        differ = set(differing)
        changed = [s for s in inputs.sources if s.display in differ] if differ else []
        if len(changed) > QUICK_FILES:
            return None
        usable = _usable_output(state, output)
        if usable is None or not load_body(folder, state, lazy=True):
            return None
        state.output = usable
        memory = restore(folder, config=config, output=output, state=state, inputs=inputs)
        if memory is None:
            return None
        self._memory = memory
        result = self._quick(config, output, options, folder, None, changed=changed)
        if result is None:
            return None
        try:
            save_delta(
                folder,
                state,
                memory.changes.sources,
                memory.changes.files,
                overlay(memory),
            )
            clear_pending(folder)
        except OSError as error:
            # The pending journal still lists what was replaced: the next build redoes it.
            self.say(f"warning: build state not saved ({error.strerror or error})")
        except StoreDamaged:
            # A part of the state's body or of the snapshot could not be read back for
            # the delta: the journal, again, makes the next build redo these files.
            self.say(
                "warning: build state not saved (its cache is damaged; the next build reads all)"
            )
            self._state = self._memory = None
            return result
        self._state = state
        if not self.keep:
            self._memory = None
        return result

    def _previous_state(self, folder: Path, options: BuildOptions) -> BuildState | None:
        if options.clean:
            return None
        if self._state is not None:
            return self._state
        return load_state(folder, self.reader_kind)

    def _write(
        self,
        config: SiteConfig,
        output: Path,
        archive: Archive,
        docs: Mapping[str, Document],
        states: Mapping[str, SourceState],
        digests: Mapping[str, tuple[str, ...]],
        inputs: Inputs,
        result: BuildResult,
        new_state: BuildState,
        jobs: int,
    ) -> Planned:
        pages = plan_site(archive, config, list(docs.values()))
        files = _output_files(pages)
        env = make_environment(config)
        fingerprint = template_fingerprints(env)
        renderer = Renderer(
            env, config, archive, docs, Diagnostics(result.problems, result.sources)
        )
        signer = Signer(
            archive,
            site=new_state.site,
            template=fingerprint,
            cables=cable_digests(archive, digests),
            docs=docs,
            problems=result.problems,
            sources=result.sources,
        )
        # Signing here, before the render workers fork: in forked workers it was
        # no faster (each worker works out the facts of the same entries, and
        # forking a large process costs), and in this process while the
        # workers render it made their inherited pages private (reading an
        # entry writes its reference count): 1.86 -> 2.08 GB of PSS at 251,052.
        signatures = [signer.sign(page) for page in pages]
        templates = {name: fingerprint(name) for name in {page.template for page in pages}}
        _compile(env, templates)
        del signer  # its cache of facts is as large as the archive; the workers need neither
        extra = static_files(config)
        extra_signatures = {path: bytes_digest(data) for path, data in extra.items()}
        recorded = dict(zip(files, signatures, strict=True)) | extra_signatures
        result.pages = len(pages)
        old = new_state.output
        # Rendering makes cyclic garbage (Jinja does): collect it, but never
        # walk the archive and the plan, which live to the end of the build.
        gc.freeze()
        gc.enable()
        packs = PackReader(cache_folder(self.root) / PACKS)
        try:
            job = RenderJob(
                renderer=renderer,
                pages=pages,
                archive=archive,
                states=states,
                sources={s.display: s for s in inputs.sources},
                reader=self.reader,
                packs=packs,
                output=_NoWriter(),
                files=files,
            )
            if old is None:
                self._full(job, files, extra, output, result, jobs)
            else:
                self._incremental(
                    job, files, signatures, extra, extra_signatures, old, output, result, jobs
                )
        finally:
            packs.close()
            gc.disable()
        device, inode = _identity_of(output)
        new_state.output = OutputState(str(output.resolve()), device, inode, recorded)
        new_state.summary["pages"] = len(pages)
        new_state.summary["files"] = len(recorded)
        return Planned(pages, files, list(extra), templates)

    def _full(
        self,
        job: RenderJob,
        files: Sequence[str],
        extra: Mapping[str, bytes],
        output: Path,
        result: BuildResult,
        jobs: int,
    ) -> None:
        """Every page into a new tree, swapped in at the end."""
        before = _files_under(output)
        self.say(f"rendering {len(files)} page(s) for {len(job.archive)} cable(s)")
        # Unchanged files are linked from the old tree even in a clean build: a
        # file rewritten with the same bytes would only cost its deletion (slow
        # on file systems that discard freed blocks) and its modification time.
        with StagedOutput(output, reuse=True) as staged:
            job.output = staged
            done = self._render(job, range(len(files)), jobs)
            for path, data in extra.items():
                done.append((path, staged.put(path, data)))
            staged.commit()
        changed = {path for path, wrote in done if wrote}
        removed = before - set(files) - set(extra) - {".gitkeep"}
        result.kind = "full"
        result.rendered = len(files)
        result.written = sum(wrote for _, wrote in done)
        result.unchanged = len(done) - result.written
        result.removed = len(removed)
        result.changed = frozenset(changed | removed)

    def _incremental(
        self,
        job: RenderJob,
        files: Sequence[str],
        signatures: Sequence[bytes],
        extra: Mapping[str, bytes],
        extra_signatures: Mapping[str, bytes],
        old: OutputState,
        output: Path,
        result: BuildResult,
        jobs: int,
    ) -> None:
        """Only the pages whose signature changed; the rest of the output stays as it is."""
        recorded = old.pages
        dirty = [
            i
            for i, (f, s) in enumerate(zip(files, signatures, strict=True))
            if recorded.get(f) != s
        ]
        dirty_extra = [p for p, s in extra_signatures.items() if recorded.get(p) != s]
        removed = sorted(recorded.keys() - set(files) - set(extra))
        if dirty or dirty_extra:
            self.say(f"rendering {len(dirty)} of {len(files)} page(s)")
        with ChangedOutput(output) as changes:
            job.output = changes
            done = self._render(job, dirty, jobs)
            for path in dirty_extra:
                done.append((path, changes.put(path, extra[path])))
            staged = [path for path, wrote in done if wrote]
            if staged or removed:
                mark_pending(cache_folder(self.root), [*staged, *removed])
                changes.commit(staged, removed)
        result.kind = "incremental"
        result.rendered = len(dirty)
        result.written = len(staged)
        result.unchanged = len(files) + len(extra) - len(staged)
        result.removed = len(removed)
        result.changed = frozenset([*staged, *removed])

    def _render(self, job: RenderJob, indices: Sequence[int], jobs: int) -> list[tuple[str, bool]]:
        bars = self.bars and bool(indices)
        with Progress(len(indices), "rendering", unit="pages", enabled=bars) as bar:
            return list(render_pages(job, indices, jobs=jobs, advance=bar.advance))

    def _save(
        self, folder: Path, state: BuildState, *, applied: bool, memory: Memory | None
    ) -> None:
        """Save the state (and `memory`, for quick rebuilds in a new process); after a
        failed build, what it may have half-replaced is unknown."""
        if not applied and state.output is not None:
            unknown = pending_paths(folder)
            if unknown is None:
                state.output = None
            else:
                for path in unknown:
                    state.output.pages.pop(path, None)
        try:
            save_state(folder, state)
            clear_pending(folder)
        except OSError as error:
            self.say(f"warning: build state not saved ({error.strerror or error})")
            return
        self._state = state
        if memory is not None:
            try:
                save_snapshot(folder, memory, state.generation)
            except OSError as error:
                self.say(f"warning: build memory not saved ({error.strerror or error})")
        refs = (ref for s in state.sources.values() for ref in s.blob_refs())
        packs = folder / PACKS
        delete_packs(packs, packs_to_drop(packs, live_bytes(refs)))

    def _unchanged(
        self, state: BuildState, output: Path, options: BuildOptions, sources: int
    ) -> BuildResult:
        problems = state.problem_list()
        if options.strict and problems:
            raise StrictFailure(problems)
        self._state = state
        summary = state.summary
        return BuildResult(
            output=output,
            sources=sources,
            cables=summary.get("cables", 0),
            pages=summary.get("pages", 0),
            unchanged=summary.get("files", 0),
            problems=problems,
            copies=summary.get("copies", 0),
            kind="none",
        )


class _NoWriter:
    def put(self, path: str, data: bytes) -> bool:
        raise RuntimeError("no output is open")


# --- what a build reads besides the cables -----------------------------------------


def _configure(root: Path, options: BuildOptions) -> SiteConfig:
    config = load_config(root)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    check_theme(config)
    return config


def _nothing_changed(
    state: BuildState,
    stats: Mapping[str, Identity],
    site: str,
    others: Mapping[str, Identity],
    output: Path,
) -> bool:
    if not state.complete or state.reader != "parse":
        return False
    if state.site != site or state.inputs != others:
        return False
    # Untrusted identities are recorded with an mtime of -1: they never compare equal.
    return state.identities == stats and _usable_output(state, output) is not None


def _usable_output(state: BuildState | None, output: Path) -> OutputState | None:
    """The recorded output, when the output folder is still the one it describes."""
    if state is None or state.output is None:
        return None
    recorded = state.output
    device, inode = _identity_of(output)
    if recorded.path != str(output.resolve()) or (recorded.device, recorded.inode) != (
        device,
        inode,
    ):
        return None
    return recorded


def _identity_of(folder: Path) -> tuple[int, int]:
    try:
        info = folder.stat()
    except OSError:
        return (-1, -1)
    return (info.st_dev, info.st_ino)


# --- the archive, from records -----------------------------------------------------


def assemble(
    inputs: Inputs, states: Mapping[str, SourceState]
) -> tuple[Archive, list[Problem], dict[str, tuple[str, ...]], dict[str, tuple[int, int]]]:
    """The archive of every source's records, every problem met in source order,
    the digest of each source's cables (by position) and where each source's
    problems are in the list."""
    builder = ArchiveBuilder(title_case=title_case)
    problems: list[Problem] = [
        Problem(path, None, "not a supported cable file; ignored") for path in inputs.ignored
    ]
    digests: dict[str, tuple[str, ...]] = {}
    spans: dict[str, tuple[int, int]] = {}
    for source in inputs.sources:
        state = states[source.display]
        records = state.cable_records()
        for ordinal, record in enumerate(records):
            builder.add_record(record, source=source.display, ordinal=ordinal)
        digests[source.display] = tuple(r.cable_digest for r in records)
        start = len(problems)
        problems.extend(state.problem_list())
        spans[source.display] = (start, len(problems))
    archive = builder.build()
    for variants in archive.variants.values():
        names = ", ".join(dict.fromkeys(variants.sources))
        keys = ", ".join(variants.keys)
        message = f"{variants.id} differs between {names}: kept as {keys}"
        problems.append(Problem(variants.sources[0], None, message))
    return archive, problems, digests, spans


def scan(
    inputs: Inputs, reader: Reader = parse_reader, *, jobs: int = 1
) -> tuple[Archive, list[Problem]]:
    """Every cable's metadata and every problem, read afresh (for ``cablesite check``)."""
    states = scan_sources(inputs, {}, {}, reader=reader, jobs=jobs).sources
    archive, problems, _, _ = assemble(inputs, states)
    return archive, problems


# --- facts for the signatures ------------------------------------------------------


def _output_files(pages: Sequence[Page]) -> list[str]:
    files = [output_file(page.path) for page in pages]
    if len(set(files)) != len(files):
        seen: set[str] = set()
        for path in files:
            if path in seen:
                raise ValueError(f"two pages want the same file: {path}")
            seen.add(path)
    return files


# --- bits --------------------------------------------------------------------------


def _compile(env: jinja2.Environment, names: Iterable[str]) -> None:
    """Compile the templates here, once, rather than in every worker."""
    for name in names:
        # An error is reported, as file:line, when a page using the template renders.
        with suppress(jinja2.TemplateError):
            env.get_template(name)


def _files_under(folder: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, _, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if base == "." else base + "/"
        found.update(prefix + name for name in filenames)
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the archive is built.

    Building 250,000 entries allocates millions of objects that all live
    to the end of the build; the collector would walk them again and again
    for nothing. Rendering turns it back on (Jinja does make cycles).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What the build kept (its state, for the next build of a `serve`)
        # lives on: out of the collector's sight, so that turning it back on
        # does not start with a walk through millions of objects.
        gc.freeze()
        if enabled:
            gc.enable()
