"""The REF block: which cables a cable cites, item by item.

Only the REF block counts.  It starts at "REF:" ("REFS:", "REFTEL:",
"REFERENCE:") and ends at "Classified By", the summary, paragraph 1 or the
next header field.  Inside it, a cable citation is an optional year (two
or four digits), a known station and a serial: "02 OTTAWA 3442",
"2007 MANAGUA 2135", "STATE 106206".  Requiring a known station is what
keeps dates ("JULY 15"), DTGs ("SECDEF R162245Z OCT 08"), e-mails and
report numbers out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from operator import itemgetter

from generator.model import Reference
from generator.parse.fastmatch import LinePattern, foldable
from generator.parse.ids import canonical_station, split_id
from generator.parse.patterns import PARAGRAPH_LINES
from generator.parse.text import HEAD, collapse_spaces, remove_furniture
from generator.reference.stations import resolve_station, station_spellings

_REF_START = re.compile(
    r"^[ \t]*(?:REF(?:ERENCE)?S?|REFTELS?|REFAIR)(?![A-Z])(?:\(S\))?[ \t]*(?:[A-Z]?[ \t]*[:.\-]|(?=[ \t(]))",
    re.IGNORECASE | re.MULTILINE,
)
_REF_LINES = LinePattern(_REF_START, first="R")
# Lines that end the REF block.
_BLOCK_END = re.compile(
    r"^[ \t]*(?:CLASSIFIED[ \t]+BY|DERIVED[ \t]+FROM|E\.?[ \t]?O\.?[ \t]*\d{5}|TAGS?\b|SUBJ(?:ECT)?[ \t]*:"
    r"|(?:BEGIN[ \t]+)?SUMMARY\b|(?:¶|\xb6)?[ \t]*1?\d[ \t]*[.)][ \t]+(?!\d{2,4}[ \t]+[A-Z])"
    r"|PARA(?:GRAPH)?[ \t]+1\b|SIPDIS\b|NOFORN\b|SENSITIVE\b|\((?:U|C|S|SBU|S//NF|C//NF|S/NF|C/NF)\)[ \t]+(?!\d|[A-Z]+[ \t]+\d))",
    re.IGNORECASE,
)
# An item label inside the block: "A.", "(A)", "B)", "AA.", at the block's start or
# after a blank or pilcrow (one negative lookbehind: tried at every position, it is
# cheaper than a choice between a lookbehind and `^`).
_LABEL = re.compile(r"(?<![^\s¶])(?:\((?P<p>[A-Z]{1,2}|\d{1,2})\)|(?P<d>[A-Z]{1,2})[.)])(?=\s|$)")
# A REF block glued to the text before it, on the same line: "...MINISTERREF: A. PARIS 123",
# "... IN LIMA Ref(s): A) 08 LIMA 12".  Only with its colon, and only before paragraph 1.
_REF_INLINE = re.compile(r"(?:REF(?:S|TELS?|\(S\))?|Refs?|Ref\(s\))[ \t]*:")
# An old page header run into a flattened block: "PAGE 02 ROME 01196 01 OF 02 082030Z".
_INLINE_PAGE_HEADER = re.compile(
    r"\bPAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,7}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?(?:[ \t]+\d{6}Z)?"
)
# "(C)" opening a line: a portion marking, or the item after "(B)".
_PAREN_LETTER = re.compile(r"[ \t]*\((?P<letter>[A-Z])\)")
# A serial alone on a line, its station at the end of the line before (a blank line between).
_BARE_SERIAL = re.compile(r"\d{1,7}(?![\d.)])")
_MAX_BLOCK = 3000
_INLINE_END = re.compile(r"\b(?:CLASSIFIED[ \t]+BY|DERIVED[ \t]+FROM)\b", re.IGNORECASE)


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_YEAR = r"(?:19|20)\d{2}|\d{2}"


def _citation_regex(stations: str, lower: bool) -> str:
    """A citation: [year] station serial [year], for upper- or lower-case text.

    The year may stand before the station ("02 OTTAWA 3442", "(99) ROME
    2196", "10-OTTAWA-57"), after the serial ("ASUNCION 701 (08)", "CAIRO
    2397 (2009)") or in the cited cable's date after it ("STATE 99488 24 SEP
    2009").  The serial may follow a colon or hyphen ("STATE: 73097") and be
    followed by a colon ("TEHRAN 1091:"), but not by digits after it (a time).
    """
    letters = "a-z" if lower else "A-Z"
    months = "|".join(m.lower() if lower else m for m in _MONTHS)
    return (
        rf"(?<![{letters}0-9/])(?:\(?(?P<year>{_YEAR})\)?(?:[ \t]*-[ \t]*|[ \t]*(?:\n[ \t]*)?))?"
        rf"(?P<station>{stations})(?:[ \t]*[:\-][ \t]*|[ \t]*(?:\n[ \t]*)?)"
        rf"(?P<serial>\d{{1,7}})(?![\d{letters}/]|:\d|\.\d|-\d)"
        rf"(?:[ \t]*\((?P<year_after>{_YEAR})\)"
        rf"|[ \t]+\d{{1,2}}[ \t]+(?:{months})[{letters}]*\.?[ \t]+(?P<year_dated>{_YEAR})(?![\d{letters}]))?"
    )


@cache
def _citation_pattern() -> re.Pattern[str]:
    spellings = sorted(station_spellings(), key=len, reverse=True)
    stations = "|".join(r"[ \t]*".join(map(re.escape, s.split())) for s in spellings)
    return re.compile(_citation_regex(stations, lower=False), re.IGNORECASE)


# The same pattern for lower-cased text, case-sensitive, its stations as a trie.
# Case-insensitive, each of the 345 alternatives was entered at every word:
# 100 µs for a line of prose.  Case-sensitive, the engine skips an alternative
# on its first letter, and the trie leaves it a few to look at.  It matches
# the same spans: no spelling holds a digit, so at most one way of reading a
# station is followed by a serial, whichever alternative comes first.
_SEPARATOR = r"[ \t]*"


def _trie_pattern(spellings: list[list[str]]) -> str:
    """An alternation of token sequences (characters, `_SEPARATOR`) sharing their prefixes."""
    groups: dict[str, list[list[str]]] = {}
    ends = False
    for tokens in spellings:
        if tokens:
            groups.setdefault(tokens[0], []).append(tokens[1:])
        else:
            ends = True
    branches = [
        (token if token == _SEPARATOR else re.escape(token)) + _trie_pattern(rest)
        for token, rest in groups.items()
    ]
    if not branches:
        return ""
    if ends:
        branches.append("")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _tokens(spelling: str) -> list[str]:
    tokens: list[str] = []
    for word in spelling.lower().split():
        if tokens:
            tokens.append(_SEPARATOR)
        tokens.extend(word)
    return tokens


@cache
def _lower_citation_pattern() -> re.Pattern[str]:
    stations = _trie_pattern([_tokens(s) for s in sorted(station_spellings())])
    return re.compile(_citation_regex(stations, lower=True))


# A station the table does not spell, before a serial: tried against the
# spelling rules (short forms, truncations, suffixes, one-letter typos) only
# where no known station was found, in the REF block alone.
_LOOSE_CITATION = re.compile(
    rf"(?<![A-Za-z0-9/])(?:\(?(?P<year>{_YEAR})\)?[ \t\-]+)?"
    r"(?P<station>[A-Za-z]{3,}(?:[ \t]+[A-Za-z]{2,}){0,2})(?:[ \t]*[:\-][ \t]*|[ \t]+)"
    r"(?P<serial>\d{1,7})(?![\dA-Za-z/]|:\d|\.\d|-\d)"
)
# More serials of the same station: "STATE 41252 AND 44603", "PARIS 12, 45".
_MORE_SERIAL = re.compile(
    r"[ \t]*(?:,|AND|&)[ \t]*(?:\n[ \t]*)?(?P<serial>\d{2,7})(?![\dA-Za-z/]|:\d|\.\d|-\d)"
    r"(?![ \t]+\d|[ \t]+(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC))",
    re.IGNORECASE,
)
# The letter O typed for a zero and the reverse: "0TTAWA 57", "SANTIAG0 12", "O4 CHENNAI 88".
_ZERO_IN_WORD = re.compile(
    r"(?<=[A-Za-z])0(?=[A-Za-z])|(?<![A-Za-z0-9])0(?=[A-Za-z]{2})|(?<=[A-Za-z]{2})0(?![A-Za-z0-9])"
)
_O_IN_YEAR = re.compile(r"(?<![A-Za-z0-9])[Oo](?=\d[ \t]+[A-Za-z])")


def _zeros_and_os_fixed(text: str) -> str:
    """The text with O and 0 put back where a word or a year mistyped them (same length)."""
    if "0" in text:
        text = _ZERO_IN_WORD.sub("O", text)
    if "O" in text or "o" in text:
        text = _O_IN_YEAR.sub("0", text)
    return text


def _citation_matches(text: str) -> Iterator[re.Match[str]]:
    """`_citation_pattern().finditer(text)`, perhaps run on the lower-cased text:
    read the matched text from `text` by the matches' spans."""
    if foldable(text):
        return _lower_citation_pattern().finditer(text.lower())
    return _citation_pattern().finditer(text)


def _cites_at_start(text: str) -> bool:
    """Does `_citation_pattern().match(text)` match?"""
    if foldable(text):
        return _lower_citation_pattern().match(text.lower()) is not None
    return _citation_pattern().match(text) is not None


def _block_start(text: str) -> int | None:
    """Where the REF block's text starts, after its keyword: at a line's start, or glued mid-line."""
    start = _REF_LINES.search(text, 0, HEAD)
    if start:
        return start.end()
    # Only above paragraph 1: a short stretch to look through.
    first_paragraph = PARAGRAPH_LINES.search(text, 0, HEAD)
    end = first_paragraph.start() if first_paragraph else min(len(text), HEAD)
    for keyword in ("REF", "Ref"):
        pos = text.find(keyword, 0, end)
        while pos != -1:
            m = _REF_INLINE.match(text, pos, end)
            if m:
                return m.end()
            pos = text.find(keyword, pos + 3, end)
    return None


def ref_block(text: str) -> str:
    """The text of the REF block, without its "REF:" keyword ("" when there is none)."""
    text = remove_furniture(text or "")
    start = _block_start(text)
    if start is None:
        return ""
    lines = text[start : start + _MAX_BLOCK].split("\n")
    kept: list[str] = [lines[0]]
    after_blank = False
    for line in lines[1:]:
        if not line.strip():
            after_blank = True
            continue
        if _ends_block(line, kept) or (after_blank and not _continues_block(line, kept[-1])):
            break
        kept.append(line)
        after_blank = False
    block = "\n".join(kept)
    # A block run together with the next field on one line.
    inline_end = _INLINE_END.search(block)
    block = block[: inline_end.start()] if inline_end else block
    if "PAGE" in block:
        block = _INLINE_PAGE_HEADER.sub(" ", block)
    return block.strip()


def _ends_block(line: str, kept: list[str]) -> bool:
    """Does this line end the block? Not an item "(C)" after an item "(B)"."""
    if not _BLOCK_END.match(line):
        return False
    label = _PAREN_LETTER.match(line)
    if label and label.group("letter") > "A":
        before = chr(ord(label.group("letter")) - 1)
        return not any(f"({before})" in k for k in kept)
    return True


def _continues_block(line: str, previous: str) -> bool:
    """After a blank line, does this line still belong to the REF block?"""
    stripped = line.strip().lstrip("¶")
    if _LABEL.match(stripped) or _REF_START.match(stripped) or _cites_at_start(stripped):
        return True
    # "A. STATE" + blank line + "12345": the serial of the station before.
    return bool(_BARE_SERIAL.fullmatch(stripped)) and previous.rstrip()[-1:].isalpha()


def _year_of(raw_year: str | None, citing_year: int | None) -> int | None:
    if raw_year:
        return int(raw_year) % 100
    return citing_year % 100 if citing_year else None


# A citation as found, before the citing year is known: (year as written or
# None, canonical station, serial, matched text).
Citation = tuple[str | None, str, int, str]


def _citations_in(segment: str) -> tuple[Citation, ...]:
    """Each cable cited in a piece of the block, as written."""
    found, gaps = _known_citations(segment, segment)
    if gaps:  # rare: digits that no known citation took
        found, gaps, fixed = _with_mistyped(segment, found, gaps)
        for start, end in gaps:
            for m in _LOOSE_CITATION.finditer(fixed, start, end):
                station = _loose_station(m.group("station"))
                if station:
                    found.extend(_with_more_serials(fixed, segment, m, m.group("year"), station))
        found.sort(key=_POSITION)
    return tuple(map(_CITATION, found))


# The parts of a (position, citation) pair, as C-level callables: a REF block
# makes a tuple of these for every item.
_POSITION = itemgetter(0)
_CITATION = itemgetter(1)


# A letter and a zero side by side, or O before a digit: "0TTAWA", "SANTIAG0", "O4".
# Each begins with a literal or a class, so the engine skips to it fast.
_ZERO_BY_LETTER = re.compile(r"0(?:(?<=[A-Za-z]0)|(?=[A-Za-z]))")
_O_BEFORE_DIGIT = re.compile(r"[Oo]\d")


def _mistyped(text: str, start: int, end: int) -> bool:
    return bool(
        _ZERO_BY_LETTER.search(text, start, end) or _O_BEFORE_DIGIT.search(text, start, end)
    )


def _with_mistyped(
    segment: str, found: list[tuple[int, Citation]], gaps: list[tuple[int, int]]
) -> tuple[list[tuple[int, Citation]], list[tuple[int, int]], str]:
    """The citations again, with O and 0 put right, when a stretch no citation took
    may hide one ("0TTAWA 57"): (citations, stretches with digits left, text read)."""
    if not any(_mistyped(segment, start, end) for start, end in gaps):
        return found, gaps, segment
    fixed = _zeros_and_os_fixed(segment)
    found, gaps = _known_citations(fixed, segment)
    return found, gaps, fixed


_DIGIT = re.compile(r"\d")


def _holds_digit(text: str, start: int, end: int) -> bool:
    """Does text[start:end] hold a digit?  Most stretches between citations are a
    blank or two: that is told without starting the regex engine."""
    stretch = text[start:end]
    return not stretch.isspace() and _DIGIT.search(stretch) is not None


def _known_citations(
    fixed: str, segment: str
) -> tuple[list[tuple[int, Citation]], list[tuple[int, int]]]:
    """The citations of stations the table spells, with where each was found, and the
    stretches between them that hold a digit: only there can a citation of a station
    the table does not spell be (most blocks have none)."""
    found: list[tuple[int, Citation]] = []
    gaps: list[tuple[int, int]] = []
    done = 0  # where the citations found so far end
    for m in _citation_matches(fixed):
        begin, finish = m.span()
        if begin > done and _holds_digit(fixed, done, begin):
            gaps.append((done, begin))
        done = finish  # matches do not overlap: each ends after the last
        station = canonical_station(m.group("station"))
        year, after, dated, serial = m.group("year", "year_after", "year_dated", "serial")
        year = year or after or dated
        found.append((begin, (year, station, int(serial), segment[begin:finish].strip())))
        listed = fixed[finish : finish + 12]
        if "," in listed or "&" in listed or "ND" in listed or "nd" in listed:  # "AND 44603"
            found.extend(_more_serials(fixed, finish, year, station))
    if done < len(fixed) and _holds_digit(fixed, done, len(fixed)):
        gaps.append((done, len(fixed)))
    return found, gaps


def _loose_station(words: str) -> str | None:
    """The station that the last one, two or three words before a serial spell, if any."""
    parts = words.upper().split()
    for count in (3, 2, 1):
        if count <= len(parts):
            station = resolve_station("".join(parts[-count:]))
            if station:
                return station
    return None


def _with_more_serials(
    fixed: str, segment: str, m: re.Match[str], year: str | None, station: str
) -> list[tuple[int, Citation]]:
    """The citation of a match, and those of the serials listed after it ("AND 44603")."""
    text = segment[m.start() : m.end()].strip()
    return [
        (m.start(), (year, station, int(m.group("serial")), text)),
        *_more_serials(fixed, m.end(), year, station),
    ]


def _more_serials(
    fixed: str, pos: int, year: str | None, station: str
) -> list[tuple[int, Citation]]:
    """More serials of a station listed from pos on: ", 45", " AND 44603"."""
    found = []
    more = _MORE_SERIAL.match(fixed, pos)
    while more and not _cites_at_start(fixed[more.start("serial") : more.start("serial") + 80]):
        serial = int(more.group("serial"))
        found.append((more.start("serial"), (year, station, serial, f"{station} {serial}")))
        more = _MORE_SERIAL.match(fixed, more.end())
    return found


# A year-less citation of the citing post's own series, from the first
# months of a year, to a serial this many times the citing cable's own, is
# of the year before: "08MANAMA2" of 3 January citing "MANAMA 1105".  Posts
# that ran several series (06REYKJAVIK40, of October, cites REYKJAVIK 364
# of September) are why the rule keeps to the first quarter and to serials
# far above: on the dev corpus it fires on 12 citations and none is shown
# wrong by the release (10BRASILIA19 of January cites BRASILIA 62, also of
# January 2010: 3.3 times, below the bar).
_LAST_YEAR_MONTHS = 3
_LAST_YEAR_RATIO = 4


def _citations(
    citations: tuple[Citation, ...], year: int | None, own: tuple[str, int] | None = None
) -> list[tuple[str, str]]:
    """(canonical id, matched text) for each citation that has a year or can take the citing one.

    `own` is the citing cable's (station, serial) when it was written in the
    first months of its year, for the rule above.
    """
    found = []
    for raw_year, station, serial, text in citations:
        yy = _year_of(raw_year, year)
        if yy is None:
            continue
        if not raw_year and own and station == own[0] and serial >= _LAST_YEAR_RATIO * own[1]:
            yy = (yy - 1) % 100
        found.append((f"{yy:02d}{station}{serial}", text))
    return found


# Where a numeric label "(12)" may be, the only kind `_labels` weighs.
_NUMBER_LABEL = re.compile(r"\(\d")


def _labels(block: str) -> list[re.Match[str]]:
    """The item labels of a block; not a year in parentheses before or after a
    citation ("(99) ROME 2196", "ASUNCION 701 (08)")."""
    if "(" not in block or not _NUMBER_LABEL.search(block):  # letters only: nothing to weigh
        return list(_LABEL.finditer(block))
    marks = []
    previous_number = 0
    for mark in _LABEL.finditer(block):
        number = mark.group("p")
        if number and number.isdigit():
            follows = int(number) == previous_number + 1
            after_serial = block[: mark.start()].rstrip()[-1:].isdigit()
            before_citation = _cites_at_start(block[mark.end() :].lstrip())
            if len(number) in (2, 4) and not follows and (after_serial or before_citation):
                continue
            previous_number = int(number)
        marks.append(mark)
    return marks


def _labelled_segments(block: str) -> list[tuple[str, str]]:
    """The block cut at its item labels: [(label, text)], unlabelled first part as ""."""
    return [(label, block[start:end]) for label, start, end in _segment_spans(block)]


def _segment_spans(block: str) -> list[tuple[str, int, int]]:
    """Where the block is cut at its item labels: [(label, start, end)], the
    unlabelled first part (when it holds more than blanks) labelled ""."""
    marks = _labels(block)
    if not marks:
        return [("", 0, len(block))]
    spans = []
    if block[: marks[0].start()].strip():
        spans.append(("", 0, marks[0].start()))
    for here, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt else len(block)
        spans.append((here.group("p") or here.group("d"), here.end(), end))
    return spans


@lru_cache(maxsize=8)
def _block_items(text: str) -> tuple[tuple[str, str, tuple[Citation, ...]], ...]:
    """(label, raw text, citations) of each REF item, whatever the citing year.

    Cached: an undated cable's references are read once without a year (to
    date it) and once with the year found.
    """
    block = ref_block(text)
    spans = _segment_spans(block)
    cited = _citations_by_span(block, spans)
    items = []
    for (label, start, end), citations in zip(spans, cited, strict=True):
        segment = block[start:end]
        raw = collapse_spaces(segment.strip()).strip(" ;,")
        if raw:
            items.append((label, raw, _citations_in(segment) if citations is None else citations))
    return tuple(items)


def _citations_by_span(
    block: str, spans: list[tuple[str, int, int]]
) -> list[tuple[Citation, ...] | None]:
    """The citations of each item, from one scan of the whole block; None for an
    item that must be read on its own (`_citations_in`), as every item once was.

    One scan finds what a scan of each item finds: an item starts after a
    label's "." or ")", which the citation's lookbehind accepts as it does the
    start of a text, and ends with the blank before the next label, where no
    citation or lookahead of it can end.  A citation that runs over a label
    ("... 2333 (12) ...", the 12th item read as a year) would not be found in
    either item: then each item is read on its own.  So is an item with digits
    that no citation took (a station the table does not spell, a mistyped O
    or 0) or a list after a citation ("AND 44603"): rare, and the work of
    `_citations_in` alone.
    """
    if len(spans) == 1 or not block.isascii():  # one item, or text the lower-case scan may not take
        return [None] * len(spans)
    matches = list(_lower_citation_pattern().finditer(block.lower()))
    cited: list[tuple[Citation, ...] | None] = []
    index = 0
    for _, start, end in spans:
        found: list[Citation] | None = []
        done = start  # where the citations found so far end
        while index < len(matches) and matches[index].start() < end:
            m = matches[index]
            index += 1
            begin, finish = m.span()
            if begin < start or finish > end:  # over a label: no item scan finds it
                return [None] * len(spans)
            if found is None:
                continue
            if begin > done and _holds_digit(block, done, begin):
                found = None  # digits no citation took: the slow path
                continue
            done = finish
            listed = block[finish : min(finish + 12, end)]
            if "," in listed or "&" in listed or "ND" in listed or "nd" in listed:
                found = None  # perhaps "AND 44603": the slow path
                continue
            year, after, dated, serial = m.group("year", "year_after", "year_dated", "serial")
            station = canonical_station(m.group("station"))
            found.append(
                (year or after or dated, station, int(serial), block[begin:finish].strip())
            )
        if found is not None and done < end and _holds_digit(block, done, end):
            found = None
        cited.append(None if found is None else tuple(found))
    return cited


def parse_reference_items(
    text: str, year: int | None, cable_id: str | None = None, month: int | None = None
) -> list[Reference]:
    """Every REF item with its label, raw text and the cited cable's id (None if not a cable).

    `month`, the citing cable's month of creation, lets a citation from the
    first months of a year to a serial far above the citing cable's own
    take the year before.
    """
    own = _own_series(cable_id, year, month)
    items: list[Reference] = []
    for label, raw, citations in _block_items(text or ""):
        cited = _citations(citations, year, own)
        if not cited:
            items.append(Reference(label, raw, None))
        elif len(cited) == 1:
            items.append(Reference(label, raw, _unless_self(cited[0][0], cable_id)))
        else:
            items.extend(Reference(label, t, _unless_self(i, cable_id)) for i, t in cited)
    return items


def _own_series(
    cable_id: str | None, year: int | None, month: int | None
) -> tuple[str, int] | None:
    """The citing cable's (station, serial) when written in the first months of its year."""
    if not cable_id or not year or not month or month > _LAST_YEAR_MONTHS:
        return None
    parts = split_id(cable_id)
    if parts is None or int(parts[0]) != year % 100 or parts[2] <= 0:
        return None
    return parts[1], parts[2]


def _unless_self(cited: str, cable_id: str | None) -> str | None:
    return None if cable_id and cited == cable_id else cited


def parse_references(text: str, year: int, cable_id: str | None = None) -> list[str]:
    """Canonical ids of the cables cited in the REF block, in order, without duplicates."""
    try:
        items = parse_reference_items(text, year, cable_id)
    except (TypeError, ValueError):
        return []
    return list(dict.fromkeys(r.id for r in items if r.id))
