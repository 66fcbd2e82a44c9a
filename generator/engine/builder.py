"""The builder: it picks the path a build takes, and nothing else.

Every build brings the output up to date with the inputs, by the cheapest
path that is right (see ``docs/engine.md``):

1. **nothing changed** — the identity (size, modification time) of every
   input file, the settings, the code and the output folder are the ones
   recorded: the build stops, having read the small head of the state;
2. **quick** — a few cable files changed and the edits moved nothing: the
   memory of the last full pass (kept in this process by ``serve``, or
   restored from the cache) is updated and only the pages depending on
   what changed are signed (:mod:`generator.engine.quick`);
3. **full pass** — everything else (:mod:`generator.engine.full_pass`):
   read what changed, make the archive and the plan, and rewrite the pages
   whose signature changed (all of them with no output to trust).

Paths 2 and 3 end with the same step (:mod:`generator.engine.rewrite`).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

from generator.config import SiteConfig, load_config
from generator.engine.cache import build_lock, cache_folder
from generator.engine.discover import Identity, Reader, find_files, parse_reader
from generator.engine.full_pass import full_pass, usable_output
from generator.engine.inputs import other_inputs
from generator.engine.journal import PENDING_FILE
from generator.engine.memory import Memory
from generator.engine.output import check_output_folder, recover_output
from generator.engine.quick import quick_rebuild, resume
from generator.engine.run import BuildOptions, BuildResult, Run, Say
from generator.engine.state import HEAD_FILE, BuildState, load_state
from generator.engine.workers import default_jobs
from generator.errors import StrictFailure
from generator.files import sweep_temporary
from generator.render.environment import check_theme

__all__ = ["BuildOptions", "BuildResult", "Builder", "build_site"]


def build_site(
    root: Path,
    options: BuildOptions | None = None,
    *,
    reader: Reader = parse_reader,
    progress: Say | None = None,
    bars: bool = False,
    explain: Say | None = None,
) -> BuildResult:
    """Build the site in `root`; `progress` gets a line per stage, `bars` draws progress
    bars, `explain` gets a line for each file rewritten, saying why."""
    builder = Builder(root, reader=reader, say=progress, bars=bars, explain=explain)
    return builder.build(options or BuildOptions())


@dataclass(slots=True)
class Builder:
    """Builds one site, as often as asked.

    It keeps the state of its last build in memory, so the rebuilds of
    ``cablesite serve`` do not load it from disk each time. With `keep`, it
    also keeps the memory of its last full pass, for quick rebuilds; those
    do not save the whole state, the other builds do. `say` gets a line per
    stage, `bars` draws progress bars, `explain` gets a line for each file
    rewritten (``--explain``).
    """

    root: Path
    _: KW_ONLY
    reader: Reader = parse_reader
    say: Say | None = None
    bars: bool = False
    keep: bool = False
    explain: Say | None = None
    _state: BuildState | None = field(default=None, init=False, repr=False)
    _memory: Memory | None = field(default=None, init=False, repr=False)
    # The cache and the output as this builder's last build left them (see _cache_stamp).
    _seen: tuple[object, ...] | None = field(default=None, init=False, repr=False)

    def build(
        self, options: BuildOptions | None = None, hint: frozenset[Path] | None = None
    ) -> BuildResult:
        """Bring the output up to date; `hint`: the cable files known to have changed, if known."""
        options = options or BuildOptions()
        config = _configure(self.root, options)
        output = options.output or config.output_dir
        check_output_folder(output, self.root)
        folder = cache_folder(self.root)
        run = Run.of(
            self.root,
            config,
            output,
            folder,
            options=options,
            jobs=options.jobs or default_jobs(),
            reader=self.reader,
            say=self.say,
            bars=self.bars,
            explain=self.explain,
        )
        waiting = "waiting for another build of this site to finish"
        with build_lock(self.root, on_wait=lambda: run.tell(waiting)), _collector_paused():
            self._recover(run)
            try:
                return self._build(run, hint)
            finally:
                self._seen = _cache_stamp(folder, output)

    def _recover(self, run: Run) -> None:
        """What a killed build left: its swap finished or undone, its temporary files gone;
        and what this builder kept forgotten if another process built since."""
        done = recover_output(run.output)
        if done:
            run.tell(f"recovered from an interrupted build: {done}")
        sweep_temporary(run.cache)
        if self._seen is None or self._seen != _cache_stamp(run.cache, run.output):
            # Another build (a publish build with another base URL, a build
            # killed while it applied its pages) or a deleted cache: what
            # this builder kept may no longer describe the output.
            self._state = self._memory = None

    def _build(self, run: Run, hint: frozenset[Path] | None) -> BuildResult:
        # 2, in this process: the memory this builder kept (serve).
        memory, self._memory = self._memory, None  # kept only if the quick rebuild succeeds
        if memory is not None:
            try:
                result = quick_rebuild(memory, run, hint=hint)
            except BaseException:
                # It may have replaced some files: only the state on disk and the
                # pending journal now tell what the output holds.
                self._state = None
                raise
            if result is not None:
                self._memory = memory
                return result
        state = None if run.options.clean else self._state or load_state(run.cache, run.reader_kind)
        self._state = None  # until this build has saved a new one
        inputs, stats = find_files(run.config.cables_dir, self.root)
        others = other_inputs(run.config, inputs)
        # 1. (A builder that keeps its memory needs it once: from the cache or a full pass.)
        if state is not None and not self.keep and _nothing_changed(state, run, stats, others):
            return self._unchanged(run, state, len(inputs.sources))
        # 2, in a new process: the memory the last full pass saved.
        if state is not None:
            usable = usable_output(state, run.output)
            if usable is not None:
                state.output = usable
            resumed = resume(run, state, inputs, stats, usable is not None)
            if resumed is not None:
                result, memory = resumed
                if memory is not None:
                    self._state = state
                    self._memory = memory if self.keep else None
                return result
        # 3.
        result, saved, memory = full_pass(run, state, inputs, stats, others, keep=self.keep)
        self._state = saved
        if self.keep:
            self._memory = memory
        return result

    def _unchanged(self, run: Run, state: BuildState, sources: int) -> BuildResult:
        problems = state.problem_list()
        if run.options.strict and problems:
            raise StrictFailure(problems)
        self._state = state
        summary = state.summary
        return BuildResult(
            output=run.output,
            sources=sources,
            cables=summary.get("cables", 0),
            pages=summary.get("pages", 0),
            unchanged=summary.get("files", 0),
            problems=problems,
            copies=summary.get("copies", 0),
            kind="none",
        )


def _configure(root: Path, options: BuildOptions) -> SiteConfig:
    config = load_config(root)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    check_theme(config)
    return config


def _nothing_changed(
    state: BuildState, run: Run, stats: Mapping[str, Identity], others: Mapping[str, Identity]
) -> bool:
    if not state.complete or state.reader != "parse":
        return False
    if state.site != run.site or state.inputs != others:
        return False
    # Untrusted identities are recorded with an mtime of -1: they never compare equal.
    return state.identities == stats and usable_output(state, run.output) is not None


def _cache_stamp(cache: Path, output: Path) -> tuple[object, ...]:
    """What tells whether anyone but this builder wrote the state, the journal or the
    output folder: each one's inode, size and change time (a few ``stat`` calls)."""
    stamp: list[object] = []
    for path in (cache / HEAD_FILE, cache / PENDING_FILE, output):
        try:
            info = os.stat(path)
        except OSError:
            stamp.append(None)
            continue
        stamp.append((info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    return tuple(stamp)


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
