"""The cache's two database slots (engine/database_pass.py): what each believes it
lacks stays true when a pass is cut short, and a fill's copy into the other slot
can wait until the file is published."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from generator.database import CableRow, CableText
from generator.database.schema import SLOTS, cable_number, fill_order, slot_of
from generator.digests import raw_digest
from generator.engine.database_pass import (
    FOLDER,
    Published,
    _behind,
    mirror_slots,
    numbered,
    sync_database,
)
from generator.engine.parsecache import BlobRef


def row(key: str, text: str) -> CableRow:
    return CableRow(
        id=key, key=key, created="2003-01-07T21:02:00", released=None, origin="Embassy Ottawa",
        classification="CONFIDENTIAL", subject=f"SUBJECT OF {key}", title=f"Subject of {key}",
        tags="PREL", summary=None, url=f"cable/{key}.html", partial=0, source="a.txt",
        references=(), text=text, digest=raw_digest((key + text).encode()),
    )  # fmt: skip


class Rows:
    """The archive's cables as the pass reads them; `cut_after` rows, then a kill."""

    def __init__(self, rows: list[CableRow], cut_after: int | None = None) -> None:
        self.by_key = {r.key: r for r in rows}
        self.cut_after = cut_after

    def keys(self) -> Collection[str]:
        return self.by_key.keys()

    def digest(self, key: str) -> bytes:
        return self.by_key[key].digest

    def numbered_rows(self) -> Iterator[tuple[int, CableRow]]:
        order = fill_order(
            (key, datetime.fromisoformat(self.by_key[key].created or ""))
            for key in sorted(self.by_key)
        )
        return numbered(order, self.rows([key for _, key in order]))

    def stored_text(self, ref: BlobRef) -> CableText | None:
        return None  # (these rows keep their own values: no parse cache)

    def rows(self, keys: list[str]) -> Iterator[CableRow]:
        for done, key in enumerate(keys):
            if self.cut_after is not None and done >= self.cut_after:
                raise KeyboardInterrupt  # (the build killed mid-pass)
            yield self.by_key[key]


ARCHIVE = [row(f"0{n}OTTAWA{n}", f"text {n}") for n in range(1, 6)]


def sync(cache: Path, rows: Rows, keys: Collection[str] | None, **options: bool) -> Published:
    published = sync_database(
        cache, rows, keys, clean=False, published=cache / "site" / "data" / "cables.db", **options
    )
    assert isinstance(published, Published)
    return published


def test_a_fill_can_leave_the_copy_to_the_other_slot_for_later(tmp_path: Path) -> None:
    published = sync(tmp_path, Rows(ARCHIVE), None, mirror_later=True)
    assert published.mirror is not None
    filled, other = published.mirror
    assert published.file == filled / "cables.db"
    assert not (other / "cables.db").exists()  # (not yet)
    mirror_slots(published)
    assert (other / "cables.db").read_bytes() == (filled / "cables.db").read_bytes()
    assert _behind(other) == set()
    # Done at once without mirror_later: nothing left for later.
    again = sync(tmp_path / "b", Rows(ARCHIVE), None)
    assert again.mirror is None
    slots = tmp_path / "b" / FOLDER
    assert (slots / "a" / "cables.db").read_bytes() == (slots / "b" / "cables.db").read_bytes()


@pytest.mark.parametrize("keys", [None, ["01OTTAWA1"]], ids=["full", "quick"])
def test_a_pass_cut_short_leaves_the_other_slot_unknown(tmp_path: Path, keys: list | None) -> None:
    """While one slot is written, the other one's record of what it lacks says
    "unknown": cut short, a pass never leaves it believing it lacks less than it
    does (before, it kept "nothing", and was later brought in step with one edit
    only, the fill's other changes missing)."""
    sync(tmp_path, Rows(ARCHIVE), None)  # both slots made alike
    slots = tmp_path / FOLDER
    assert _behind(slots / "a") == _behind(slots / "b") == set()
    edited = [row(r.key, r.text + " edited") for r in ARCHIVE]
    with pytest.raises(KeyboardInterrupt):
        sync(tmp_path, Rows(edited, cut_after=0), keys)
    # (the site's file links no slot here: slot a is the one written)
    assert _behind(slots / "b") is None
    # A later pass that completes keeps it unknown (what it lacks was not known when
    # that pass began): it is brought in step by comparing every digest.
    sync(tmp_path, Rows(edited), ["01OTTAWA1"])
    assert _behind(slots / "b") is None


def test_a_completed_catch_up_records_what_the_other_slot_lacks(tmp_path: Path) -> None:
    sync(tmp_path, Rows(ARCHIVE), None)
    edited = [*ARCHIVE[:-1], row(ARCHIVE[-1].key, "changed")]
    sync(tmp_path, Rows(edited), [ARCHIVE[-1].key])
    assert _behind(tmp_path / FOLDER / "b") == {ARCHIVE[-1].key}
    assert _behind(tmp_path / FOLDER / "a") == set()


def test_a_fill_numbers_cables_in_key_order_and_takes_them_in_number_order() -> None:
    """Cables of one minute whose keys want the same slot: the first key takes it, the
    next one the next free number, as an update would (`writer._free_number`), and a
    later key that wanted that number the one after; the fill then takes every cable
    in number order."""
    minute = datetime(2003, 1, 7, 21, 2)
    wanted = cable_number(minute, slot_of("03OTTAWA1"))

    def wanting(prefix: str, n: int) -> str:
        return next(
            f"{prefix}{i}"
            for i in range(2, 100_000)
            if slot_of(f"{prefix}{i}") % SLOTS == n % SLOTS
        )

    clash, after = wanting("03OTTAWA", wanted), wanting("04OTTAWA", wanted + 1)
    cables = [("00Y", None), ("01X", datetime(2002, 5, 1)), ("03OTTAWA1", minute),
              (clash, minute), (after, minute)]  # fmt: skip
    order = fill_order(sorted(cables))
    assert [n for n, _ in order] == sorted({n for n, _ in order})
    first, second = sorted(["03OTTAWA1", clash])
    assert order[2:] == [(wanted, first), (wanted + 1, second), (wanted + 2, after)]
    assert [key for _, key in order[:2]] == ["00Y", "01X"]
