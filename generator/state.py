"""The build state: what the last build read and wrote, kept in ``.cablesite-cache/``.

* per source file: its identity (size, modification time), the hash of its
  bytes, the records of the cables it yielded, the problems it produced and
  where its parsed cables are in the parse cache;
* per output file: the signature of the inputs it was made from;
* the identities of the other inputs (templates, static files, pages,
  ``site.toml``), so that a build with nothing changed stops after a stat
  of each file.

It is kept in two ``marshal`` files of plain values: a small head (the
identities, fingerprints and problems: all a build with nothing to do
reads) and a body (records and signatures), each written to a temporary
file and renamed into place, the body first; a generation number in both
tells a body from another build. A source's records, problems and cache
references are each one ``bytes`` value (marshalled in turn), not nested
tuples: loading 251,000 of them then creates a few objects per source
instead of dozens, and a build decodes only the sources it needs.

The folder may be deleted at any time: a missing, unreadable or outdated
state means a full build, never an error. Whatever the state says, a build
that cannot trust it reads the files again.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import marshal
import os
import secrets
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from generator.model import Problem
from generator.packs import BlobRef
from generator.records import CableRecord, record_from_plain

CACHE_NAME = ".cablesite-cache"
HEAD_FILE = "state.marshal"
BODY_FILE = "state-body.marshal"
DELTA_FILE = "state-delta.marshal"
STATE_FILE = HEAD_FILE
PENDING_FILE = "pending.marshal"
LOCK_FILE = "lock"
PACKS = "packs"
# Bumped whenever the layout of the state changes.
STATE_FORMAT = 3
# An identity whose modification time is this close to the scan may hide an
# edit made in the same clock tick after it; such files are hashed next time.
RACY_NS = 2_000_000_000

Identity = tuple[int, int]  # (size, mtime_ns); mtime -1 when not to be trusted
PlainProblem = tuple[str, "int | None", str]


@dataclass(slots=True)
class SourceState:
    """What one source file gave the last time it was read (its identity is kept apart)."""

    content: str  # hash of the bytes ("" when the reader is not the parser)
    records: bytes  # marshal: tuple of plain records (see record_to_plain)
    problems: bytes  # marshal: tuple of (path, line, message)
    blobs: bytes  # marshal: tuple of BlobRef or None, one per record

    @classmethod
    def of(
        cls,
        content: str,
        records: tuple[tuple, ...],  # type: ignore[type-arg]
        problems: tuple[PlainProblem, ...],
        blobs: tuple[BlobRef | None, ...],
    ) -> SourceState:
        return cls(content, marshal.dumps(records), marshal.dumps(problems), marshal.dumps(blobs))

    def plain_records(self) -> tuple[tuple, ...]:  # type: ignore[type-arg]
        return marshal.loads(self.records)

    def cable_records(self) -> list[CableRecord]:
        return [record_from_plain(r) for r in marshal.loads(self.records)]

    def problem_list(self) -> list[Problem]:
        return [Problem(*p) for p in marshal.loads(self.problems)]

    def blob_refs(self) -> tuple[BlobRef | None, ...]:
        return marshal.loads(self.blobs)


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
    identities: dict[str, Identity] = field(default_factory=dict)
    sources: dict[str, SourceState] = field(default_factory=dict)
    output: OutputState | None = None
    # The fingerprint of everything else a build reads (config, templates,
    # static files, pages) and the identities of those files.
    site: str = ""
    inputs: dict[str, Identity] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    problems: bytes = marshal.dumps(())  # marshal: tuple of (path, line, message)
    # False when a build was stopped while replacing output files: the
    # output is then not known to match the state (never saved as False).
    complete: bool = True
    # Whether `sources` and the output's pages are loaded (see load_body).
    loaded: bool = True
    generation: str = ""
    # Output files a stopped (or not saved) build was replacing.
    pending: list[str] = field(default_factory=list)
    # The delta saved by quick rebuilds since the body was written ("" when
    # none): the sources and signatures they changed, and `overlay`, what
    # they changed in the remembered archive (see generator.snapshot).
    delta: str = ""
    overlay: bytes = b""

    def problem_list(self) -> list[Problem]:
        return [Problem(*p) for p in marshal.loads(self.problems)]


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
    """The head of the last build's state, or None when there is none to trust.

    The records and signatures are read by :func:`load_body`, when needed.
    """
    try:
        data = marshal.loads((folder / HEAD_FILE).read_bytes())
        if data.get("format") != STATE_FORMAT:
            return None
        state = _head_from_plain(data)
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
    state.loaded = False
    state.pending = pending or []
    return state


def load_body(folder: Path, state: BuildState) -> bool:
    """Read the records and signatures of `state`; False when they cannot be had."""
    if state.loaded:
        return True
    try:
        data = marshal.loads((folder / BODY_FILE).read_bytes())
        if data.get("generation") != state.generation:
            return False
        state.sources = {name: SourceState(*fields) for name, fields in data["sources"].items()}
        if state.output is not None:
            state.output.pages = dict(data["pages"])
        if state.delta and not _apply_delta(folder, state):
            return False
        if state.output is not None:
            # A build stopped while it was replacing these files: what they hold is unknown.
            for path in state.pending:
                state.output.pages.pop(path, None)
    except Exception:
        return False
    state.loaded = True
    return True


def save_state(folder: Path, state: BuildState) -> None:
    """Write the body, then the head (which names the body's generation)."""
    folder.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(folder)
    state.generation = secrets.token_hex(8)
    sources = {name: _plain_source(s) for name, s in state.sources.items()}
    pages = state.output.pages if state.output is not None else {}
    body = {"generation": state.generation, "sources": sources, "pages": pages}
    _write_atomically(folder / BODY_FILE, marshal.dumps(body))
    state.delta, state.overlay = "", b""
    _write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))
    with suppress(OSError):
        (folder / DELTA_FILE).unlink()


def save_delta(
    folder: Path, state: BuildState, sources: Iterable[str], pages: Iterable[str], overlay: bytes
) -> None:
    """Save what changed since the body was written, without writing the body again.

    A quick rebuild changes a few sources and signatures of a state whose
    body, at 250,000 cables, takes seconds to write: the delta holds the
    current state of each source and output file changed since the body
    (cumulative: every quick rebuild writes all of them again), then the
    head is written naming it. A head names one delta, and a delta names
    its body's generation, so a body, a delta and a head always agree or
    are not used.
    """
    assert state.output is not None
    state.delta = secrets.token_hex(8)
    state.overlay = overlay
    recorded = state.output.pages
    delta = {
        "base": state.generation,
        "delta": state.delta,
        "sources": {name: _plain_source(state.sources[name]) for name in sources},
        "pages": {path: recorded.get(path) for path in pages},
        "overlay": overlay,
    }
    _write_atomically(folder / DELTA_FILE, marshal.dumps(delta))
    _write_atomically(folder / HEAD_FILE, marshal.dumps(_head_to_plain(state)))


def _apply_delta(folder: Path, state: BuildState) -> bool:
    """Bring a loaded body up to the delta its head names; False when it cannot be had."""
    data = marshal.loads((folder / DELTA_FILE).read_bytes())
    if data.get("base") != state.generation or data.get("delta") != state.delta:
        return False
    for name, fields in data["sources"].items():
        state.sources[name] = SourceState(*fields)
    if state.output is not None:
        pages = state.output.pages
        for path, signature in data["pages"].items():
            if signature is None:
                pages.pop(path, None)
            else:
                pages[path] = signature
    state.overlay = data["overlay"]
    return True


def _plain_source(source: SourceState) -> tuple[str, bytes, bytes, bytes]:
    return (source.content, source.records, source.problems, source.blobs)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def mark_pending(folder: Path, paths: list[str]) -> None:
    """Say, before replacing output files, which ones are about to change.

    The list is added to: a series of builds that do not save the whole
    state (the quick rebuilds of ``serve``) leaves every file they touched
    listed until a build saves the state again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    known = _pending(folder)
    paths = [*(known or []), *paths] if known is not None else ["*", *paths]
    _write_atomically(folder / PENDING_FILE, marshal.dumps(paths))


def clear_pending(folder: Path) -> None:
    with suppress(OSError):
        (folder / PENDING_FILE).unlink()


def pending_paths(folder: Path) -> list[str] | None:
    """The output files builds replaced since the state was saved; None: cannot be told."""
    return _pending(folder)


def _pending(folder: Path) -> list[str] | None:
    """The files stopped or unsaved builds replaced; None when that cannot be told."""
    try:
        paths = marshal.loads((folder / PENDING_FILE).read_bytes())
    except FileNotFoundError:
        return []
    except Exception:
        return None
    if not isinstance(paths, list) or "*" in paths:
        return None
    return [str(p) for p in paths]


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


def _head_to_plain(state: BuildState) -> dict:  # type: ignore[type-arg]
    output = None
    if state.output is not None:
        o = state.output
        output = (o.path, o.device, o.inode)
    return {
        "format": STATE_FORMAT,
        "generation": state.generation,
        "code": state.code,
        "reader": state.reader,
        "identities": state.identities,
        "output": output,
        "site": state.site,
        "inputs": state.inputs,
        "summary": state.summary,
        "problems": state.problems,
        "delta": state.delta,
    }


def _head_from_plain(data: dict) -> BuildState:  # type: ignore[type-arg]
    output = None
    if data["output"] is not None:
        path, device, inode = data["output"]
        output = OutputState(path, device, inode)
    return BuildState(
        code=data["code"],
        reader=data["reader"],
        identities=data["identities"],
        output=output,
        site=data["site"],
        inputs=data["inputs"],
        summary=data["summary"],
        problems=data["problems"],
        generation=data["generation"],
        delta=data.get("delta", ""),
    )
