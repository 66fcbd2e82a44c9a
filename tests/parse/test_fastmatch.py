"""The parser's fast scans find exactly what the plain regex scans they replace find.

Each helper of `generator/parse/scan.py` (and each hand-made scan in the
field parsers) is compared with the straightforward form it stands in for,
on cable-like text with the characters that make case folding and line
starts tricky.
"""

from __future__ import annotations

import html
import importlib
import re
from pathlib import PurePosixPath

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.parse import fields, references, tags, text
from generator.parse.fastmatch import line_start, search_word
from generator.parse.formats import wikileaks_html as viewer
from generator.parse.patterns import BANNER_LINE, BANNER_LINES, PARAGRAPH_LINES, PARAGRAPH_START
from generator.parse.source import path_name, path_stem, path_suffix

assemble = importlib.import_module("generator.parse.assemble")

pieces = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        "\t",
        "  ",
        "REF:",
        "Ref ",
        "A.",
        "(B)",
        "02",
        "OTTAWA",
        "ottawa",
        "3442",
        "STATE",
        "Buenos Aires",
        "SUBJECT:",
        "Subj:",
        "TAGS:",
        "tags ",
        "PREL",
        "DECL:",
        "decl 11/22/2012",
        "E.O. 12958:",
        "Classified By:",
        "CLASSIFIED BY",
        "SUMMARY:",
        "summary",
        "END SUMMARY",
        "end of  summary",
        "weekend summary",
        "1.",
        "2. (C)",
        "¶3.",
        "C O N F I D E N T I A L",
        "SECTION 02 OF 03",
        "UNCLAS",
        "PAGE 02 ROME 01196 01 OF 02 082030Z",
        "TRIPOLI 00000220 002 OF 003",
        "OF",
        " OF ",
        "BT",
        "#0311",
        "NNNN",
        "1999",
        "\u017f",
        "\u0130",
        "\u0131",
        "\u212a",
        "\xa0",
        "\r",
    ]
)
cable_text = st.lists(st.one_of(pieces, st.text(max_size=4)), max_size=50).map("".join)
examples = settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def spans(matches) -> list[tuple]:
    return [(m.start(), m.end(), m.groupdict()) for m in matches]


def line_spans(matches) -> list[tuple]:
    out = []
    for m in matches:
        groups = {k: v for k, v in m.groupdict().items() if k != "_line"}
        out.append((line_start(m), m.end(), groups))
    return out


@examples
@given(cable_text, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=400))
def test_line_patterns_find_what_the_patterns_find(sample: str, pos: int, endpos: int) -> None:
    for fast, plain in (
        (PARAGRAPH_LINES, PARAGRAPH_START),
        (BANNER_LINES, BANNER_LINE),
        (assemble._PREAMBLE_FIELDS, assemble._PREAMBLE_FIELD),
        (fields._SUBJECT_LINES, fields._SUBJECT),
        (references._REF_LINES, references._REF_START),
    ):
        assert line_spans(fast.finditer(sample, pos, endpos)) == spans(
            plain.finditer(sample, pos, endpos)
        )


def same(fast: re.Match[str] | None, plain: re.Match[str] | None) -> bool:
    if fast is None or plain is None:
        return fast is plain
    return (fast.span(), fast.groupdict()) == (plain.span(), plain.groupdict())


@examples
@given(cable_text)
def test_word_searches_find_what_the_patterns_find(sample: str) -> None:
    head = sample[: text.HEAD]
    for pattern, word in ((fields._DECL, "decl"), (fields._CLASSIFIED_BY, "classified")):
        assert same(search_word(pattern, sample, word, text.HEAD), pattern.search(head))
    assert same(tags._tags_line(sample), tags._TAGS_LINE.search(head))


@examples
@given(cable_text)
def test_text_clean_up_is_the_plain_one(sample: str) -> None:
    plain = sample.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\f", "\n")
    plain = "\n".join(line.rstrip(" \t\xa0") for line in plain.split("\n"))
    assert text.normalise_newlines(sample) == plain
    furnished = text._PAGE_HEADER.sub("", sample) if "PAGE" in sample else sample
    furnished = text._PAGE_BREAK.sub("", furnished) if " OF " in furnished else furnished
    if "SECTION" in furnished:
        furnished = text._CONTINUATION_BANNER.sub("", furnished)
    assert text.remove_furniture(sample) == furnished
    cut = max(0, len(sample) - 200)
    trailer = sample[:cut] + assemble._TRANSMISSION_TRAILER.sub("", sample[cut:])
    assert assemble._without_trailer(sample) == trailer


@examples
@given(cable_text, st.integers(min_value=0, max_value=40))
def test_end_summary_is_found_where_the_pattern_finds_it(sample: str, start: int) -> None:
    low = sample.lower()
    if len(low) == len(sample):
        m = fields._SUMMARY_END.search(low, start)
    else:
        m = fields._SUMMARY_END_ANY_CASE.search(sample, start)
    assert fields._summary_end(sample, start) == (m.start() if m else None)


@examples
@given(cable_text)
def test_citations_are_the_ones_the_case_insensitive_pattern_finds(sample: str) -> None:
    fast = references._citation_matches(sample)
    plain = references._citation_pattern().finditer(sample)
    assert [(m.span(), m.span("station"), m.group("year"), m.group("serial")) for m in fast] == [
        (m.span(), m.span("station"), m.group("year"), m.group("serial")) for m in plain
    ]


@examples
@given(st.text(alphabet="ab./_ x", max_size=10))
def test_path_parts_are_pathlib_s(path: str) -> None:
    pure = PurePosixPath(path)
    assert (path_name(path), path_stem(path), path_suffix(path)) == (
        pure.name,
        pure.stem,
        pure.suffix,
    )


def test_years_stand_alone_as_with_one_scan() -> None:
    sample = "in 1999, 19999, 2005-2006, since May 2002 and 1920199 of 2010"
    one_scan = [
        m.span()
        for m in re.finditer(r"(?:19|20)\d\d", sample)
        if importlib.import_module("generator.parse.dates")._is_whole_year(sample, *m.span())
    ]
    dates = importlib.import_module("generator.parse.dates")
    two_scans = sorted(m.span() for p in dates._YEARS for m in p.finditer(sample))
    assert one_scan == [s for s in two_scans if dates._is_whole_year(sample, *s)]


page_pieces = st.sampled_from(
    [
        "<table class='cable'>",
        '<TABLE class="Cable" id=x>',
        "<table>",
        "</table>",
        "</TABLE>",
        "<th>Reference ID</th>",
        "<td>03OTTAWA49</td>",
        "<h3>Viewing cable 03OTTAWA49, A TITLE</h3>",
        "<H3>",
        "<pre>",
        "<PRE class=x>",
        "</pre>",
        "</Pre>",
        "<pre",
        ">",
        "&#x000A;",
        "&amp;",
        "&amp;#x000A;",
        "&#x000A",
        "&#10;",
        "&notit;",
        "&",
        "#",
        "x",
        "\n",
        "TEXT ",
        "<a id='par1'>¶</a>",
        "<a href='x'>PREL</a>",
    ]
)
viewer_page = st.lists(page_pieces, max_size=30).map("".join)


@examples
@given(viewer_page)
def test_viewer_pages_are_read_as_by_the_plain_patterns(page: str) -> None:
    table, heading = viewer._table_and_heading(page)
    assert same(table, viewer._TABLE.search(page))
    assert same(heading, viewer._HEADING.search(page))
    if table:
        plain = [m.group("pre") for m in viewer._PRE.finditer(page, table.end())][:2]
        assert viewer._pres(page, table.end(), 2) == plain
    stripped = viewer._TAG.sub("", viewer._PARAGRAPH_ANCHOR.sub("", page))
    assert viewer._text_of(page) == html.unescape(stripped)
