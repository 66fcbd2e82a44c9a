"""The cache folder, ``.cablesite-cache/`` in the site folder: where things are, one build at a time.

It holds the build state (:mod:`generator.engine.state`), the memory of the
last full pass (:mod:`generator.engine.memory`), the parse cache
(:mod:`generator.engine.parsecache`), the pending journal
(:mod:`generator.engine.journal`) and a lock. It is the build's own: it
holds pickles, which can run code when loaded, so a cache folder is never
to be taken from someone else. It may be deleted at any time; the next
build is then a full one.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

CACHE_NAME = ".cablesite-cache"
LOCK_FILE = "lock"
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
def build_lock(folder: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One build at a time per site (a `serve` and a `build` in two terminals)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
