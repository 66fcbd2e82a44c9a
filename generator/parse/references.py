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

from generator.model import Reference
from generator.parse.fastmatch import LinePattern, foldable
from generator.parse.ids import canonical_station
from generator.parse.text import HEAD, remove_furniture
from generator.reference.stations import station_spellings

_REF_START = re.compile(
    r"^[ \t]*(?:REF(?:ERENCE)?S?|REFTELS?|REFAIR)(?![A-Z])[ \t]*(?:[A-Z]?[ \t]*[:.\-]|(?=[ \t(]))",
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
# An item label inside the block: "A.", "(A)", "B)", "AA.".
_LABEL = re.compile(
    r"(?:(?<=[\s¶])|^)(?:\((?P<p>[A-Z]{1,2}|\d{1,2})\)|(?P<d>[A-Z]{1,2})[.)])(?=\s|$)"
)
_MAX_BLOCK = 3000
_INLINE_END = re.compile(r"\b(?:CLASSIFIED[ \t]+BY|DERIVED[ \t]+FROM)\b", re.IGNORECASE)


@cache
def _citation_pattern() -> re.Pattern[str]:
    spellings = sorted(station_spellings(), key=len, reverse=True)
    stations = "|".join(r"[ \t]*".join(map(re.escape, s.split())) for s in spellings)
    return re.compile(
        r"(?<![A-Z0-9/])(?:(?P<year>(?:19|20)\d{2}|\d{2})[ \t]*(?:\n[ \t]*)?)?"
        rf"(?P<station>{stations})[ \t]*(?:\n[ \t]*)?(?P<serial>\d{{1,7}})(?![\dA-Z/:]|\.\d|-\d)",
        re.IGNORECASE,
    )


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
    return re.compile(
        r"(?<![a-z0-9/])(?:(?P<year>(?:19|20)\d{2}|\d{2})[ \t]*(?:\n[ \t]*)?)?"
        rf"(?P<station>{stations})[ \t]*(?:\n[ \t]*)?(?P<serial>\d{{1,7}})(?![\da-z/:]|\.\d|-\d)"
    )


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


def ref_block(text: str) -> str:
    """The text of the REF block, without its "REF:" keyword ("" when there is none)."""
    text = remove_furniture(text or "")
    start = _REF_LINES.search(text, 0, HEAD)
    if not start:
        return ""
    lines = text[start.end() : start.end() + _MAX_BLOCK].split("\n")
    kept: list[str] = [lines[0]]
    after_blank = False
    for line in lines[1:]:
        if not line.strip():
            after_blank = True
            continue
        if _BLOCK_END.match(line) or (after_blank and not _continues_block(line)):
            break
        kept.append(line)
        after_blank = False
    block = "\n".join(kept)
    # A block run together with the next field on one line.
    inline_end = _INLINE_END.search(block)
    return (block[: inline_end.start()] if inline_end else block).strip()


def _continues_block(line: str) -> bool:
    """After a blank line, does this line still belong to the REF block?"""
    stripped = line.strip().lstrip("¶")
    return bool(_LABEL.match(stripped) or _REF_START.match(stripped) or _cites_at_start(stripped))


def _year_of(raw_year: str | None, citing_year: int | None) -> int | None:
    if raw_year:
        return int(raw_year) % 100
    return citing_year % 100 if citing_year else None


# A citation as found, before the citing year is known: (year as written or
# None, canonical station, serial, matched text).
Citation = tuple[str | None, str, int, str]


def _citations_in(segment: str) -> tuple[Citation, ...]:
    """Each cable cited in a piece of the block, as written."""
    found = []
    for m in _citation_matches(segment):
        start, end = m.span("station")
        station = canonical_station(segment[start:end])
        serial = int(m.group("serial"))  # digits: the same in lower case
        found.append((m.group("year"), station, serial, segment[m.start() : m.end()].strip()))
    return tuple(found)


def _citations(citations: tuple[Citation, ...], year: int | None) -> list[tuple[str, str]]:
    """(canonical id, matched text) for each citation that has a year or can take the citing one."""
    found = []
    for raw_year, station, serial, text in citations:
        yy = _year_of(raw_year, year)
        if yy is None:
            continue
        # An undated citation is of the citing year, even when the serial is
        # higher than the citing cable's own: posts ran several serial
        # series (06REYKJAVIK40 of October cites REYKJAVIK 364 of September).
        found.append((f"{yy:02d}{station}{serial}", text))
    return found


def _labelled_segments(block: str) -> list[tuple[str, str]]:
    """The block cut at its item labels: [(label, text)], unlabelled first part as ""."""
    marks = list(_LABEL.finditer(block))
    if not marks:
        return [("", block)]
    segments = []
    if block[: marks[0].start()].strip():
        segments.append(("", block[: marks[0].start()]))
    for here, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt else len(block)
        segments.append((here.group("p") or here.group("d"), block[here.end() : end]))
    return segments


@lru_cache(maxsize=8)
def _block_items(text: str) -> tuple[tuple[str, str, tuple[Citation, ...]], ...]:
    """(label, raw text, citations) of each REF item, whatever the citing year.

    Cached: an undated cable's references are read once without a year (to
    date it) and once with the year found.
    """
    items = []
    for label, segment in _labelled_segments(ref_block(text)):
        raw = " ".join(segment.split()).strip(" ;,")
        if raw:
            items.append((label, raw, _citations_in(segment)))
    return tuple(items)


def parse_reference_items(
    text: str, year: int | None, cable_id: str | None = None
) -> list[Reference]:
    """Every REF item with its label, raw text and the cited cable's id (None if not a cable)."""
    items: list[Reference] = []
    for label, raw, citations in _block_items(text or ""):
        cited = _citations(citations, year)
        if not cited:
            items.append(Reference(label, raw, None))
        elif len(cited) == 1:
            items.append(Reference(label, raw, _unless_self(cited[0][0], cable_id)))
        else:
            items.extend(Reference(label, t, _unless_self(i, cable_id)) for i, t in cited)
    return items


def _unless_self(cited: str, cable_id: str | None) -> str | None:
    return None if cable_id and cited == cable_id else cited


def parse_references(text: str, year: int, cable_id: str | None = None) -> list[str]:
    """Canonical ids of the cables cited in the REF block, in order, without duplicates."""
    try:
        items = parse_reference_items(text, year, cable_id)
    except (TypeError, ValueError):
        return []
    return list(dict.fromkeys(r.id for r in items if r.id))
