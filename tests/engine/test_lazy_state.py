"""The state and the saved memory read in parts, and the files found by find_files.

A quick rebuild in a new process reads only the parts of the state's body
and of the memory it uses; a part that turns out damaged means the full
pass, never a failure, and the output is still that of a clean build.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest
from test_incremental_corpus import (  # noqa: F401 (fixtures)
    _edit_subject,
    assert_same_as_clean,
    build,
    corpus_files,
    site,
)

from generator.engine.cache import CACHE_NAME
from generator.engine.discover import Identities, Source, changed_identities, find_files
from generator.engine.memory import MEMORY_FILE
from generator.engine.state import BODY_FILE, ProblemList
from generator.engine.store import Store, StoreDamaged, write_store
from generator.errors import UserError
from generator.model import Problem

# --- finding the files ---------------------------------------------------------------


def test_find_files_finds_what_a_build_reads(tmp_path: Path) -> None:
    cables = tmp_path / "content" / "cables"
    (cables / "sub" / ".hidden").mkdir(parents=True)
    (cables / ".git").mkdir()
    for name in ("b.txt", "A.TXT", "sub/c.txt", "sub/.hidden/d.txt", ".gitkeep", "x.md", "noext"):
        (cables / name).write_text(name, encoding="utf-8")
    (cables / ".git" / "e.txt").write_text("e", encoding="utf-8")
    (cables / "broken.txt").symlink_to(tmp_path / "nowhere")
    (cables / "loop").symlink_to(cables)  # a link to a folder: not followed
    (cables / "link.txt").symlink_to(cables / "b.txt")
    inputs, identities = find_files(cables, tmp_path)
    prefix = "content/cables/"
    displays = ["A.TXT", "b.txt", "broken.txt", "link.txt", "sub/c.txt", "x.md"]
    assert inputs.sources == tuple(Source(f"{cables}/{name}", prefix + name) for name in displays)
    assert inputs.ignored == (prefix + "loop", prefix + "noext")
    size = (cables / "b.txt").stat()
    assert identities[prefix + "b.txt"] == (size.st_size, size.st_mtime_ns)
    assert identities[prefix + "link.txt"] == (size.st_size, size.st_mtime_ns)
    assert identities[prefix + "broken.txt"] == (-1, -1)
    assert list(identities) == [prefix + name for name in displays]


def test_find_files_on_many_files(tmp_path: Path) -> None:
    cables = tmp_path / "cables"
    cables.mkdir()
    for i in range(5000):
        (cables / f"{i:05}.txt").write_bytes(b"x" * (i % 7))
    inputs, identities = find_files(cables, tmp_path)
    assert len(inputs.sources) == len(identities) == 5000
    for source in inputs.sources[::97]:
        info = os.stat(source.location)
        assert identities[source.display] == (info.st_size, info.st_mtime_ns)


def test_identities_compare_and_change_like_dicts() -> None:
    plain = {"b": (2, 20), "a": (1, 10), "c": (3, 30)}
    packed = Identities.of(plain)
    assert dict(packed.items()) == plain and list(packed) == ["a", "b", "c"]
    again = Identities.unpack(packed.pack())
    assert again == packed and again == plain and plain == again
    assert again.keys() == packed.keys()
    again["b"] = (2, 21)
    assert again != packed
    assert changed_identities(again, packed) == ["b"]
    assert {name for name, _ in again.items() - packed.items()} == {"b"}
    again["d"] = (4, 40)
    assert changed_identities(again, packed) is None
    assert again.keys() != packed.keys()
    del again["d"]
    again["b"] = (2, 20)
    assert again == packed and changed_identities(again, packed) == []
    assert changed_identities(dict(again.items()), plain) == []


def test_problem_lists_count_without_reading() -> None:
    for count in (0, 1, 255, 256, 70_000):
        problems = tuple(("a.txt", None, f"warning {i}") for i in range(count))
        listed = ProblemList(marshal.dumps(problems))
        assert len(listed) == count
        assert listed._items is None  # counted from the marshalled bytes, nothing made
        assert listed == [Problem(*p) for p in problems]


# --- stores --------------------------------------------------------------------------


def _store(path: Path) -> None:
    write_store(
        path,
        {"generation": "g"},
        [
            ("value", "value", lambda: {"x": 1}),
            ("map", "map", lambda: {f"k{i}": (i, str(i)) for i in range(1000)}),
            ("months", "map", lambda: {(2000, m): m for m in range(1, 13)}),
            ("list", "list", lambda: list(range(3000))),
            ("empty", "map", dict),
        ],
    )


def test_a_store_reads_what_was_written(tmp_path: Path) -> None:
    _store(tmp_path / "s")
    store = Store(tmp_path / "s")
    assert store.meta == {"generation": "g"} and store.value("value") == {"x": 1}
    mapping = store.map("map")
    assert mapping["k7"] == (7, "7") and mapping.get("nope") is None and "k999" in mapping
    assert list(mapping) == [f"k{i}" for i in range(1000)] and len(mapping) == 1000
    mapping["k7"] = (0, "")
    mapping["new"] = (1, "")
    del mapping["k0"]
    assert list(mapping)[-1] == "new" and len(mapping) == 1000 and "k0" not in mapping
    assert mapping.load()["k7"] == (0, "")
    assert dict(store.map("months")) == {(2000, m): m for m in range(1, 13)}
    listed = store.list("list", lambda n: n * 2)
    assert listed[2999] == 5998 and listed[-1] == 5998 and list(listed) == list(range(0, 6000, 2))
    assert len(store.map("empty")) == 0 and dict(store.map("empty")) == {}


def test_a_damaged_part_is_found_when_read(tmp_path: Path) -> None:
    path = tmp_path / "s"
    _store(path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\0" * 64
    path.write_bytes(bytes(data))
    store = Store(path)
    mapping = store.map("map")
    with pytest.raises(StoreDamaged):
        for key in list(mapping):
            mapping[key]
    path.write_bytes(b"CSSTORE1 and nothing else")
    with pytest.raises(StoreDamaged):
        Store(path)


# --- builds --------------------------------------------------------------------------


def _damage(path: Path) -> None:
    """Zeros over the middle half of a store's parts (its header stays readable)."""
    data = bytearray(path.read_bytes())
    start, end = len(data) // 4, len(data) * 3 // 4
    data[start:end] = b"\0" * (end - start)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damaged", [BODY_FILE, MEMORY_FILE])
def test_damaged_parts_mean_the_full_pass(site: Path, damaged: str, tmp_path: Path) -> None:  # noqa: F811
    first, second = sorted((site / "content" / "cables").glob("*.html"))[:2]
    _edit_subject(first, "ONE")
    assert build(site).kind == "quick"
    _damage(site / CACHE_NAME / damaged)
    _edit_subject(second, "TWO")
    # Quick when it reads no damaged part; otherwise the full pass. Never a failure.
    assert build(site).kind in ("quick", "incremental", "full")
    assert_same_as_clean(site, tmp_path / "clean")
    # A structural edit reads the whole body: a damaged one means a full build.
    tagged = first.read_text(encoding="utf-8").replace("TAGS: ", "TAGS: ZZNEW ", 1)
    first.write_text(tagged, encoding="utf-8")
    assert build(site).kind in ("incremental", "full")
    assert_same_as_clean(site, tmp_path / "clean2")
    assert build(site).kind in ("quick", "none")  # (files edited just now are hashed again)


def test_a_quick_rebuild_reads_a_few_parts(
    site: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stores = [site / CACHE_NAME / name for name in (BODY_FILE, MEMORY_FILE)]
    in_all = sum(_parts_in(path) for path in stores)
    reads: list[object] = []
    read = Store.read

    def counted(self: Store, where: tuple[int, int, int]) -> object:
        reads.append(where)
        return read(self, where)

    monkeypatch.setattr(Store, "read", counted)
    first = sorted((site / "content" / "cables").glob("*.html"))[0]
    _edit_subject(first, "ONE")
    assert build(site).kind == "quick"
    # Not every part (a full read): on this small corpus, index pages touch about half.
    assert 0 < len(reads) < in_all, (len(reads), in_all)
    monkeypatch.undo()
    assert_same_as_clean(site, tmp_path / "clean")


def _parts_in(path: Path) -> int:
    data = path.read_bytes()
    length = int.from_bytes(data[-8:], "little")
    header = marshal.loads(data[-8 - length : -8])
    return sum(len(table) // 24 for _, _, table in header["parts"].values())


def test_a_damaged_table_entry_is_damage_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _store(path)
    store = Store(path)
    size = path.stat().st_size
    for where in ((-1, 10, 0), (0, -5, 0), (0, 10**12, 0), (size - 4, 10, 0)):
        with pytest.raises(StoreDamaged):
            store.read(where)


def test_an_unreadable_folder_is_an_error_not_an_empty_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cables = tmp_path / "content" / "cables"
    (cables / "locked").mkdir(parents=True)
    (cables / "locked" / "a.txt").write_text("a", encoding="utf-8")
    scandir = os.scandir

    def refusing(path: str):  # type: ignore[no-untyped-def]
        # As chmod 0 would, for a user other than root (which tests may run as).
        if str(path).endswith("/locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    with pytest.raises(UserError, match="locked: cannot read this folder: Permission denied"):
        find_files(cables, tmp_path)
    (cables / "locked").rename(cables / "open")
    assert len(find_files(cables, tmp_path)[0].sources) == 1


def test_damage_met_while_saving_the_delta_means_the_next_build_redoes_it(
    site: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import generator.engine.quick

    def damaged(memory: object) -> bytes:
        raise StoreDamaged("memory.store")

    first, second = sorted((site / "content" / "cables").glob("*.html"))[:2]
    monkeypatch.setattr(generator.engine.quick, "overlay", damaged)
    _edit_subject(first, "ONE")
    assert build(site).kind == "quick"  # its pages written; the state not saved
    monkeypatch.undo()
    _edit_subject(second, "TWO")
    assert build(site).kind != "none"
    assert_same_as_clean(site, tmp_path / "clean")
