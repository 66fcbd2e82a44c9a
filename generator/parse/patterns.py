"""Regular expressions shared between the field parsers and the formats."""

from __future__ import annotations

import re

from generator.parse.fastmatch import LinePattern


def _spaced(word: str) -> str:
    """Match a word written plain or letter-spaced: "SECRET" or "S E C R E T"."""
    return r"[ ]?".join(re.escape(ch) for ch in word)


# The classification word that opens a banner, in every spelling seen.
BANNER_CLASSIFICATION = (
    r"(?:"
    + "|".join(
        [
            rf"{_spaced('TOP')}[ ]+{_spaced('SECRET')}",
            _spaced("CONFIDENTIAL"),
            _spaced("SECRET"),
            r"LIMITED[ ]+OFFICIAL[ ]+USE",
            r"UNCLASSIFIED",
            r"UNCLAS",
            r"UNCLASS",
        ]
    )
    + r")(?![A-Z])"
)

BANNER_LINE = re.compile(rf"^[ \t]*(?P<cls>{BANNER_CLASSIFICATION})(?P<rest>[^\n]*)$", re.MULTILINE)
BANNER_LINES = LinePattern(BANNER_LINE, first="[CSTLU]")

# A paragraph start: "1. (C)", "¶2. (S//NF)", "12) (SBU)", "3.  Text".
PARAGRAPH_START = re.compile(
    r"^[ \t]*(?:¶|\xb6|\?)?[ \t]*(?P<num>\d{1,3})[ \t]*[.)](?:[ \t]+|(?=\())"
    r"(?:\((?P<mark>[A-Z]{1,4}(?:[ ]?//?[ ]?[A-Z]{1,8})*)\)[ \t]*)?",
    re.MULTILINE,
)
PARAGRAPH_LINES = LinePattern(PARAGRAPH_START, first="[\\d¶?]")

MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
MONTH_NAMES = (
    r"(?:JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)"
)

# Date-time group: "O 131503Z MAR 08", "P R 281848Z DEC 66", "R 162245Z OCT 08".
DTG = re.compile(
    r"(?<![A-Z0-9])(?P<day>[0-3]\d)(?P<hour>[0-2]\d)(?P<minute>[0-5]\d)Z[ \t]+"
    r"(?P<month>JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[ \t]+(?P<year>\d{2}|\d{4})\b"
)
