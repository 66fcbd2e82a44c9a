"""The archive's orders and facets (generator/archive/assemble.py): newest first with
ties in key order and undated cables last, each facet's most frequent spelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from generator.archive.assemble import _newest_first, assemble
from generator.archive.entry import Entry

MOMENTS = [
    None,
    datetime(2003, 1, 7, 21, 2),
    datetime(2003, 1, 7, 21, 2),  # (a tie, drawn as often)
    datetime(1966, 12, 1),
    datetime(2010, 2, 28, 23, 59),
    # Aware: compared as the naive time it shows, as the build always did.
    datetime(2003, 1, 7, 21, 2, tzinfo=timezone(timedelta(hours=3))),
    datetime(2007, 5, 1, tzinfo=UTC),
]


def entry(
    key: str,
    created: datetime | None,
    *,
    origin: str = "Embassy Ottawa",
    tags: tuple[str, ...] = (),
) -> Entry:
    slug = origin.lower().replace(" ", "-")
    return Entry(
        key=key, id=key, title=key, created=created, released=None, origin=origin,
        origin_slug=slug, classification="CONFIDENTIAL", classification_slug="confidential",
        tags=tags, references=(), source=f"{key}.txt", ordinal=0,
    )  # fmt: skip


def old_order(entries: list[Entry]) -> list[Entry]:
    """The order as the build wrote it before it was made of two sorts: one tuple a cable."""

    def newest_first(e: Entry) -> tuple[int, datetime, str]:
        if e.created is None:
            return (1, datetime.max, e.key)
        created = e.created.replace(tzinfo=None)
        return (0, datetime.max - (created - datetime.min), e.key)

    return sorted(entries, key=newest_first)


@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDEFGH"), st.sampled_from(range(len(MOMENTS)))),
        max_size=40,
        unique_by=lambda drawn: drawn[0] + str(drawn[1]),
    )
)
def test_newest_first_is_the_order_it_always_was(drawn: list[tuple[str, int]]) -> None:
    entries = [entry(f"{letter}{moment}", MOMENTS[moment]) for letter, moment in drawn]
    expected = [e.key for e in old_order(entries)]
    assert [e.key for e in _newest_first(entries)] == expected
    archive, _ = assemble(entries)
    assert [e.key for e in archive.newest(5)] == expected[:5]


def test_undated_cables_come_last_and_ties_go_by_key() -> None:
    entries = [
        entry("B", datetime(2003, 1, 7)),
        entry("Z", None),
        entry("A", datetime(2003, 1, 7)),
        entry("C", datetime(2009, 1, 1)),
        entry("Y", None),
    ]
    assert [e.key for e in _newest_first(entries)] == ["C", "A", "B", "Y", "Z"]


def test_a_facet_shows_its_most_frequent_spelling_and_lists_newest_first() -> None:
    # Three spellings of one slug: two cables say "Embassy Paris", one "EMBASSY PARIS".
    entries = [
        entry("01PARIS1", datetime(2001, 1, 1), origin="EMBASSY PARIS"),
        entry("02PARIS2", datetime(2002, 1, 1), origin="Embassy Paris"),
        entry("03PARIS3", datetime(2003, 1, 1), origin="Embassy Paris"),
        entry("03OTTAWA4", datetime(2003, 2, 1), tags=("PREL", "HUMAN RIGHTS")),
        entry("03OTTAWA5", datetime(2003, 2, 9), tags=("PREL",)),
    ]
    archive, _ = assemble(entries)
    paris = archive.origins["embassy-paris"]
    assert paris.name == "Embassy Paris"
    assert paris.keys == ["03PARIS3", "02PARIS2", "01PARIS1"]
    assert archive.tags["PREL"].keys == ["03OTTAWA5", "03OTTAWA4"]
    assert archive.tags["HUMAN RIGHTS"].name == "HUMAN RIGHTS"
    assert list(archive.tags) == ["HUMAN RIGHTS", "PREL"]  # (sorted by slug)
    months = {slug: (facet.name, facet.keys) for slug, facet in archive.months.items()}
    assert months[(2003, 2)] == ("February 2003", ["03OTTAWA5", "03OTTAWA4"])
    assert months[(2001, 1)] == ("January 2001", ["01PARIS1"])


def test_a_tie_between_spellings_goes_to_the_first_in_code_point_order() -> None:
    entries = [
        entry("01PARIS1", datetime(2001, 1, 1), origin="Embassy Paris"),
        entry("02PARIS2", datetime(2002, 1, 1), origin="EMBASSY PARIS"),
    ]
    archive, _ = assemble(entries)
    assert archive.origins["embassy-paris"].name == "EMBASSY PARIS"
