"""The parser's fast paths give what the plain way gives, on any text.

Each fast path (#12 throughput) stands in for a slower, simpler reading:
one citation scan of a whole REF block for a scan of each item, a few `in`
tests before a pattern, a loop from the end for a `...$` pattern.  Their
results must be the same, so each is compared with the plain way here.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.parse import fields, references
from generator.parse.text import collapse_spaces

# The pieces a REF block is made of, glued at random: labels of every kind,
# stations (known, mistyped, short forms), serials, years in their places,
# list words, blanks and line breaks.
block_pieces = st.sampled_from(
    [
        "A.",
        "B)",
        "(C)",
        "(11)",
        "(12)",
        "(08)",
        "AA.",
        "02",
        "2009",
        "OTTAWA",
        "0TTAWA",
        "STATE",
        "STATE:",
        "10-OTTAWA-57",
        "LONDON",
        "RIO DE JAN",
        "HALIF",
        "3442",
        "57",
        "1091:",
        "AND",
        ",",
        "&",
        "24 SEP 2009",
        "(2009)",
        "E-MAIL",
        "¶",
        "é",
        "ı",
        "",
    ]
)
blanks = st.sampled_from([" ", "  ", "\n", "\t", "", " \n "])
blocks = st.lists(st.tuples(block_pieces, blanks), max_size=16).map(
    lambda parts: "".join(piece + blank for piece, blank in parts)
)


@settings(max_examples=600, deadline=None)
@given(blocks)
def test_one_scan_per_block_finds_what_a_scan_per_item_finds(block: str) -> None:
    spans = references._segment_spans(block)
    for (_, start, end), cited in zip(
        spans, references._citations_by_span(block, spans), strict=True
    ):
        if cited is not None:
            assert cited == references._citations_in(block[start:end])


def test_one_scan_per_block_on_a_block_of_known_stations() -> None:
    block = "A. 09 LONDON 2333 B. 08 HANOI 1258 C. STATE 99488 24 SEP 2009"
    spans = references._segment_spans(block)
    cited = references._citations_by_span(block, spans)
    assert cited == [references._citations_in(block[s:e]) for _, s, e in spans]
    assert all(c is not None for c in cited)  # the fast path, not the fallback


def test_a_citation_over_a_label_sends_the_block_the_slow_way() -> None:
    # "(12)" follows "(11)", so it is a label; one scan of the block would read it
    # as the year of LONDON 2333, which no scan of the item finds.
    block = "(11) E-MAIL (12) LONDON 2333"
    spans = references._segment_spans(block)
    assert [label for label, _, _ in spans] == ["11", "12"]
    assert references._citations_by_span(block, spans) == [None, None]
    assert references._block_items.__wrapped__("REF: " + block)[1][2] == (
        (None, "LONDON", 2333, "LONDON 2333"),
    )


def test_segments_are_the_spans_cut_out() -> None:
    block = "(A) STATE 12 (B) 08 PARIS 45 AND 46"
    assert references._labelled_segments(block) == [
        (label, block[start:end]) for label, start, end in references._segment_spans(block)
    ]


chunk_text = st.text(alphabet=st.sampled_from("aA nd&;.,:-\n\t\u00a0\u2003x"), max_size=20)


@given(chunk_text)
def test_trailing_punctuation_as_the_pattern_removes_it(chunk: str) -> None:
    assert fields._without_trailing_punctuation(chunk) == fields._TRAILING_PUNCTUATION.sub(
        "", chunk
    )


@given(chunk_text)
def test_people_split_as_the_pattern_splits(chunk: str) -> None:
    assert fields._people(chunk) == fields._PERSON_SEPARATOR.split(chunk)


@settings(max_examples=2000, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(" \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2028\u3000aZ.é")),
        max_size=16,
    )
    | st.text(max_size=16)
)
def test_collapse_spaces_is_split_and_join(text: str) -> None:
    # The fast path returns the text itself when split and join would not change it.
    assert collapse_spaces(text) == " ".join(text.split())
