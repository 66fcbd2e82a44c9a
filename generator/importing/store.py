"""The import folder: what is already there, and writing cable files safely.

Writes are atomic (a temporary file in the same folder, then `os.replace`),
so an interrupted import leaves each file either as it was or complete,
never half-written.  Nothing is written when the bytes would not change, so
a re-import leaves files and their modification times alone.
"""

from __future__ import annotations

import enum
import os
import re
from pathlib import Path

from generator.files import write_atomically
from generator.importing.layout import UNDATED, is_untouched

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{2}$")
_CABLE_FILE = re.compile(r"^([0-9A-Z]+)\.txt$")


class State(enum.Enum):
    ABSENT = "absent"
    SAME = "same"  # byte-identical to what would be written
    OURS = "ours"  # written by an import and untouched since: safe to replace
    EDITED = "edited"  # changed by someone, or never written by the importer


def existing_cables(into: Path) -> dict[str, str]:
    """id -> folder (relative to `into`) of the cable files already laid out there.

    Lets a cable whose date changed at the source move to its new month
    instead of leaving a stale copy (and a duplicate id) behind.  Only ids
    are kept, each pointing at one shared folder name: about 20 MB for the
    full release.
    """
    found: dict[str, str] = {}
    for month_dir in _month_dirs(into):
        rel_dir = month_dir.relative_to(into).as_posix()
        with os.scandir(month_dir) as entries:
            for entry in entries:
                m = _CABLE_FILE.match(entry.name)
                if m and entry.is_file(follow_symlinks=False):
                    found.setdefault(m.group(1), rel_dir)
    return found


def _month_dirs(into: Path) -> list[Path]:
    dirs = []
    if (into / UNDATED).is_dir():
        dirs.append(into / UNDATED)
    if not into.is_dir():
        return dirs
    for year in sorted(p for p in into.iterdir() if _YEAR.match(p.name) and p.is_dir()):
        dirs.extend(sorted(m for m in year.iterdir() if _MONTH.match(m.name) and m.is_dir()))
    return dirs


def state_of(path: Path, data: bytes) -> State:
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        return State.ABSENT
    if old == data:
        return State.SAME
    return State.OURS if is_untouched(old) else State.EDITED


def is_ours(path: Path) -> bool:
    try:
        return is_untouched(path.read_bytes())
    except OSError:
        return False


class Writer:
    """Atomic writes under one folder, remembering which folders exist."""

    def __init__(self, into: Path) -> None:
        self.into = into
        self._made: set[Path] = set()

    def write(self, relpath: str, data: bytes) -> None:
        path = self.into / relpath
        folder = path.parent
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        write_atomically(path, data)

    def remove(self, relpath: str) -> None:
        _remove_quietly(self.into / relpath)


def _remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)
