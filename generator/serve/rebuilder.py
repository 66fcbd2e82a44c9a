"""The seam between ``cablesite serve`` and the build engine: each save costs what it changed.

The server (:mod:`generator.serve.server`) asks a :class:`Rebuilder` to
bring the output up to date after each batch of changes, and is told which
output files changed (:class:`RebuildOutcome`). :class:`IncrementalRebuilder`
is the engine's (:mod:`generator.engine.builder`). It keeps one
:class:`~generator.engine.builder.Builder` for the whole session,
so the state, the archive and the plan of the last build stay in memory:
an edit that moves nothing (a cable's text or subject, a template, a
Markdown page) is rebuilt by :mod:`generator.engine.quick` without planning the
site again, and the files a build wrote or removed come straight from the
build rather than from comparing the output folder before and after.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from generator.engine.builder import Builder, BuildOptions
from generator.errors import UserError
from generator.model import Problem
from generator.serve.watch import ChangeSet


@dataclass(frozen=True, slots=True)
class RebuildOutcome:
    """What a rebuild did.

    `changed` holds the site-relative paths (``cable/2003/01/03OTTAWA49.html``,
    ``tag/PREL/index.html``, ``static/style.css``) of every output file that
    was written with new bytes, added or removed: open pages reload when
    their file is listed, all of them when a file under ``static/`` is.
    `error` is set when the build failed; the previous output must then
    still be in place. `problems` are all the warnings of a build that
    succeeded; the server shows those about the files that just changed.
    """

    changed: frozenset[str] = frozenset()
    error: Problem | None = None
    problems: tuple[Problem, ...] = ()


class Rebuilder(Protocol):
    """Brings the output folder up to date after `changes`.

    A user's error (bad config, template or option) is returned in the
    outcome, not raised. Anything raised is taken for a bug: the server
    prints the traceback, shows an "internal error" and keeps serving.
    The first call of a session gets ``ChangeSet(everything=True)``.
    """

    def rebuild(self, changes: ChangeSet) -> RebuildOutcome: ...


class IncrementalRebuilder:
    """Rebuilds only the pages whose inputs changed; see :mod:`generator.engine.builder`."""

    def __init__(self, root: Path, *, jobs: int | None = None) -> None:
        self.builder = Builder(root, keep=True)
        self.jobs = jobs

    def rebuild(self, changes: ChangeSet) -> RebuildOutcome:
        # The watcher's list of changed cable files spares a stat of every
        # cable (a second at 250,000); templates, static files, pages and the
        # config are few, and are always compared.
        hint = None if changes.everything else frozenset(changes.cables)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = self.builder.build(BuildOptions(jobs=self.jobs), hint=hint)
        except UserError as error:
            return RebuildOutcome(error=Problem(error.path, error.line, error.message))
        except OSError as error:
            # A file that could not be read or written (permissions, a full disk).
            where = str(error.filename) if error.filename else "cablesite"
            return RebuildOutcome(error=Problem(where, None, error.strerror or str(error)))
        return RebuildOutcome(result.changed, problems=tuple(result.problems))
