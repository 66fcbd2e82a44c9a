"""The parse cache's pack files: what is written reads back, and any doubt is a miss."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from generator.engine import parsecache as packs
from generator.engine.parsecache import PackReader, PackWriter, decode, encode

VALUE = (pickle.dumps({"id": "09PARIS1"}, protocol=5), "<span>raw</span> " * 200)


def write(folder: Path, *values: object) -> list[packs.BlobRef]:
    writer = PackWriter(folder)
    try:
        return [writer.add(encode(value)) for value in values]
    finally:
        writer.close()


def test_round_trip(tmp_path: Path) -> None:
    refs = write(tmp_path, VALUE, ("other", "é"))
    reader = PackReader(tmp_path)
    try:
        assert reader.read(refs[0]) == VALUE
        assert reader.read(refs[1]) == ("other", "é")
        assert reader.read(None) is None
    finally:
        reader.close()


def test_blob_is_zstd_and_smaller() -> None:
    blob = encode(VALUE)
    assert blob[:4] == b"\x28\xb5\x2f\xfd"  # the zstd frame's magic number
    assert len(blob) < len(pickle.dumps(VALUE, protocol=5)) // 4
    assert decode(blob) == VALUE


def damaged(blob: bytes) -> list[bytes]:
    """The blob cut short, with one byte flipped at several places, and garbage."""
    flipped = []
    for at in (5, len(blob) // 2, len(blob) - 5, len(blob) - 1):
        flipped.append(blob[:at] + bytes([blob[at] ^ 0x40]) + blob[at + 1 :])
    return [blob[: len(blob) // 2], blob[:-1], b"", b"\x00" * len(blob), *flipped]


@pytest.mark.parametrize("index", range(8))
def test_damaged_blob_is_a_miss(tmp_path: Path, index: int) -> None:
    blob = encode(VALUE)
    bad = damaged(blob)[index]
    folder = tmp_path / "packs"
    ref = write(folder, VALUE)[0]
    path = folder / (ref[0] + packs.SUFFIX)
    path.write_bytes(bad)
    reader = PackReader(folder)
    try:
        # Same reference (the length recorded for the good blob), damaged bytes.
        assert reader.read(ref) is None
        # And a reference whose length matches what is there.
        if bad:
            assert reader.read((ref[0], 0, len(bad))) is None
    finally:
        reader.close()


def test_missing_pack_is_a_miss(tmp_path: Path) -> None:
    reader = PackReader(tmp_path)
    try:
        assert reader.read(("nothing", 0, 10)) is None
    finally:
        reader.close()


def test_forked_worker_makes_its_own_codec() -> None:
    blob = encode(VALUE)  # the parent's codec exists now
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = decode(encode(VALUE)) == VALUE and decode(blob) == VALUE
        os.write(write_end, b"1" if ok else b"0")
        os._exit(0)
    os.close(write_end)
    assert os.read(read, 1) == b"1"
    os.close(read)
    os.waitpid(pid, 0)
