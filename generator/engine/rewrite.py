"""The one step every path through the engine ends with: sign → dirty → render → apply → record.

Whatever path a build took to know its pages (a full pass plans every
page; a quick rebuild knows which pages an edit can touch), the rest is
the same, and it is here:

1. **sign** the candidate pages (:class:`generator.engine.signatures.Signer`);
2. **dirty**: the pages whose signature is not the one recorded for their
   file (every page when there is no output to trust);
3. **render** them in worker processes (:mod:`generator.engine.render_pass`);
4. **apply**: with no output to trust, a complete new tree is staged and
   swapped in (:class:`generator.engine.output.StagedOutput`); otherwise
   the changed files are staged, listed in the pending journal, and moved
   over their old versions one by one, and the files that are gone are
   deleted (:class:`generator.engine.output.ChangedOutput`);
5. **record** each signed file's signature, once the output holds it.

Nothing is applied unless every page rendered, so a failure leaves the
output as it was and the recorded signatures with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from generator.digests import raw_digest
from generator.engine.journal import mark_pending
from generator.engine.output import ChangedOutput, StagedOutput
from generator.engine.render_pass import RenderJob, render_pages
from generator.engine.signatures import Signer
from generator.errors import StrictFailure
from generator.ui.progress import Progress
from generator.urls import Urls, output_file

Say = Callable[[str], None]
# Why a page is rewritten, by page index (see generator.engine.explain).
Why = Callable[[int], str]
# Kept from the old output when a new tree replaces it: a version-control placeholder.
_KEPT = frozenset({".gitkeep"})


@dataclass(frozen=True, slots=True)
class Rewritten:
    """What the step did to the output."""

    rendered: int  # pages rendered
    written: int  # files written with new bytes (pages and others)
    unchanged: int  # files left as they were
    removed: int  # files deleted
    changed: frozenset[str]  # site-relative files written or deleted
    recorded: MutableMapping[str, bytes]  # the signature of every file the output holds


class Copy(NamedTuple):
    """A file the output gets a copy of (the archive database)."""

    file: Path
    signature: bytes
    unchanged: bool  # the output's file already holds it (a new tree links it)


@dataclass(slots=True)
class Rewrite:
    """One application of the step: what may have changed, and where it goes."""

    job: RenderJob  # what rendering needs (its output is set here)
    signer: Signer
    files: Sequence[str]  # each page's output file, by page index
    extra: Mapping[str, bytes]  # files that are not pages: static files, .nojekyll
    output: Path
    cache: Path  # the cache folder, for the pending journal
    jobs: int
    # The signatures the output's files were made with; None when the output
    # cannot be trusted (no state, --clean): then every page is rendered into
    # a new tree. Updated in place once the output holds the new files.
    recorded: MutableMapping[str, bytes] | None = None
    # The pages to sign (None: every page); the others are known to be up to date.
    candidates: Iterable[int] | None = None
    # Recorded files that are no longer part of the site.
    gone: Sequence[str] = ()
    say: Say | None = None
    bars: bool = False
    # With --explain: why each rewritten page is rewritten, and where to say it.
    why: Why | None = None
    explain: Say | None = None
    # --strict: a page that fails to render fails the build before anything is applied.
    strict: bool = False
    # Files copied into the output from elsewhere (the archive database), by site
    # path; or what gives them once the pages rendered (the database pass may run
    # in a process of its own meanwhile).
    copies: Mapping[str, Copy] | Callable[[], Mapping[str, Copy]] | None = None
    # How much lower than the build process the render workers run (see
    # render_pass.render_pages): yielding to that process of the database.
    render_niceness: int = 0


def rewrite(step: Rewrite) -> Rewritten:
    if step.recorded is None:
        return _new_tree(step)
    return _changed_files(step, step.recorded)


def _new_tree(step: Rewrite) -> Rewritten:
    """Every page into a new tree, swapped in at the end."""
    pages, files = step.job.pages, step.files
    signatures = [step.signer.sign(page) for page in pages]
    before = _files_under(step.output)
    _say(step, f"rendering {len(files)} page(s) for {len(step.job.archive)} cable(s)")
    # Unchanged files are linked from the old tree even in a clean build: a
    # file rewritten with the same bytes would only cost its deletion (slow
    # on file systems that discard freed blocks) and its modification time.
    with StagedOutput(step.output, reuse=True) as staged:
        step.job.output = staged
        done = _render(step, range(len(files)))
        _fail_if_strict(step)
        for path, data in step.extra.items():
            done.append((path, staged.put(path, data)))
        for path, copy in _copies(step).items():
            done.append((path, staged.put_file(path, copy.file, unchanged=copy.unchanged)))
        staged.commit()
    recorded: dict[str, bytes] = dict(zip(files, signatures, strict=True))
    recorded.update(_extra_signatures(step.extra))
    _forget_failed(step, recorded)
    recorded.update(_copy_signatures(step))
    removed = before - recorded.keys() - _KEPT
    written = sorted(path for path, wrote in done if wrote)
    _explain_all(step, range(len(files)), set(written), removed)
    return Rewritten(
        rendered=len(files),
        written=len(written),
        unchanged=len(done) - len(written),
        removed=len(removed),
        changed=frozenset([*written, *removed]),
        recorded=recorded,
    )


def _changed_files(step: Rewrite, recorded: MutableMapping[str, bytes]) -> Rewritten:
    """Only the pages whose signature changed; the rest of the output stays as it is."""
    pages, files, sign = step.job.pages, step.files, step.signer.sign
    if step.candidates is None:
        signed: Sequence[int] = range(len(pages))
        signatures = [sign(page) for page in pages]
    else:
        signed = sorted(step.candidates)
        signatures = [sign(pages[index]) for index in signed]
    dirty = [
        index
        for index, signature in zip(signed, signatures, strict=True)
        if recorded.get(files[index]) != signature
    ]
    extra_signatures = _extra_signatures(step.extra)
    dirty_extra = [p for p, s in extra_signatures.items() if recorded.get(p) != s]
    gone = list(step.gone)
    for path in gone:
        recorded.get(path)  # (read now: a lazily read state reads nothing once files move)
    if dirty or dirty_extra:
        _say(step, f"rendering {len(dirty)} of {len(files)} page(s)")
    with ChangedOutput(step.output) as changes:
        step.job.output = changes
        done = _render(step, dirty)
        _fail_if_strict(step)
        done.extend((path, changes.put(path, step.extra[path])) for path in dirty_extra)
        copies = _copies(step)
        copy_signatures = _copy_signatures(step)
        dirty_copies = [p for p, s in copy_signatures.items() if recorded.get(p) != s]
        # (Not recorded, but the output's file holds these rows: a file the pending
        # journal named, after a preview's rebuild.)
        done.extend(
            (path, not copies[path].unchanged and changes.put_file(path, copies[path].file))
            for path in dirty_copies
        )
        staged = [path for path, wrote in done if wrote]
        if staged or gone:
            mark_pending(step.cache, [*staged, *gone])
            changes.commit(staged, gone)
    # Applied: the recorded signatures now describe the output.
    for index, signature in zip(signed, signatures, strict=True):
        recorded[files[index]] = signature
    for path in gone:
        recorded.pop(path, None)
    recorded.update(extra_signatures)
    _forget_failed(step, recorded)
    recorded.update(copy_signatures)
    _explain_all(step, dirty, set(staged), gone)
    return Rewritten(
        rendered=len(dirty),
        written=len(staged),
        unchanged=len(files) + len(step.extra) - len(staged),
        removed=len(gone),
        changed=frozenset([*staged, *gone]),
        recorded=recorded,
    )


# A signature no page has: a page recorded with it is rendered again next time.
_FAILED = b"render failed"
# Recorded with _FAILED whenever a page failed: the quick paths, which sign only
# the pages an edit touches, look here and leave such a build to the full pass.
_FAILURE_MARK = output_file(Urls.warnings)


def had_failed_pages(recorded: Mapping[str, bytes]) -> bool:
    """Whether the last build wrote pages saying they could not be rendered."""
    return recorded.get(_FAILURE_MARK) == _FAILED


def _forget_failed(step: Rewrite, recorded: dict[str, bytes]) -> None:
    """Pages whose render failed (the crash barrier wrote a page saying so), and the
    diagnostics pages that list the failures, are rendered again by the next build."""
    for path in failed_files(step.job, step.files):
        recorded[path] = _FAILED


def _fail_if_strict(step: Rewrite) -> None:
    if step.strict and step.job.failures:
        raise StrictFailure(list(step.job.renderer.diagnostics.problems))


def failed_files(job: RenderJob, files: Sequence[str]) -> list[str]:
    """The files of the pages that failed to render, and of the diagnostics pages listing
    them (none when every page rendered)."""
    if not job.failed:
        return []
    listing = [i for i, page in enumerate(job.pages) if page.kind in ("diagnostics", "warnings")]
    return [files[index] for index in [*job.failed, *listing]]


def _render(step: Rewrite, indices: Sequence[int]) -> list[tuple[str, bool]]:
    bars = step.bars and bool(indices)
    with Progress(len(indices), "rendering", unit="pages", enabled=bars) as bar:
        return list(
            render_pages(
                step.job,
                indices,
                jobs=step.jobs,
                advance=bar.advance,
                niceness=step.render_niceness,
            )
        )


def _explain_all(
    step: Rewrite, indices: Iterable[int], written: Collection[str], removed: Iterable[str]
) -> None:
    """With --explain, a line for each page rendered (saying when its bytes came out the
    same), each file that is not a page written, and each file removed."""
    if step.why is None or step.explain is None:
        return
    for index in indices:
        path = step.files[index]
        same = "" if path in written else " (rendered; its bytes did not change)"
        step.explain(f"{path}: {step.why(index)}{same}")
    for path in sorted(written):
        if path in step.extra:
            step.explain(f"{path}: not a page; its bytes changed")
    for path in sorted(removed):
        step.explain(f"{path}: removed, no longer part of the site")


def _extra_signatures(extra: Mapping[str, bytes]) -> dict[str, bytes]:
    return {path: raw_digest(data) for path, data in extra.items()}


def _copies(step: Rewrite) -> Mapping[str, Copy]:
    """The copies, waited for once (after the render: see Rewrite.copies)."""
    if callable(step.copies):
        step.copies = step.copies()
    return step.copies or {}


def _copy_signatures(step: Rewrite) -> dict[str, bytes]:
    return {path: copy.signature for path, copy in _copies(step).items()}


def _say(step: Rewrite, line: str) -> None:
    if step.say is not None:
        step.say(line)


def _files_under(folder: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, _, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if base == "." else base + "/"
        found.update(prefix + name for name in filenames)
    return found
