"""Files read in parts: a *store*, one file of many small checksummed parts.

The body of the build state and the memory of the last full pass hold
mappings of 250,000 keys. A build that changes one cable needs a handful of
them: so they are written as a store, one file of many small parts (the
mappings split by a hash of the key, the lists by position), each read when
first asked for, then a table of where each part is (offset, length,
CRC-32) and the file's metadata. A part that cannot be read raises
:class:`StoreDamaged`: whoever reads a store lazily must treat that as "no
state" (a full build), never as a failure.
"""

from __future__ import annotations

import marshal
import os
import pickle
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, overload

from generator.files import atomic_file

STORE_MAGIC = b"CSSTORE1"
# Keys per part of a mapping, items per part of a list. A quick rebuild asks
# for a few hundred keys scattered over the mapping (an index page's 50
# members): parts must be small for it to read little. Reading a part costs
# about 10 µs, and unpickling 2 µs per item.
MAP_PART = 32
LIST_CHUNK = 256


class StoreDamaged(Exception):
    """A part of a store is missing, truncated or not what it should be."""


def _key_bytes(key: object) -> bytes:
    if isinstance(key, str):
        return key.encode("utf-8", "surrogatepass")
    return repr(key).encode("utf-8", "surrogatepass")


def _shard_of(key: object, shards: int) -> int:
    return zlib.crc32(_key_bytes(key)) % shards


def write_store(
    path: Path, meta: object, sections: Iterable[tuple[str, str, Callable[[], Any]]]
) -> None:
    """Write a store: `sections` are (name, kind, make) with kind "value", "map" or "list";
    each is made just before it is written. Values are pickled; `meta` is marshalled.
    Written beside `path` and renamed into place (a full disk, Ctrl-C or a section
    that failed to be made leaves no half file)."""
    with atomic_file(path) as handle:
        _write_store_to(handle, meta, sections)


def _write_store_to(
    handle: Any, meta: object, sections: Iterable[tuple[str, str, Callable[[], Any]]]
) -> None:
    # Each section's parts as (offset, length, crc32) triples in one array.
    parts: dict[str, tuple[str, int, bytes]] = {}
    if True:  # (the file is open: keeps the body's indentation)
        handle.write(STORE_MAGIC)
        offset = len(STORE_MAGIC)

        def put(data: bytes) -> tuple[int, int, int]:
            nonlocal offset
            handle.write(data)
            where = (offset, len(data), zlib.crc32(data))
            offset += len(data)
            return where

        def table(wheres: list[tuple[int, int, int]]) -> bytes:
            return array("q", [n for where in wheres for n in where]).tobytes()

        for name, kind, make in sections:
            value = make()
            if kind == "value":
                parts[name] = (kind, 0, table([put(pickle.dumps(value, _PICKLE))]))
            elif kind == "map":
                shards = max(1, len(value) // MAP_PART)
                split: list[dict[object, Any]] = [{} for _ in range(shards)]
                for key, item in value.items():
                    split[_shard_of(key, shards)][key] = item
                order = put(pickle.dumps(list(value), _PICKLE))
                blobs = [put(pickle.dumps(part, _PICKLE)) for part in split]
                parts[name] = (kind, len(value), table([order, *blobs]))
            elif kind == "list":
                chunks = [
                    put(pickle.dumps(list(value[i : i + LIST_CHUNK]), _PICKLE))
                    for i in range(0, len(value), LIST_CHUNK)
                ]
                parts[name] = (kind, len(value), table(chunks))
            else:
                raise ValueError(kind)
            del value
        header = marshal.dumps({"meta": meta, "parts": parts})
        handle.write(header)
        handle.write(len(header).to_bytes(8, "little"))


_PICKLE = pickle.HIGHEST_PROTOCOL


class Store:
    """A store opened for reading; the file stays open, so that a store written
    over it later (by this process) does not change what this one reads."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 (kept open for the parts read later)
        # Closed when the store is dropped (a serve session opens one per full pass).
        weakref.finalize(self, self._file.close)
        try:
            size = self._size = os.fstat(self._file.fileno()).st_size
            if os.pread(self._file.fileno(), len(STORE_MAGIC), 0) != STORE_MAGIC:
                raise StoreDamaged(str(path))
            length = int.from_bytes(os.pread(self._file.fileno(), 8, size - 8), "little")
            header = marshal.loads(os.pread(self._file.fileno(), length, size - 8 - length))
            self.meta = header["meta"]
            self._parts: dict[str, tuple[str, int, bytes]] = header["parts"]
        except StoreDamaged:
            self._file.close()
            raise
        except Exception as error:
            self._file.close()
            raise StoreDamaged(str(path)) from error

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def read(self, where: tuple[int, int, int]) -> Any:
        offset, length, crc = where
        # The table is not checksummed: a damaged one must not read elsewhere or allocate wildly.
        if offset < 0 or length < 0 or offset + length > self._size:
            raise StoreDamaged(self._file.name)
        try:
            data = os.pread(self._file.fileno(), length, offset)
        except OSError as error:
            raise StoreDamaged(self._file.name) from error
        if len(data) != length or zlib.crc32(data) != crc:
            raise StoreDamaged(self._file.name)
        try:
            return pickle.loads(data)
        except Exception as error:
            raise StoreDamaged(self._file.name) from error

    def _part(self, name: str, kind: str) -> tuple[int, _Table]:
        part = self._parts.get(name)
        if part is None or part[0] != kind:
            raise StoreDamaged(f"{self._file.name}: no {kind} {name}")
        try:
            return part[1], _Table(part[2])
        except ValueError as error:
            raise StoreDamaged(f"{self._file.name}: {name}") from error

    def value(self, name: str) -> Any:
        return self.read(self._part(name, "value")[1][0])

    def map(self, name: str, make: Callable[[Any], Any] | None = None) -> LazyMap:
        length, table = self._part(name, "map")
        return LazyMap(self, table, length, make)

    def list(self, name: str, make: Callable[[Any], Any] | None = None) -> LazyList:
        length, table = self._part(name, "list")
        if len(table) != -(-length // LIST_CHUNK):
            raise StoreDamaged(f"{self._file.name}: {name}")
        return LazyList(self, table, length, make)

    def close(self) -> None:
        self._file.close()


class _Table:
    """Where each part of a section is: (offset, length, crc32) triples, packed."""

    __slots__ = ("_values",)

    def __init__(self, packed: bytes) -> None:
        self._values = array("q")
        self._values.frombytes(packed)
        if len(self._values) % 3:
            raise ValueError("not a table of parts")

    def __getitem__(self, i: int) -> tuple[int, int, int]:
        v = self._values
        return (v[3 * i], v[3 * i + 1], v[3 * i + 2])

    def __len__(self) -> int:
        return len(self._values) // 3


class LazyMap(MutableMapping[Any, Any]):
    """A mapping of a store, each part read when a key in it is first asked for.

    Iterating reads the order of the keys (and nothing else); :meth:`load`
    reads every part.
    """

    def __init__(
        self, store: Store, table: _Table, length: int, make: Callable[[Any], Any] | None
    ) -> None:
        if len(table) < 2:
            raise StoreDamaged("a mapping without parts")
        self._store = store
        self._table = table  # the order of the keys, then the parts
        self._parts = len(table) - 1
        self._shards: list[dict[Any, Any] | None] = [None] * self._parts
        self._order: list[Any] | None = None
        self._length = length
        self._make = make

    def _shard(self, key: object) -> dict[Any, Any]:
        i = _shard_of(key, self._parts)
        shard = self._shards[i]
        return shard if shard is not None else self._shard_at(i)

    def _keys(self) -> list[Any]:
        if self._order is None:
            order = self._store.read(self._table[0])
            if not isinstance(order, list) or len(order) != self._length:
                raise StoreDamaged("not a list of keys")
            self._order = order
        return self._order

    def __getitem__(self, key: Any) -> Any:
        return self._shard(key)[key]

    def get(self, key: Any, default: Any = None) -> Any:
        return self._shard(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._shard(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        shard = self._shard(key)
        if key not in shard:
            self._keys().append(key)
            self._length += 1
        shard[key] = value

    def __delitem__(self, key: Any) -> None:
        shard = self._shard(key)
        del shard[key]
        self._keys().remove(key)
        self._length -= 1

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys())

    def __len__(self) -> int:
        return self._length

    def load(self) -> dict[Any, Any]:
        """Every item, as a dict in the saved order (reads every part)."""
        for i in range(self._parts):
            if self._shards[i] is None:
                self._shard_at(i)
        merged: dict[Any, Any] = {}
        for shard in self._shards:
            assert shard is not None
            merged.update(shard)
        keys = self._keys()
        if len(merged) != len(keys):
            raise StoreDamaged("keys and parts differ")
        return {key: merged[key] for key in keys}

    def _shard_at(self, i: int) -> dict[Any, Any]:
        shard = self._store.read(self._table[i + 1])
        if not isinstance(shard, dict):
            raise StoreDamaged("not a mapping")
        if self._make is not None:
            make = self._make
            shard = {k: make(v) for k, v in shard.items()}
        self._shards[i] = shard
        return shard


class LazyList(Sequence[Any]):
    """A list of a store, read a chunk at a time when first asked for."""

    def __init__(
        self, store: Store, chunks: _Table, length: int, make: Callable[[Any], Any] | None
    ) -> None:
        self._store = store
        self._chunks = chunks
        self._loaded: list[list[Any] | None] = [None] * len(chunks)
        self._length = length
        self._make = make

    def _chunk(self, i: int) -> list[Any]:
        chunk = self._loaded[i]
        if chunk is None:
            chunk = self._store.read(self._chunks[i])
            expected = min(LIST_CHUNK, self._length - i * LIST_CHUNK)
            if not isinstance(chunk, list) or len(chunk) != expected:
                raise StoreDamaged("not a chunk of the list")
            if self._make is not None:
                chunk = [self._make(v) for v in chunk]
            self._loaded[i] = chunk
        return chunk

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._chunk(index // LIST_CHUNK)[index % LIST_CHUNK]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._chunks)):
            yield from self._chunk(i)

    def __len__(self) -> int:
        return self._length


def plain_dict(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """`mapping` as a dict (every part of a lazy one read)."""
    if isinstance(mapping, LazyMap):
        return mapping.load()
    return dict(mapping)
