"""Writing a file so that readers see the old one or the new one, never half of either.

The build state, the cache's stores and imported cables are all written
this way: to a temporary file beside the target (same folder, so the same
file system), renamed over it once complete. A failure or an interrupt
while writing removes the temporary file and leaves the old one in place.
Temporary files are named ``.NAME.XXXXXXXX.tmp``, so what a killed
process left behind can be told from anything else (and swept:
:func:`sweep_temporary`).

Fault injection, for tests: every operation of a build that a kill could
leave half done (a rename, a replace, an unlink, a folder removed or
swapped) calls :func:`file_operation` first. With the environment variable
``CABLESITE_KILL_AT=N``, the build process kills itself with ``SIGKILL``
just before its N-th such operation, as ``kill -9`` or a power cut would
(nothing flushed, no handler run), after naming the operation on standard
error. Forked workers are never killed: only the build process applies
the output and writes the state. Unset (always, outside tests), the hook
is one comparison.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

TEMPORARY_SUFFIX = ".tmp"


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through; it replaces `path` when the block ends."""
    fd, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        # mkstemp makes 0600 files; what is written should get the user's usual mode.
        os.chmod(temporary, 0o666 & ~_umask())
        file_operation("replace", path)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_file(path) as handle:
        handle.write(data)


_UMASK: int | None = None


def _umask() -> int:
    # The umask can only be read by setting it, so it is read once.
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return _UMASK


def sweep_temporary(folder: Path, older_than: float = 0.0) -> int:
    """Delete the temporary files a killed process left in `folder` (not below it);
    how many. Only files last changed more than `older_than` seconds ago: a caller
    that does not hold the folder's lock keeps those another process may be writing."""
    swept = 0
    limit = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime <= limit:
                os.unlink(entry.path)
                swept += 1
        except OSError:
            continue
    return swept


# --- fault injection (tests only: see the module's docstring) --------------------------

KILL_AT = "CABLESITE_KILL_AT"

_kill_at = int(os.environ.get(KILL_AT) or 0)
_build_process = os.getpid()
_operations = 0


def file_operation(what: str, path: object = "") -> None:
    """Count one file operation of this process; the N-th under ``CABLESITE_KILL_AT`` kills it."""
    if not _kill_at:
        return
    global _operations
    if os.getpid() != _build_process:
        return  # a forked worker
    _operations += 1
    if _operations == _kill_at:
        sys.stderr.write(f"{KILL_AT}: killed before operation {_operations}: {what} {path}\n")
        sys.stderr.flush()
        os.kill(_build_process, signal.SIGKILL)
