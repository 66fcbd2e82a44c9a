"""Canonical cable ids: two-digit year + station + serial without zeros.

"08SECSTATE74879" -> "08STATE74879", "06PORT-OF-SPAIN123" -> "06PORTOFSPAIN123".
The canonical form is the WikiLeaks reference id, so a permalink built from it
matches the cable viewer's and the ids in `cable2month.csv.gz`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from generator.reference.stations import resolve_station, station_spellings

# Prefixes that name the kind of post, not the post: "AMEMBASSY HANOI" is HANOI.
_POST_PREFIX = re.compile(
    r"^(?:AMEMBASSY|AMEMB|EMBASSY|AMCONSUL|AMCONGEN|USMISSION|USMISS)(?=[A-Z]{3})"
)
# "SECTION 01 OF 03" leaks into ids taken from a continuation banner, often
# OCR-mangled ("SECION", "SECTON", "SETION", "SECTIO03OF03", "SECTION01O02").
_SECTION = re.compile(r"^(?:S[A-Z]{2,7}|ECTIO?N?)\d{1,2}O?F?\d{1,2}(?=[A-Z])")
# Handling captions that precede the station in some banners ("EFTO ANKARA").
_CAPTION = re.compile(r"^(?:EFTO|NOFORN|SIPDIS|LIMDIS|EXDIS|NODIS)(?=[A-Z]{3})")
_ID_SHAPE = re.compile(r"^(\d{2}|\d{4})([A-Z][A-Z]*?)0*(\d{1,7})$")
_YEAR_AND_REST = re.compile(r"^(\d{4}|\d{2})([A-Z].*)$")
_STATION_SERIAL = re.compile(r"^([A-Z]+?)0*(\d{1,7})$")
_NOT_ID_CHARS = re.compile(r"[^0-9A-Z]")
_PLUSD_SUFFIX = re.compile(r"_[A-Z]$")


@cache
def _joined_aliases() -> dict[str, str]:
    """Every known spelling of a station with spaces and hyphens removed."""
    return {_NOT_ID_CHARS.sub("", k): v for k, v in station_spellings().items()}


@lru_cache(maxsize=4096)
def canonical_station(raw: str) -> str:
    """The canonical station code for a station as written ("SECSTATE" -> "STATE").

    Cached: a few hundred spellings make up nearly every banner and citation.
    """
    joined = _without_prefixes(_NOT_ID_CHARS.sub("", raw.upper()))
    known = _joined_aliases().get(joined)
    if known is not None:
        return known
    # Short forms, truncations, suffixes and one-letter typos of a station
    # ("KUALALUMP", "MADRIDSP", "BUENOSARIES"); a code of the release stays.
    return resolve_station(joined) or joined


# Each prefix pattern, with the letters it can start with: most ids start with
# none of them, and a test of the first letter is cheaper than a regex call.
_PREFIXES = ((_SECTION, "SE"), (_CAPTION, "ENSL"), (_POST_PREFIX, "AEU"))


def _without_prefixes(joined: str) -> str:
    """A joined station (or station and serial) without section, caption and post prefixes."""
    for pattern, initials in _PREFIXES:
        if joined and joined[:1] in initials:
            joined = pattern.sub("", joined)
    return joined


def _two_digit_year(digits: str) -> str:
    """ "75" -> "75"; the dump's doubled "7575" -> "75"; "2007" -> "07"."""
    if len(digits) == 4:
        return digits[2:]
    return digits


def canonical_id(raw: str) -> str:
    """The canonical form of a cable id as a source wrote it.

    Never raises: input that is not shaped like an id comes back upper-cased
    with separators removed, so callers can still compare and report it.
    """
    upper = str(raw).strip().upper()
    # PlusD suffixes duplicates "_a", "_b"; the cable is the same id.
    if "_" in upper:
        upper = _PLUSD_SUFFIX.sub("", upper)
    # Most ids are letters and digits already (upper case, so no a-z is left).
    text = upper if upper.isascii() and upper.isalnum() else _NOT_ID_CHARS.sub("", upper)
    m = _YEAR_AND_REST.match(text)
    if not m:
        return text
    year, rest = m.groups()
    rest = _without_prefixes(rest)
    parts = _STATION_SERIAL.match(rest)
    if not parts:
        return text
    station, serial = parts.groups()
    return f"{_two_digit_year(year)}{canonical_station(station)}{int(serial)}"


def split_id(cable_id: str) -> tuple[str, str, int] | None:
    """("03", "OTTAWA", 49) for "03OTTAWA49", or None for an id of another shape."""
    m = _ID_SHAPE.match(cable_id)
    if not m:
        return None
    return m.group(1)[-2:], m.group(2), int(m.group(3))


def make_id(year: int, station: str, serial: int) -> str:
    return f"{year % 100:02d}{canonical_station(station)}{serial}"


def full_year(two_digits: int) -> int:
    """Cablegate spans 1966-2010: "66" is 1966, "08" is 2008."""
    return 1900 + two_digits if two_digits >= 50 else 2000 + two_digits
