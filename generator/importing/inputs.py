"""What the user asked to import: files, found in the SOURCE arguments.

A SOURCE is a single file or a folder searched recursively (hidden entries
skipped, sorted so every run sees the same order).  The import folder is
never searched, even when it lies inside a SOURCE folder, so importing a
whole project does not re-import its own output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.model import Problem
from generator.parse import SUPPORTED_SUFFIXES

CONTAINERS = frozenset({".csv", ".jsonl"})


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    size: int
    # How the imported files name their source: the file name, or for a file
    # found in a SOURCE folder, the folder's name and the path inside it.  It
    # stays the same when the user moves the folder, and does not publish
    # their home directory in every cable's front matter.
    label: str

    @property
    def is_container(self) -> bool:
        return self.path.suffix.lower() in CONTAINERS


def check_sources(sources: list[Path]) -> list[Problem]:
    """A problem for each SOURCE that is neither a readable file nor a folder."""
    problems = []
    for source in sources:
        if source.is_dir():
            if not os.access(source, os.R_OK | os.X_OK):
                problems.append(Problem(str(source), None, "cannot read: permission denied"))
        elif not source.exists():
            problems.append(Problem(str(source), None, "cannot read: no such file or folder"))
        elif source.suffix.lower() not in SUPPORTED_SUFFIXES:
            known = ", ".join(sorted(SUPPORTED_SUFFIXES))
            problems.append(
                Problem(str(source), None, f"cannot import this kind of file (known: {known})")
            )
        elif not os.access(source, os.R_OK):
            problems.append(Problem(str(source), None, "cannot read: permission denied"))
    return problems


def input_files(sources: list[Path], into: Path) -> Iterator[InputFile]:
    """Every importable file of the sources, in a stable order (streamed, not listed)."""
    excluded = _resolved(into)
    for source in sources:
        if source.is_dir():
            yield from _walk(source, excluded)
        elif source.is_file() and source.suffix.lower() in SUPPORTED_SUFFIXES:
            yield InputFile(source, _size(source), source.name)


def total_size(sources: list[Path], into: Path) -> int:
    # A first walk only sums sizes, so the progress bar can show an ETA
    # without keeping a list of possibly hundreds of thousands of paths.
    return sum(f.size for f in input_files(sources, into))


def _walk(folder: Path, excluded: Path | None) -> Iterator[InputFile]:
    top = (_resolved(folder) or folder).name
    # followlinks=False: a symlink loop must not hang the import.
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and _resolved(here / d) != excluded
        )
        for name in sorted(filenames):
            path = here / name
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                label = "/".join(filter(None, (top, path.relative_to(folder).as_posix())))
                yield InputFile(path, _size(path), label)


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except OSError:
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
