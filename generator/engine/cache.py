"""The cache folder, ``.cablesite-cache/`` in the site folder: where things are, one build at a time.

It holds the build state (:mod:`generator.engine.state`), the memory of the
last full pass (:mod:`generator.engine.memory`), the parse cache
(:mod:`generator.engine.parsecache`), the pending journal
(:mod:`generator.engine.journal`). It is the build's own: it holds
pickles, which can run code when loaded, so a cache folder is never to be
taken from someone else. It may be deleted at any time, even during a
build: the next build is then a full one. So the lock that lets one build
at a time write the output is not in it (a lock file deleted with the
cache would let a second build in): it is taken on the site folder itself.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

CACHE_NAME = ".cablesite-cache"
PACKS = "packs"


def cache_folder(root: Path) -> Path:
    return root / CACHE_NAME


def ignore_in_git(folder: Path) -> None:
    # The cache is the user's machine's business, not their repository's.
    marker = folder / ".gitignore"
    if not marker.exists():
        with suppress(OSError):
            marker.write_text("*\n", encoding="utf-8")


@contextmanager
def build_lock(root: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One build at a time per site (a `serve` and a `build` in two terminals).

    An advisory lock (``flock``) on the site folder, which outlives any
    deletion of the cache and is let go by the system when a build is killed.
    """
    handle = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # (lets go of the lock)
