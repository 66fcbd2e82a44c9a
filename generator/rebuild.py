"""The build engine behind ``cablesite serve``: each save costs what it changed.

:class:`IncrementalRebuilder` implements the server's ``Rebuilder`` protocol
(:mod:`generator.serve`) with the incremental engine of
:mod:`generator.build`. It keeps one :class:`Builder` for the whole session,
so the state of the last build stays in memory instead of being read back
from ``.cablesite-cache/`` on every save, and the files a build wrote or
removed come straight from the build rather than from comparing the
output folder before and after.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from generator.build import Builder, BuildOptions
from generator.errors import UserError
from generator.model import Problem
from generator.serve import RebuildOutcome
from generator.watch import ChangeSet


class IncrementalRebuilder:
    """Rebuilds only the pages whose inputs changed; see :mod:`generator.build`."""

    def __init__(self, root: Path, *, jobs: int | None = None) -> None:
        self.builder = Builder(root)
        self.jobs = jobs

    def rebuild(self, changes: ChangeSet) -> RebuildOutcome:
        # Every input is checked whatever `changes` says: a check costs a stat
        # per file, and an event the watcher missed must not leave a page stale.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = self.builder.build(BuildOptions(jobs=self.jobs))
        except UserError as error:
            return RebuildOutcome(error=Problem(error.path, error.line, error.message))
        except OSError as error:
            # A file that could not be read or written (permissions, a full disk).
            where = str(error.filename) if error.filename else "cablesite"
            return RebuildOutcome(error=Problem(where, None, error.strerror or str(error)))
        return RebuildOutcome(result.changed, problems=tuple(result.problems))
