"""The build state: what the last build read and wrote, kept in ``.cablesite-cache/``.

* per source file: its identity (size, modification time), the hash of its
  bytes, the records of the cables it yielded, the problems it produced and
  where its parsed cables are in the parse cache;
* per output file: the signature of the inputs it was made from;
* the identities of the other inputs (templates, static files, pages,
  ``site.toml``), so that a build with nothing changed stops after a stat
  of each file.

The state is one ``marshal`` file of plain tuples, written to a temporary
file and renamed into place. marshal loads 251,000 records in a fraction
of the time pickle takes, and a file from another version of cablesite
simply fails the version check. The folder may be deleted at any time: a
missing, unreadable or outdated state means a full build, never an error.

The state is only ever a cache of facts about files: whatever it says, a
build that cannot trust it reads the files again.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import marshal
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from generator.model import Problem
from generator.packs import BlobRef
from generator.records import CableRecord, record_from_plain

CACHE_NAME = ".cablesite-cache"
STATE_FILE = "state.marshal"
PENDING_FILE = "pending.marshal"
LOCK_FILE = "lock"
PACKS = "packs"
# Bumped whenever the layout of the state changes.
STATE_FORMAT = 1
# An identity whose modification time is this close to the scan may hide an
# edit made in the same clock tick after it; such files are hashed next time.
RACY_NS = 2_000_000_000

Identity = tuple[int, int]  # (size, mtime_ns)


PlainProblem = tuple[str, "int | None", str]


@dataclass(slots=True)
class SourceState:
    """What one source file gave the last time it was read.

    Records and problems stay plain tuples (see :func:`record_to_plain`):
    a build that finds nothing changed never needs them as objects.
    """

    size: int
    mtime_ns: int  # -1 when the identity is not to be trusted
    content: str
    records: tuple[tuple, ...]  # type: ignore[type-arg]
    problems: tuple[PlainProblem, ...]
    blobs: tuple[BlobRef | None, ...]

    def identity(self) -> Identity:
        return (self.size, self.mtime_ns)

    def cable_records(self) -> list[CableRecord]:
        return [record_from_plain(r) for r in self.records]

    def problem_list(self) -> list[Problem]:
        return [Problem(*p) for p in self.problems]


@dataclass(slots=True)
class OutputState:
    """The output folder as the last build left it."""

    path: str
    device: int
    inode: int
    pages: dict[str, bytes] = field(default_factory=dict)


@dataclass(slots=True)
class BuildState:
    code: str
    reader: str  # "parse" when the sources were read by the parser itself
    sources: dict[str, SourceState] = field(default_factory=dict)
    output: OutputState | None = None
    # The fingerprint of everything else a build reads (config, templates,
    # static files, pages) and the identities of those files.
    site: str = ""
    inputs: dict[str, Identity] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    # False when a build was stopped while replacing output files: the
    # output is then not known to match the state (never saved as False).
    complete: bool = True


def cache_folder(root: Path) -> Path:
    return root / CACHE_NAME


# Modules that shape neither what a cable parses to nor what a page holds:
# editing them (as a developer does all day) need not throw the cache away.
NOT_OUTPUT = frozenset(
    {
        "cli.py",
        "check.py",
        "importer.py",
        "livereload.py",
        "progress.py",
        "rebuild.py",
        "report.py",
        "scaffold.py",
        "serve.py",
        "watch.py",
    }
)


@cache
def code_fingerprint() -> str:
    """The cablesite code and the libraries that shape its output.

    Any change to the parser or the renderer can change what a cable or a
    page becomes, so a state written by other code is not trusted at all.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*")):
        if path.relative_to(package).as_posix() in NOT_OUTPUT:
            continue
        if path.is_file() and path.suffix in (".py", ".tsv", ".csv", ".txt", ".json"):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    versions = [sys.version]
    for name in ("jinja2", "markupsafe", "pygments", "markdown-it-py", "pyyaml"):
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    digest.update("\n".join(versions).encode())
    digest.update(str(STATE_FORMAT).encode())
    return digest.hexdigest()


# --- reading and writing ---------------------------------------------------------


def load_state(folder: Path, reader: str) -> BuildState | None:
    """The state of the last build, or None when there is none to trust."""
    try:
        data = marshal.loads((folder / STATE_FILE).read_bytes())
        state = _from_plain(data)
    except Exception:
        # Truncated, corrupt, from another Python: all mean "no state".
        return None
    if state.code != code_fingerprint() or state.reader != reader:
        return None
    pending = _pending(folder)
    if pending is None or pending:
        state.complete = False
    if pending is None:
        state.output = None
    elif state.output is not None:
        # A build stopped while it was replacing these files: what they hold is unknown.
        for path in pending:
            state.output.pages.pop(path, None)
    return state


def save_state(folder: Path, state: BuildState) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(folder)
    data = marshal.dumps(_to_plain(state))
    temporary = folder / f".{STATE_FILE}.{os.getpid()}"
    temporary.write_bytes(data)
    os.replace(temporary, folder / STATE_FILE)


def mark_pending(folder: Path, paths: list[str]) -> None:
    """Say, before replacing output files, which ones are about to change."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{PENDING_FILE}.{os.getpid()}"
    temporary.write_bytes(marshal.dumps(paths))
    os.replace(temporary, folder / PENDING_FILE)


def clear_pending(folder: Path) -> None:
    with suppress(OSError):
        (folder / PENDING_FILE).unlink()


def _pending(folder: Path) -> list[str] | None:
    """The files a stopped build was replacing; None when that cannot be told."""
    try:
        paths = marshal.loads((folder / PENDING_FILE).read_bytes())
    except FileNotFoundError:
        return []
    except Exception:
        return None
    return [str(p) for p in paths] if isinstance(paths, list) else None


def _ignore_in_git(folder: Path) -> None:
    # The cache is the user's machine's business, not their repository's.
    marker = folder / ".gitignore"
    if not marker.exists():
        with suppress(OSError):
            marker.write_text("*\n", encoding="utf-8")


@contextmanager
def build_lock(folder: Path, on_wait: object = None) -> Iterator[None]:
    """One build at a time per site (a `serve` and a `build` in two terminals)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if callable(on_wait):
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- plain values (marshal knows no dataclasses or datetimes) ------------------------


def _to_plain(state: BuildState) -> dict:  # type: ignore[type-arg]
    sources = {
        name: (s.size, s.mtime_ns, s.content, s.records, s.problems, s.blobs)
        for name, s in state.sources.items()
    }
    output = None
    if state.output is not None:
        o = state.output
        output = (o.path, o.device, o.inode, o.pages)
    return {
        "format": STATE_FORMAT,
        "code": state.code,
        "reader": state.reader,
        "sources": sources,
        "output": output,
        "site": state.site,
        "inputs": state.inputs,
        "summary": state.summary,
        "problems": tuple((p.path, p.line, p.message) for p in state.problems),
    }


def _from_plain(data: dict) -> BuildState:  # type: ignore[type-arg]
    if data.get("format") != STATE_FORMAT:
        raise ValueError("another state format")
    sources = {name: SourceState(*fields) for name, fields in data["sources"].items()}
    output = None
    if data["output"] is not None:
        path, device, inode, pages = data["output"]
        output = OutputState(path, device, inode, dict(pages))
    return BuildState(
        code=data["code"],
        reader=data["reader"],
        sources=sources,
        output=output,
        site=data["site"],
        inputs=dict(data["inputs"]),
        summary=dict(data["summary"]),
        problems=tuple(Problem(*p) for p in data["problems"]),
    )
