"""Finding the cable files: which input files a site has, their identities, reading them.

Files are found recursively under ``content/cables/`` and always handled in
sorted order of their relative path, so every build sees the same sequence.
Hidden files (``.gitkeep``, editor swap files) are skipped silently; any other
file of an unsupported type is reported, so every input is accounted for.
"""

from __future__ import annotations

import bisect
import os
from array import array
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
)
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from generator.errors import UserError
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


# (size, change time in ns: see changed_at) of a file, as a build compares them.
Identity = tuple[int, int]


def changed_at(info: os.stat_result) -> int:
    """When a file last changed, as a build compares it: the later of its modification
    time and its status change time (``ctime``), in nanoseconds.

    The modification time alone misses an edit that keeps it (``touch -r``,
    ``cp -p`` or ``rsync -t`` of another file of the same size, a tool that
    restores times): anything that sets the modification time sets the change
    time to now, and nothing but the clock sets that back. It is what git
    compares too (with ``core.trustctime``). A change of owner, mode or link
    count also moves it: that file is then hashed, found the same, and taken
    from the state, at the cost of one read. It comes from the same ``stat``
    call, and the state keeps one number per file as before. (The inode,
    which git also compares, adds nothing here on the file systems in use:
    a file moved over another gets a new change time.) An edit made in the
    same clock tick as the scan is caught by the racy rule
    (:data:`generator.engine.state.RACY_NS`).
    """
    modified, changed = info.st_mtime_ns, info.st_ctime_ns
    return changed if changed > modified else modified


class Identities(MutableMapping[str, Identity]):
    """The identity of each file by display path, packed: sorted names and two arrays.

    At 250,000 files a dict of tuples is half a million objects to make,
    compare and (in the state's head) marshal; a build with nothing to do
    only compares two of these, which is one string and two arrays. A
    lookup makes an index of the names first (the full pass needs one).
    Always in sorted order of name, so two are equal exactly when their
    packed forms are.
    """

    __slots__ = ("_index", "_joined", "_lookups", "_mtimes", "_names", "_sizes")

    def __init__(self, names: list[str] | str, sizes: array[int], mtimes: array[int]) -> None:
        # `names`: sorted, as a list or joined with NUL (as the state keeps them).
        self._joined = names if isinstance(names, str) else None
        self._names = names if isinstance(names, list) else None
        self._sizes = sizes
        self._mtimes = mtimes
        self._index: dict[str, int] | None = None
        self._lookups = 0

    @classmethod
    def of(cls, found: Mapping[str, Identity]) -> Identities:
        if isinstance(found, Identities):
            return found
        items = sorted(found.items())
        return cls(
            [name for name, _ in items],
            array("q", [size for _, (size, _) in items]),
            array("q", [mtime for _, (_, mtime) in items]),
        )

    @classmethod
    def unpack(cls, packed: tuple[str, bytes, bytes]) -> Identities:
        joined, sizes, mtimes = packed
        a, b = array("q"), array("q")
        a.frombytes(sizes)
        b.frombytes(mtimes)
        if len(a) != len(b) or len(a) != (joined.count("\0") + 1 if joined else 0):
            raise ValueError("identities of different lengths")
        return cls(joined, a, b)

    def pack(self) -> tuple[str, bytes, bytes]:
        return (self.joined(), self._sizes.tobytes(), self._mtimes.tobytes())

    def joined(self) -> str:
        if self._joined is None:
            self._joined = "\0".join(self.names())
        return self._joined

    def names(self) -> list[str]:
        if self._names is None:
            assert self._joined is not None
            self._names = self._joined.split("\0") if self._joined else []
        return self._names

    def _find(self, name: str) -> int | None:
        """Where `name` is: by bisection for the first few lookups (a quick
        rebuild's), then from an index of every name (a full pass's)."""
        if self._index is None:
            self._lookups += 1
            if self._lookups <= _BISECTED:
                names = self.names()
                i = bisect.bisect_left(names, name)
                return i if i < len(names) and names[i] == name else None
        return self._where().get(name)

    def _where(self) -> dict[str, int]:
        if self._index is None:
            self._index = {name: i for i, name in enumerate(self.names())}
        return self._index

    def __getitem__(self, name: str) -> Identity:
        i = self._find(name)
        if i is None:
            raise KeyError(name)
        return (self._sizes[i], self._mtimes[i])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._find(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._sizes)

    def __setitem__(self, name: str, identity: Identity) -> None:
        i = self._find(name)
        if i is None:
            # A new name (rare: builds make new identities, they do not add
            # to old ones): keep the order sorted.
            names = self.names()
            i = bisect.bisect_left(names, name)
            names.insert(i, name)
            self._sizes.insert(i, identity[0])
            self._mtimes.insert(i, identity[1])
            self._joined = self._index = None
        else:
            self._sizes[i], self._mtimes[i] = identity

    def __delitem__(self, name: str) -> None:
        i = self._where()[name]
        del self.names()[i], self._sizes[i], self._mtimes[i]
        self._joined = self._index = None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Identities):
            return (
                self._sizes == other._sizes
                and self._mtimes == other._mtimes
                and self.joined() == other.joined()
            )
        if isinstance(other, Mapping):
            return len(self) == len(other) and all(other.get(k) == v for k, v in self.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> _Names:  # type: ignore[override]
        return _Names(self)

    def items(self) -> _Items:  # type: ignore[override]
        return _Items(self)

    def differing(self, other: Identities) -> list[str] | None:
        """The names whose identity is not the same in `other`; None when the names differ."""
        if self.joined() != other.joined():
            return None
        if self._sizes == other._sizes and self._mtimes == other._mtimes:
            return []
        names = self.names()
        found: list[str] = []
        step = 4096
        for start in range(0, len(names), step):
            end = start + step
            if (
                self._sizes[start:end] != other._sizes[start:end]
                or self._mtimes[start:end] != other._mtimes[start:end]
            ):
                found.extend(
                    names[i]
                    for i in range(start, min(end, len(names)))
                    if self._sizes[i] != other._sizes[i] or self._mtimes[i] != other._mtimes[i]
                )
        return found


class _Names(KeysView[str]):
    """The names of an Identities; compared with another's as one string."""

    _mapping: Identities

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Names):
            return self._mapping.joined() == other._mapping.joined()
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


class _Items(ItemsView[str, Identity]):
    """The items of an Identities; `a - b` with another's compares the arrays first."""

    _mapping: Identities

    def __sub__(self, other: Iterable[Any]) -> set[tuple[str, Identity]]:
        if isinstance(other, _Items):
            mine, theirs = self._mapping, other._mapping
            differ = mine.differing(theirs)
            if differ is not None:
                return {(name, mine[name]) for name in differ}
        return set(super().__sub__(other))


def changed_identities(
    now: Mapping[str, Identity], recorded: Mapping[str, Identity]
) -> list[str] | None:
    """The names whose identity differs (in sorted order); None when names came or went."""
    if isinstance(now, Identities) and isinstance(recorded, Identities):
        return now.differing(recorded)
    if now.keys() != recorded.keys():
        return None
    return sorted(name for name, identity in now.items() if recorded[name] != identity)


def changed_sources(
    inputs: Inputs, now: Mapping[str, Identity], recorded: Mapping[str, Identity]
) -> list[Source] | None:
    """The sources whose identity is not the recorded one, in order; None when files came
    or went (which only the full pass handles)."""
    differing = changed_identities(now, recorded)
    if differing is None:
        return None
    differ = set(differing)
    return [s for s in inputs.sources if s.display in differ] if differ else []


def find_files(
    folder: Path, root: Path, suffixes: frozenset[str] | None = None
) -> tuple[Inputs, Identities]:
    """The inputs under `folder`, and the identity of each source (by display path).

    The folders are listed first (names only: a directory entry says whether
    it is a file, a folder or a link without a system call), the names
    sorted, then each source file is stat'ed into two arrays. The ``stat``
    calls are most of the cost (about 1.6 µs each here, with the loop);
    two threads, each stat'ing half (``os.stat`` lets go of the interpreter
    lock), were no faster on this two-core machine.
    """
    if suffixes is None:
        suffixes = frozenset(SUPPORTED_SUFFIXES)
    if not folder.is_dir():
        return Inputs((), ()), Identities([], array("q"), array("q"))
    found: list[str] = []
    links: set[str] = set()
    _files(str(folder), "", found, links)
    found.sort()
    prefix = display_path(folder, root)
    prefix = "" if prefix == "." else prefix + "/"
    top = str(folder) + "/"
    relative: list[str] = []
    ignored: list[str] = []
    # A name ending with a supported suffix has it (a suffix holds one dot,
    # and hidden names were skipped): one C call for nearly every file.
    lowered = tuple(suffix for suffix in suffixes if suffix == suffix.lower())
    for name in found:
        if name.endswith(lowered) or _suffix(name) in suffixes:
            relative.append(name)
        else:
            ignored.append(prefix + name)
    displays = [prefix + name for name in relative]
    locations = [top + name for name in relative]
    sizes, mtimes = _identities(top, relative, links)
    if _GONE in sizes:
        # Files deleted while the folder was listed are not there.
        kept = [i for i, size in enumerate(sizes) if size != _GONE]
        displays = [displays[i] for i in kept]
        locations = [locations[i] for i in kept]
        sizes = array("q", [sizes[i] for i in kept])
        mtimes = array("q", [mtimes[i] for i in kept])
    # (tuple.__new__ straight from C: a named tuple's own __new__ is Python code.)
    sources = tuple(map(tuple.__new__, repeat(Source), zip(locations, displays, strict=True)))
    return Inputs(sources, tuple(ignored)), Identities(displays, sizes, mtimes)


def _files(folder: str, relative: str, found: list[str], links: set[str]) -> None:
    """Add the path (relative to the top) of every file below, hidden ones skipped.

    Symbolic links to folders are not followed, so a link loop in content/
    cannot hang the build (the top folder itself may be a link); a link that
    leads to no file is kept, in `links` too, and reported when read.
    """
    folders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    # A plain file first: nearly every entry, one call.
                    if entry.is_file(follow_symlinks=False):
                        found.append(relative + name)
                    elif entry.is_dir(follow_symlinks=False):
                        folders.append(name)
                    elif entry.is_file():  # a link to a file
                        found.append(relative + name)
                    elif entry.is_symlink():
                        found.append(relative + name)
                        links.add(relative + name)
                    else:
                        # A FIFO, socket or device: listed, so that it is reported
                        # (the read pass never opens it: a FIFO would block the build).
                        found.append(relative + name)
                except OSError:
                    continue
    except FileNotFoundError:
        return  # removed since its parent was listed: its files are gone
    except OSError as error:
        # Building without it would drop its cables' pages from the site.
        raise UserError(
            folder, None, f"cannot read this folder: {error.strerror or error}"
        ) from None
    for name in folders:
        _files(f"{folder}/{name}", f"{relative}{name}/", found, links)


_GONE = -2
# Lookups by bisection before an Identities makes an index of its names.
_BISECTED = 64


def _identities(top: str, names: list[str], links: set[str]) -> tuple[array[int], array[int]]:
    """(sizes, modification times) of the files below `top` (a folder name ending
    in "/"); (-1, -1) for a link to no file, _GONE for a file gone since listed."""
    count = len(names)
    sizes = array("q", bytes(8 * count))
    mtimes = array("q", bytes(8 * count))
    try:
        # Each name looked up from the folder rather than from the root (10% less).
        folder: int | None = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
        paths = names
    except OSError:
        folder, paths = None, [top + name for name in names]

    status = os.stat
    try:
        for i in range(count):
            try:
                info = status(paths[i], dir_fd=folder)
            except OSError:
                # A broken link: (-1, -1) never matches a recorded identity,
                # and reading it reports it. Another file: gone since listed.
                sizes[i] = mtimes[i] = -1 if names[i] in links else _GONE
                continue
            if links and names[i] in links:
                sizes[i] = mtimes[i] = -1  # a link (not to a file), as listed
                continue
            sizes[i] = info.st_size
            # The later of the modification and the change time (see changed_at).
            modified, changed = info.st_mtime_ns, info.st_ctime_ns
            mtimes[i] = changed if changed > modified else modified
    finally:
        if folder is not None:
            os.close(folder)
    return sizes, mtimes


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
