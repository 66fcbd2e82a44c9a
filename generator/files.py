"""Writing a file so that readers see the old one or the new one, never half of either.

The build state, the cache's stores and imported cables are all written
this way: to a temporary file beside the target (same folder, so the same
file system), renamed over it once complete. A failure or an interrupt
while writing removes the temporary file and leaves the old one in place.
Temporary files are named ``.NAME.XXXXXXXX.tmp``, so what a killed
process left behind can be told from anything else.
"""

from __future__ import annotations

import os
import tempfile
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
