"""The pending journal: which output files a build is about to replace or remove.

Before an incremental build (or a quick rebuild) moves its first staged
file into the output, it adds every path it will replace or remove to
``pending.marshal`` in the cache folder; a build that saves the whole state
clears it. A build stopped in the middle therefore leaves a list of the
files whose content is unknown, and the next build records them with the
signature :data:`UNKNOWN`, which no page has: each is rendered again if it
is still part of the site, and deleted if it is not (a removal the stopped
build did not get to, or a file it wrote that is no longer wanted). A
journal that cannot be read means every file is unknown (the next build
renders all into a new tree, which leaves out whatever is not wanted).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, MutableMapping
from contextlib import suppress
from pathlib import Path

from generator.files import write_atomically

PENDING_FILE = "pending.marshal"
# In the journal: every file may have changed.
EVERYTHING = "*"
# The recorded signature of an output file whose content is unknown: no page's.
UNKNOWN = b""


def mark_pending(folder: Path, paths: list[str]) -> None:
    """Say, before replacing output files, which ones are about to change.

    The list is added to: a series of builds that do not save the whole
    state (the quick rebuilds of ``serve``) leaves every file they touched
    listed until a build saves the state again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    known = pending_paths(folder)
    paths = [*(known or []), *paths] if known is not None else [EVERYTHING, *paths]
    write_atomically(folder / PENDING_FILE, marshal.dumps(paths))


def clear_pending(folder: Path) -> None:
    with suppress(OSError):
        (folder / PENDING_FILE).unlink()


def pending_paths(folder: Path) -> list[str] | None:
    """The output files stopped or unsaved builds replaced since the state was saved;
    None when that cannot be told."""
    try:
        paths = marshal.loads((folder / PENDING_FILE).read_bytes())
    except FileNotFoundError:
        return []
    except Exception:
        return None
    if not isinstance(paths, list) or EVERYTHING in paths:
        return None
    return [str(p) for p in paths]


def mark_unknown(pages: MutableMapping[str, bytes], paths: Iterable[str]) -> None:
    """Record the files a stopped build was replacing or removing as of unknown content.

    Not forgotten: a file no longer part of the site must still be removed,
    and only a recorded file is.
    """
    for path in paths:
        pages[path] = UNKNOWN
