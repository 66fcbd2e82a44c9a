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


def test_folder_deleted_before_the_pack_opens(tmp_path: Path, monkeypatch) -> None:
    # The cache deleted between making the folder and opening the pack in it (another
    # build's --clean): the writer makes it again, and the blob is kept.
    folder = tmp_path / "cache" / "packs"
    real_open = open
    calls = []

    def deleting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path)
        if len(calls) == 1:
            folder.rmdir()
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(packs, "open", deleting_open, raising=False)
    refs = write(folder, VALUE)
    assert len(calls) == 2 and refs[0] is not None
    reader = PackReader(folder)
    try:
        assert reader.read(refs[0]) == VALUE
    finally:
        reader.close()


def test_a_pack_that_cannot_be_made_keeps_nothing(tmp_path: Path) -> None:
    # No folder can be made under a file: no blob is kept, and nothing raises.
    (tmp_path / "file").write_text("x")
    assert write(tmp_path / "file" / "packs", VALUE, ("other",)) == [None, None]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_keeps_nothing_more(tmp_path: Path) -> None:
    # A write that fails (the disk full) ends the pack: that blob and the ones after it get
    # no reference; one only buffered when the disk filled reads back as a miss.
    writer = PackWriter(tmp_path)
    (tmp_path / (writer.name + packs.SUFFIX)).symlink_to("/dev/full")
    small = writer.add(encode(("small",)))
    large = writer.add(os.urandom(1 << 20))
    after = writer.add(encode(("small",)))
    writer.close()
    assert small is not None and large is None and after is None
    reader = PackReader(tmp_path)
    try:
        assert reader.read(small) is None
    finally:
        reader.close()
