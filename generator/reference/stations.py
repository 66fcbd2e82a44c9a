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
from dataclasses import dataclass
from functools import cache

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
}


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
