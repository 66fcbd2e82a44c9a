"""Station codes, WikiLeaks origin names and the spellings cable text uses."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pytest
from repo import SHARED

import generator.reference.stations
from generator.reference.stations import (
    OUTSIDE_RELEASE,
    is_station,
    origin_name,
    release_stations,
    resolve_station,
    station_spellings,
    stations,
)

CABLE2MONTH = SHARED / "data" / "cable2month.csv.gz"


def tsv_rows() -> list[list[str]]:
    path = Path(generator.reference.stations.__file__).with_name("data") / "stations.tsv"
    text = path.read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines()]


@pytest.mark.parametrize(
    ("station", "origin"),
    [
        ("OTTAWA", "Embassy Ottawa"),
        ("BUENOSAIRES", "Embassy Buenos Aires"),
        ("SAOPAULO", "Consulate Sao Paulo"),
        ("HONGKONG", "Consulate Hong Kong"),
        ("RIODEJANEIRO", "Consulate Rio De Janeiro"),
        ("STATE", "Secretary of State"),
        ("USNATO", "Mission USNATO"),
        ("USOSCE", "Mission USOSCE"),
        ("GENEVA", "US Mission Geneva"),
        ("USUNNEWYORK", "USUN New York"),
        ("USEUBRUSSELS", "USEU Brussels"),
        ("UNVIEVIENNA", "UNVIE"),
        ("HAVANA", "US Interests Section Havana"),
        ("BASRAH", "REO Basrah"),
        ("AITTAIPEI", "American Institute Taiwan, Taipei"),
        ("IRANRPODUBAI", "Iran RPO Dubai"),
        ("THEHAGUE", "Embassy The Hague"),
        ("PORTAUPRINCE", "Embassy Port Au Prince"),
        ("PORTOFSPAIN", "Embassy Port Of Spain"),
        ("DARESSALAAM", "Embassy Dar Es Salaam"),
        ("CAPETOWN", "Consulate Cape Town"),
        ("JERUSALEM", "Consulate Jerusalem"),
    ],
)
def test_origin_names_match_the_wikileaks_viewer(station: str, origin: str) -> None:
    assert origin_name(station) == origin


@pytest.mark.parametrize(
    ("spelling", "station"),
    [
        ("BUENOS AIRES", "BUENOSAIRES"),
        ("BUENOSAIRES", "BUENOSAIRES"),
        ("USUN NEW YORK", "USUNNEWYORK"),
        ("USUN NY", "USUNNEWYORK"),
        ("USUN", "USUNNEWYORK"),
        ("AIT TAIPEI", "AITTAIPEI"),
        ("TAIPEI", "TAIPEI"),
        ("PORT AU PRINCE", "PORTAUPRINCE"),
        ("PORT-AU-PRINCE", "PORTAUPRINCE"),
        ("PORT OF SPAIN", "PORTOFSPAIN"),
        ("PORT-OF-SPAIN", "PORTOFSPAIN"),
        ("RIO DE JANEIRO", "RIODEJANEIRO"),
        ("RIO DE JAN", "RIODEJANEIRO"),
        ("SECSTATE", "STATE"),
        ("STATE", "STATE"),
        ("UNVIE VIENNA", "UNVIEVIENNA"),
        ("UNVIE", "UNVIEVIENNA"),
        ("USEU BRUSSELS", "USEUBRUSSELS"),
        ("USEU", "USEUBRUSSELS"),
        ("USNATO", "USNATO"),
        ("HO CHI MINH CITY", "HOCHIMINHCITY"),
        ("KIEV", "KIEV"),
        ("KYIV", "KYIV"),
    ],
)
def test_spellings_map_to_station_codes(spelling: str, station: str) -> None:
    assert station_spellings()[spelling] == station


def test_every_station_in_the_tsv_is_unique_and_well_formed() -> None:
    header, *rows = tsv_rows()
    assert header == ["station", "origin", "spelling"]
    assert all(len(row) == 3 for row in rows)
    codes = Counter(row[0] for row in rows)
    assert [code for code, n in codes.items() if n > 1] == []
    for code, origin, spelling in rows:
        assert re.fullmatch(r"[A-Z]+", code), code
        assert spelling.replace(" ", "") == code, (code, spelling)
        assert origin == origin.strip() and origin, code
    assert len(stations()) == len(rows)


def test_posts_are_named_by_their_kind() -> None:
    for station in stations().values():
        assert not station.origin.startswith("AMEMBASSY"), station
        assert not station.origin.startswith("Embassy Consulate"), station
    consulates = {"SAOPAULO", "HONGKONG", "MUMBAI", "ISTANBUL", "SHANGHAI", "TORONTO"}
    assert all(origin_name(code).startswith("Consulate ") for code in consulates)


def test_no_spelling_is_ambiguous() -> None:
    spellings = station_spellings()
    for code in stations():
        assert spellings[code] == code
    # Every spelling names a station of the release, or one of the few
    # senders outside it that REF blocks cite (SECDEF, USDOC).
    assert all(is_station(code) or code in OUTSIDE_RELEASE for code in spellings.values())
    assert set(spellings.values()) >= OUTSIDE_RELEASE


def test_unknown_stations_fall_back_to_an_embassy_name() -> None:
    assert origin_name("BANGOK") == "Embassy Bangok"
    assert origin_name("newplace") == "Embassy Newplace"
    assert origin_name("") == "Unknown origin"
    assert origin_name("SECSTATE") == "Secretary of State"
    assert origin_name("usun new york") == "USUN New York"


def test_is_station() -> None:
    assert is_station("OTTAWA")
    assert is_station("AITTAIPEI")
    assert not is_station("SECSTATE")  # a spelling, not a code
    assert not is_station("BANGOK")
    assert not is_station("")


@pytest.mark.skipif(not CABLE2MONTH.exists(), reason="needs ../shared/data/cable2month.csv.gz")
def test_every_well_attested_station_of_the_release_is_known() -> None:
    counts: Counter[str] = Counter()
    with gzip.open(CABLE2MONTH, "rt", encoding="ascii") as lines:
        for line in lines:
            m = re.match(r"\d{2}([A-Z]+?)\d+,", line)
            if m:
                counts[m.group(1)] += 1
    # Captions glued to the station (EFTOLONDON, AMEMBASSYHANOI) are damage, not posts.
    damaged = re.compile(r"^(EFTO|AMEMBASSY|NOFORN|SIFIED)")
    missing = sorted(
        code
        for code, n in counts.items()
        if n >= 5 and not damaged.match(code) and not is_station(code)
    )
    assert missing == []
    stations_in_release = {code for code in stations() if counts[code]}
    assert stations_in_release == set(stations())


def test_release_stations_are_derived_from_the_release() -> None:
    """data/release_stations.txt is what bench/derive_release_stations.py makes of cable2month."""
    if not CABLE2MONTH.exists():
        pytest.skip(f"{CABLE2MONTH} is missing")
    with gzip.open(CABLE2MONTH, "rt", encoding="ascii") as handle:
        codes = {
            m.group(1)
            for line in handle
            if (m := re.match(r"^\d{2}([A-Z]+)\d+$", line.split(",", 1)[0]))
        }
    assert release_stations() == frozenset(codes) | frozenset(stations())


def test_spelling_rules_keep_the_release_codes() -> None:
    # Every code of the release resolves to itself or is left alone: no real id is rewritten.
    for code in release_stations():
        assert resolve_station(code) in (code, None), code
