"""The load stage: which input files a site has, and reading cables from them.

Files are found recursively under ``content/cables/`` and always handled in
sorted order of their relative path, so every build sees the same sequence.
Hidden files (``.gitkeep``, editor swap files) are skipped silently; any other
file of an unsupported type is reported, so every input is accounted for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from generator.model import Cable, Problem
from generator.parse import SUPPORTED_SUFFIXES, read_cables

ProblemSink = Callable[[Problem], None]
Reader = Callable[[Path, ProblemSink], Iterator[Cable]]


class Source(NamedTuple):
    """One input file: where it is, and how the user refers to it.

    A named tuple holding the location as a string: at 250,000 files, a
    dataclass and a :class:`Path` per file cost more than finding the files,
    and most builds open none of them.
    """

    location: str
    display: str

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True, slots=True)
class Inputs:
    sources: tuple[Source, ...]
    ignored: tuple[str, ...]


# (size, modification time in ns) of a file, as a build compares them.
Identity = tuple[int, int]


def find_sources(folder: Path, root: Path, suffixes: frozenset[str] | None = None) -> Inputs:
    return scan_folder(folder, root, suffixes)[0]


def scan_folder(
    folder: Path, root: Path, suffixes: frozenset[str] | None = None
) -> tuple[Inputs, dict[str, Identity]]:
    """The inputs under `folder`, and the identity of each source (by display path)."""
    if suffixes is None:
        suffixes = frozenset(SUPPORTED_SUFFIXES)
    if not folder.is_dir():
        return Inputs((), ()), {}
    found = sorted(_files(str(folder), ""))
    prefix = display_path(folder, root)
    prefix = "" if prefix == "." else prefix + "/"
    sources: list[Source] = []
    ignored: list[str] = []
    identities: dict[str, Identity] = {}
    for relative, location, identity in found:
        display = prefix + relative
        if _suffix(relative) in suffixes:
            sources.append(Source(location, display))
            identities[display] = identity
        else:
            ignored.append(display)
    return Inputs(tuple(sources), tuple(ignored)), identities


def _files(folder: str, relative: str) -> Iterator[tuple[str, str, Identity]]:
    """(path relative to the top, path, identity) of every file below, hidden ones skipped.

    Symbolic links to folders are not followed, so a link loop in content/
    cannot hang the build (the top folder itself may be a link).
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        name = relative + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _files(entry.path, name + "/")
            elif entry.is_file():
                info = entry.stat()
                yield name, entry.path, (info.st_size, info.st_mtime_ns)
            elif entry.is_symlink():
                yield name, entry.path, (-1, -1)  # a broken link: reported when read
        except OSError:
            continue


def _suffix(name: str) -> str:
    """The lowercased extension, as :attr:`Path.suffix` gives it (``.txt``; none for ``.txt``)."""
    base = name[name.rfind("/") + 1 :]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def display_path(path: Path, root: Path) -> str:
    """A path as the site names it: relative to the site folder when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def parse_reader(path: Path, on_problem: ProblemSink) -> Iterator[Cable]:
    return read_cables(path, on_problem=on_problem)


def read_source(
    source: Source, on_problem: ProblemSink, reader: Reader = parse_reader
) -> Iterator[Cable]:
    """The cables of one file; problems are reported under the file's display path."""

    def relabel(problem: Problem) -> None:
        on_problem(Problem(source.display, problem.line, problem.message))

    yield from reader(source.path, relabel)
