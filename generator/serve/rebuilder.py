"""The build engine behind ``cablesite serve``: each save costs what it changed.

:class:`IncrementalRebuilder` implements the server's ``Rebuilder`` protocol
(:mod:`generator.serve.server`) with the incremental engine of
:mod:`generator.engine.builder`. It keeps one :class:`Builder` for the whole session,
so the state, the archive and the plan of the last build stay in memory:
an edit that moves nothing (a cable's text or subject, a template, a
Markdown page) is rebuilt by :mod:`generator.engine.quick` without planning the
site again, and the files a build wrote or removed come straight from the
build rather than from comparing the output folder before and after.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from generator.engine.builder import Builder, BuildOptions
from generator.errors import UserError
from generator.model import Problem
from generator.serve.server import RebuildOutcome
from generator.serve.watch import ChangeSet


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
