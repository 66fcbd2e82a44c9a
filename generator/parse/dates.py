"""Dates as sources write them, and the creation date of an undated cable.

Sources: "2001-10-16 05:05" (the cable viewer), "12/28/1966 18:48" (the
dump), "6/1/2005 6:21" (exports), YAML dates and datetimes (front matter).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from generator.parse.patterns import MONTH_NAMES

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d %B %Y",
    "%B %d, %Y",
)


# The two shapes nearly every source uses, read without strptime's search.
_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d\d)(?::(\d\d))?)?$")


def _fast(text: str) -> datetime | None:
    m = _ISO.match(text)
    if m:
        y, mo, d, h, mi, s = m.groups()
    else:
        m = _US.match(text)
        if not m:
            return None
        mo, d, y, h, mi, s = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None


def parse_datetime(value: object) -> datetime | None:
    """A datetime from whatever a source gave, or None when it is not a date."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = " ".join(str(value).split()).replace("Z", "").strip()
    fast = _fast(text)
    if fast is not None:
        return fast
    text = re.sub(r"[+-]\d\d:?\d\d$", "", text) if "T" in text else text
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# Years the text mentions as past: "signed in December 2002", "since May 2002",
# "in 2002" -- but not ranges ("2003-2004 budget") that often look ahead.
_PAST_MENTION = re.compile(
    r"\b(?:IN|SINCE|ON|DURING|LAST|OF|UNTIL|THROUGH|BY)\s+(?:(?:EARLY|LATE|MID)-?\s*)?"
    rf"(?:(?P<month>{MONTH_NAMES})\s+(?:(?P<day>\d{{1,2}}),?\s+)?)?"
    r"(?P<year>(?:19[6-9]|20[01])\d)\b(?!\s*[-/]\s*\d)",
    re.IGNORECASE,
)
_MONTH_NUMBER = {
    name: i
    for i, name in enumerate(
        [
            "JANUARY",
            "FEBRUARY",
            "MARCH",
            "APRIL",
            "MAY",
            "JUNE",
            "JULY",
            "AUGUST",
            "SEPTEMBER",
            "OCTOBER",
            "NOVEMBER",
            "DECEMBER",
        ],
        1,
    )
}
# Classified cables are usually declassified ten years after they were written.
_DECL_YEARS = 10


def infer_created(body: str, ref_years: list[int], declassify_on: str | None) -> datetime | None:
    """Best estimate of when an undated cable was written, or None.

    The declassification date is normally the creation date plus ten years,
    so its month and day are the creation's.  What the text cites or
    mentions as past sets a lower bound that corrects a drafter who kept
    last year's date in January (the seed, 03OTTAWA49, says DECL 01/07/2012).
    """
    decl = date.fromisoformat(declassify_on) if declassify_on else None
    horizon = decl.year - _DECL_YEARS + 1 if decl else None
    floor = _latest_past_mention(body, horizon)
    for year in ref_years:
        if horizon is None or year <= horizon:
            floor = max(floor, date(year, 1, 1)) if floor else date(year, 1, 1)
    if decl:
        guess = _same_day(decl, decl.year - _DECL_YEARS)
        if floor and guess < floor:
            guess = _same_day(decl, floor.year)
            if guess < floor:
                guess = _same_day(decl, floor.year + 1)
        return datetime(guess.year, guess.month, guess.day)
    if floor:
        return datetime(floor.year, floor.month, floor.day)
    return None


_RANGE_AFTER = re.compile(r"\s*[-/]\s*\d")
# Two scans, each for a pattern with a literal prefix, are five times faster
# than one for (?:19|20)\d\d.  A year that stands alone is found by either
# scan as by one: a match that overlapped it would have a digit before it.
_YEARS = (re.compile(r"19\d\d"), re.compile(r"20\d\d"))


def _is_whole_year(body: str, start: int, end: int) -> bool:
    """1960-2019 standing alone, not inside a longer number."""
    value = int(body[start:end])
    before = body[start - 1] if start else " "
    after = body[end] if end < len(body) else " "
    return 1960 <= value <= 2019 and not before.isdigit() and not after.isdigit()


def _past_mentions(body: str):
    """_PAST_MENTION matches, looked for only around the years the text has."""
    years = [m for pattern in _YEARS for m in pattern.finditer(body)]
    for year in sorted(years, key=lambda m: m.start()) if years else ():
        if not _is_whole_year(body, year.start(), year.end()):
            continue
        m = _PAST_MENTION.search(body, max(0, year.start() - 40), year.end())
        while m and m.end() < year.end():
            m = _PAST_MENTION.search(body, m.start() + 1, year.end())
        # endpos hides what follows the year from the pattern's own lookahead.
        if m and m.end() == year.end() and not _RANGE_AFTER.match(body, year.end()):
            yield m


def _latest_past_mention(body: str, horizon: int | None) -> date | None:
    latest: date | None = None
    for m in _past_mentions(body):
        year = int(m.group("year"))
        if horizon is not None and year > horizon:
            continue
        month = _MONTH_NUMBER[m.group("month").upper()] if m.group("month") else 1
        day = int(m.group("day")) if m.group("day") and m.group("month") else 1
        try:
            found = date(year, month, day)
        except ValueError:
            found = date(year, month, 1)
        latest = max(latest, found) if latest else found
    return latest


def _same_day(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28) + timedelta(days=0)
