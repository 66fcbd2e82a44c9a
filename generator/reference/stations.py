"""The posts ("stations") that sent the cables: codes, display names, spellings.

A cable id embeds a station code (``03OTTAWA49``). The WikiLeaks cable viewer
names that post "Embassy Ottawa" (its *origin*), and cable text writes it as
the banner does: "OTTAWA", "BUENOS AIRES", "USUN NEW YORK". The table is
``data/stations.tsv`` (columns ``station``, ``origin``, ``spelling``), one row
per real station of the release; OCR-damaged codes that occur on a handful of
cables (BANGOK, EFTOANKARA, ...) are deliberately not rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from generator.reference.data import data_text


@dataclass(frozen=True, slots=True)
class Station:
    code: str  # as in the cable id: "BUENOSAIRES"
    origin: str  # as the WikiLeaks viewer names the post: "Embassy Buenos Aires"
    spelling: str  # as the cable's banner writes it: "BUENOS AIRES"


# Spellings found in banners, references and routing lines besides each row's
# own spelling and joined code. Only unambiguous ones: "TAIPEI" is not here
# because TAIPEI is itself a station code (AIT Taipei's cables before 2006),
# and mapping it would turn real ids such as 05TAIPEI123 into ids that do not exist.
_VARIANTS: dict[str, str] = {
    "SECSTATE": "STATE",
    "SECSTATE WASHDC": "STATE",
    "RIO DE JAN": "RIODEJANEIRO",
    "USUN NY": "USUNNEWYORK",
    "USUN": "USUNNEWYORK",
    "USEU": "USEUBRUSSELS",
    "UNVIE": "UNVIEVIENNA",
    "PORT-AU-PRINCE": "PORTAUPRINCE",
    "PORT-OF-SPAIN": "PORTOFSPAIN",
    "DAR-ES-SALAAM": "DARESSALAAM",
    "N'DJAMENA": "NDJAMENA",
    "ST. PETERSBURG": "STPETERSBURG",
    "SAINT PETERSBURG": "STPETERSBURG",
    "HO CHI MINH": "HOCHIMINHCITY",
    "USINT HAVANA": "HAVANA",
    "REO BASRAH": "BASRAH",
    "REO HILLAH": "HILLAH",
    "REO KIRKUK": "KIRKUK",
    "REO MOSUL": "MOSUL",
    # Routing lines ("AMEMBASSY MEXICO CITY") add "CITY" where the id does not.
    "GUATEMALA CITY": "GUATEMALA",
    "MEXICO CITY": "MEXICO",
    "PANAMA CITY": "PANAMA",
    "KUWAIT CITY": "KUWAIT",
    "VATICAN CITY": "VATICAN",
    # Short forms drafters use in REF blocks and routing lines.
    "RIO": "RIODEJANEIRO",
    "PAP": "PORTAUPRINCE",
    "PAUP": "PORTAUPRINCE",
    "BKK": "BANGKOK",
    "HCMC": "HOCHIMINHCITY",
    "VAT": "VATICAN",
    "HAGUE": "THEHAGUE",
    "USUNESCO PARIS FR": "UNESCOPARISFR",
    "USUNESCO PARIS": "UNESCOPARISFR",
    "USUNESCO": "UNESCOPARISFR",
    # Senders outside the release, cited often: their cables get ids in the
    # same shape, so a citation is read (not taken for prose) and shown.
    "SECDEF": "SECDEF",
    "SECDEF WASHDC": "SECDEF",
    "SECDEF WASH DC": "SECDEF",
    "SECDEFWASH": "SECDEF",
    "USDOC": "USDOC",
    "USDOC WASHDC": "USDOC",
    "USDOC WASH DC": "USDOC",
}
# Codes of senders outside the release that _VARIANTS spells.
OUTSIDE_RELEASE = frozenset({"SECDEF", "USDOC"})
# What a post may add to its code in a routing line or a citation: a country
# code ("MADRIDSP") or the capital ("SECDEFWASH", "USDOCWASHDC").
# One suffix only: stripping letters over and over finds a station in any word.
_SUFFIXES = ("WASHDC", "WASH")
# A truncation must keep this much of the code to say which station it is.
_MIN_TRUNCATION = 5
# A misspelling is corrected only in words this long: shorter words one edit
# from a short code are as often ordinary words ("LIME", "ROLE").
_MIN_TYPO = 5


@cache
def stations() -> dict[str, Station]:
    """Every station of data/stations.tsv by code, loaded once."""
    text = data_text("stations.tsv")
    table: dict[str, Station] = {}
    for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
        station = Station(row["station"], row["origin"], row["spelling"])
        if station.code in table:
            raise ValueError(f"data/stations.tsv: station {station.code} listed twice")
        table[station.code] = station
    return table


@cache
def station_spellings() -> dict[str, str]:
    """Every upper-case way a station is written in text -> its station code.

    Covers each station's spelling with spaces ("BUENOS AIRES"), its joined
    code ("BUENOSAIRES") and the common variants ("SECSTATE", "RIO DE JAN",
    "PORT-AU-PRINCE", "USUN NY", ...).
    """
    spellings: dict[str, str] = {}
    for station in stations().values():
        spellings[station.code] = station.code
        spellings[station.spelling] = station.code
    for variant, code in _VARIANTS.items():
        # A variant must never shadow a real code or another station's spelling.
        spellings.setdefault(variant, code)
    return spellings


def is_station(code: str) -> bool:
    """Whether ``code`` is the code of a real station of the release ("OTTAWA": yes)."""
    return code in stations()


def origin_name(station: str) -> str:
    """The post's name as the WikiLeaks viewer shows it: "OTTAWA" -> "Embassy Ottawa".

    Accepts any spelling of :func:`station_spellings` ("SECSTATE" -> "Secretary
    of State"). An unknown code is assumed to be an embassy, the most common
    kind of post, so a new or misspelt station still gets a readable name.
    """
    key = " ".join(station.upper().split())
    if not key:
        return "Unknown origin"
    code = station_spellings().get(key, key)
    known = stations().get(code)
    if known is not None:
        return known.origin
    return "Embassy " + key.title()


@cache
def release_stations() -> frozenset[str]:
    """Codes in ids of the release: the table's, plus the OCR-damaged ones
    (BANGOK, BRASIIA) that are ids of the release in their own right
    (data/release_stations.txt, derived by bench/derive_release_stations.py)."""
    damaged = (
        line.strip()
        for line in data_text("release_stations.txt").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(stations()) | frozenset(damaged)


@cache
def _codes_by_skeleton() -> dict[str, frozenset[str]]:
    """Each code and joined spelling with one letter deleted -> the codes it comes from.

    Two words are one edit apart (a letter changed, added or dropped) exactly
    when they share such a skeleton or one is the skeleton of the other.
    """
    index: dict[str, set[str]] = {}
    for spelling, code in _joined_spellings().items():
        if len(spelling) < _MIN_TYPO - 1:
            continue
        for i in range(len(spelling)):
            index.setdefault(spelling[:i] + spelling[i + 1 :], set()).add(code)
    return {k: frozenset(v) for k, v in index.items()}


@cache
def _joined_spellings() -> dict[str, str]:
    """Every spelling of station_spellings() with its spaces and punctuation removed."""
    return {re.sub(r"[^A-Z]", "", k): v for k, v in station_spellings().items()}


def _one_edit_from(word: str) -> set[str]:
    index = _codes_by_skeleton()
    joined = _joined_spellings()
    found: set[str] = set(index.get(word, ()))  # a letter added
    for i in range(len(word)):
        skeleton = word[:i] + word[i + 1 :]
        found |= index.get(skeleton, frozenset())  # a letter changed
        if skeleton in joined:  # a letter dropped
            found.add(joined[skeleton])
    return found


def _truncated_from(word: str) -> set[str]:
    return {code for spelling, code in _joined_spellings().items() if spelling.startswith(word)}


@lru_cache(maxsize=8192)
def resolve_station(joined: str) -> str | None:
    """The station a joined upper-case spelling stands for, or None when it is none.

    Known spellings first ("SECSTATE" -> STATE); a code of the release stays
    itself, even one that looks misspelt (BANGOK); then, in this order, a
    code with a suffix ("MADRIDSP", "SECDEFWASH"), the start of exactly one
    spelling ("KUALALUMP", "HALIF"), and a spelling one edit away from
    exactly one station ("BUENOS ARIES").
    """
    joined_table = _joined_spellings()
    if joined in joined_table:
        return joined_table[joined]
    if joined in release_stations() or not joined.isalpha():
        return None
    for suffix in _SUFFIXES:
        stem = joined.removesuffix(suffix) if joined.endswith(suffix) else ""
        if len(stem) >= 3 and stem in joined_table:
            return joined_table[stem]
    country = joined[:-2]
    if len(country) >= 3 and country in joined_table:
        return joined_table[country]
    if len(joined) >= _MIN_TRUNCATION:
        truncated = _truncated_from(joined)
        if len(truncated) == 1:
            return next(iter(truncated))
    if len(joined) >= _MIN_TYPO:
        near = _one_edit_from(joined)
        if len(near) == 1:
            return next(iter(near))
    return None
