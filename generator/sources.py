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

from generator.model import Cable, Problem
from generator.parse import SUPPORTED_SUFFIXES, read_cables

ProblemSink = Callable[[Problem], None]
Reader = Callable[[Path, ProblemSink], Iterator[Cable]]


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: where it is, and how the user refers to it."""

    path: Path
    display: str


@dataclass(frozen=True, slots=True)
class Inputs:
    sources: tuple[Source, ...]
    ignored: tuple[str, ...]


def find_sources(folder: Path, root: Path, suffixes: frozenset[str] | None = None) -> Inputs:
    if suffixes is None:
        suffixes = frozenset(SUPPORTED_SUFFIXES)
    if not folder.is_dir():
        return Inputs((), ())
    sources: list[Source] = []
    ignored: list[str] = []
    for path in sorted(_files(folder), key=lambda p: p.relative_to(folder).as_posix()):
        display = _display(path, root)
        if path.suffix.lower() in suffixes:
            sources.append(Source(path, display))
        else:
            ignored.append(display)
    return Inputs(tuple(sources), tuple(ignored))


def _files(folder: Path) -> Iterator[Path]:
    # followlinks=False: a symlink loop in content/ must not hang the build.
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                yield Path(dirpath) / name


def _display(path: Path, root: Path) -> str:
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
