"""The parse cache: parsed cables kept on disk between builds, in pack files.

A page of an unchanged cable still has to be rendered again when something
it shows changed (the title of a cable it cites, a template). Parsing the
cable again costs about half a millisecond; reading it back from here costs
a tenth of that, and its highlighted raw text, which costs as much again,
comes with it.

Each worker task appends the blobs of the cables it parsed to one new pack
file (``packs/NAME.pack``) and gets back a :data:`BlobRef` per cable, which
the build state keeps beside the cable's record. Many small files would
cost a file-system entry per cable; one database would need its writers to
take turns. A blob is a zstd-compressed pickle (level 1, with zstd's
checksum of the content: about 3.2 KB per synthetic cable, a sixth of the
pickle). zstd rather than zlib: on the parse cache's real payloads (an
11.7 KB pickled cable and its 7 KB highlighted raw text) it compresses in
27-30 µs instead of 92 and decompresses in 14 instead of 44, and a little
smaller; at 251,052 cables that is about 20 s of CPU in each clean build.

Nothing depends on the cache being complete: a missing pack, a short read
or a blob that does not decompress or unpickle (zstd checks the frame's
checksum) is a miss, and the caller parses the source again. Packs no
longer referenced by the state are deleted after each build, and packs that
are mostly dead are dropped whole (their few live cables are parsed again
the next time they are needed), so the cache never needs compacting.
"""

from __future__ import annotations

import os
import pickle
import secrets
import threading
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import zstandard

from generator.archive.entry import PICKLE_PROTOCOL

# (pack name, offset, length)
BlobRef = tuple[str, int, int]
SUFFIX = ".pack"
# A pack whose live blobs are less than this share of it is dropped whole.
MIN_LIVE_SHARE = 0.25


# Level 1: six times smaller than the pickle; higher levels cost more for
# a few per cent. The checksum (xxhash64 of the content, about a µs a blob)
# makes a damaged blob an error rather than other bytes.
LEVEL = 1
# The compressor and decompressor of this thread of this process, made on
# first use: making one per blob costs more than compressing a cable, and
# neither may be shared by two threads, or used by a forked worker while
# its parent's copy was in the middle of a call.
_local = threading.local()


def _codec() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    codec = getattr(_local, "codec", None)
    if codec is None or codec[0] != os.getpid():
        compressor = zstandard.ZstdCompressor(level=LEVEL, write_checksum=True)
        codec = _local.codec = (os.getpid(), compressor, zstandard.ZstdDecompressor())
    return codec[1], codec[2]


def encode(value: Any) -> bytes:
    return compress(pickle.dumps(value, protocol=PICKLE_PROTOCOL))


def decode(blob: bytes) -> Any:
    """The value of a blob; raises (zstandard.ZstdError, pickle's errors) when damaged."""
    return pickle.loads(decompress(blob))


def compress(data: bytes) -> bytes:
    """`data` as the parse cache compresses a blob (zstd, checksummed)."""
    return _codec()[0].compress(data)


def decompress(blob: bytes) -> bytes:
    """The bytes of `compress`; raises zstandard.ZstdError when damaged."""
    return _codec()[1].decompress(blob)


class PackWriter:
    """Appends blobs to one new pack file, opened on the first blob.

    Keeping a blob is a favour, never a duty: the cache may be deleted at any
    moment (by hand, or by another build's ``--clean`` while this one runs),
    and the disk may fill. A blob that cannot be written gets no reference
    (None), and neither does any after it in this pack; the build goes on,
    and the cable is parsed again when its page is made.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._file: Any = None
        self._offset = 0
        self._failed = False

    def add(self, blob: bytes) -> BlobRef | None:
        if self._failed:
            return None
        try:
            if self._file is None:
                self._file = self._open()
            self._file.write(blob)
        except OSError:
            self._failed = True
            self.close()
            return None
        ref = (self.name, self._offset, len(blob))
        self._offset += len(blob)
        return ref

    def _open(self) -> Any:
        path = self.folder / (self.name + SUFFIX)
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            return open(path, "wb")
        except FileNotFoundError:
            # The folder was deleted between making it and opening the file: once more.
            self.folder.mkdir(parents=True, exist_ok=True)
            return open(path, "wb")

    def close(self) -> None:
        """Close the pack. A write that fails here (a full disk) leaves short blobs,
        which read back as misses."""
        if self._file is not None:
            with suppress(OSError):
                self._file.close()
            self._file = None


class PackReader:
    """Reads blobs back; keeps its packs open until closed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fds: dict[str, int | None] = {}

    def read(self, ref: BlobRef | None) -> Any | None:
        """The value stored under `ref`, or None when it cannot be had."""
        if ref is None:
            return None
        name, offset, length = ref
        fd = self._fd(name)
        if fd is None:
            return None
        try:
            blob = os.pread(fd, length, offset)
            return decode(blob) if len(blob) == length else None
        except Exception:
            # Any doubt is a miss: zstandard.ZstdError for a damaged frame,
            # and a damaged pickle can raise nearly anything (UnpicklingError,
            # EOFError, ValueError, KeyError, AttributeError, MemoryError...).
            return None

    def _fd(self, name: str) -> int | None:
        if name not in self._fds:
            try:
                self._fds[name] = os.open(self.folder / (name + SUFFIX), os.O_RDONLY)
            except OSError:
                self._fds[name] = None
        return self._fds[name]

    def close(self) -> None:
        for fd in self._fds.values():
            if fd is not None:
                with suppress(OSError):
                    os.close(fd)
        self._fds.clear()


def live_bytes(refs: Iterable[BlobRef | None]) -> dict[str, int]:
    """Bytes still referenced, per pack."""
    live: dict[str, int] = {}
    for ref in refs:
        if ref is not None:
            live[ref[0]] = live.get(ref[0], 0) + ref[2]
    return live


def packs_to_drop(folder: Path, live: Mapping[str, int]) -> set[str]:
    """Packs to delete: unreferenced ones, and those mostly made of dead blobs."""
    drop: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return drop
    for entry in entries:
        if not entry.name.endswith(SUFFIX):
            continue
        name = entry.name[: -len(SUFFIX)]
        try:
            size = entry.stat().st_size
        except OSError:
            continue
        if live.get(name, 0) < size * MIN_LIVE_SHARE:
            drop.add(name)
    return drop


def delete_packs(folder: Path, names: Iterable[str]) -> None:
    for name in names:
        with suppress(OSError):
            (folder / (name + SUFFIX)).unlink()
