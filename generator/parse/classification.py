"""Classification as WikiLeaks writes it, from a banner and its captions.

A telegram says "C O N F I D E N T I A L" in its banner and "NOFORN" on a
caption line below it; the archive shows "CONFIDENTIAL//NOFORN".
"""

from __future__ import annotations

import re

_LEVELS = [
    (re.compile(r"^TOP\s*SECRET$"), "TOP SECRET"),
    (re.compile(r"^SECRET$"), "SECRET"),
    (re.compile(r"^CONFIDENTIAL$"), "CONFIDENTIAL"),
    (re.compile(r"^LIMITED\s*OFFICIAL\s*USE$"), "LIMITED OFFICIAL USE"),
    (re.compile(r"^UNCLAS(?:S|SIFIED)?$"), "UNCLASSIFIED"),
]
_NOFORN = re.compile(r"\bNOFORN\b|//NF\b|\bNOT\s+RELEASABLE\s+TO\s+FOREIGN\s+NATIONALS\b")
_FOUO = re.compile(r"\bSENSITIVE\b|\bFOR\s+OFFICIAL\s+USE\s+ONLY\b|\bFOUO\b|\bSBU\b")

_LETTER_SPACING = re.compile(r"(?<=\b\w) (?=\w\b)")

KNOWN = (
    "UNCLASSIFIED",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "LIMITED OFFICIAL USE",
    "CONFIDENTIAL",
    "CONFIDENTIAL//NOFORN",
    "SECRET",
    "SECRET//NOFORN",
    "TOP SECRET",
    "TOP SECRET//NOFORN",
)


def level_of(banner_word: str) -> str | None:
    """ "C O N F I D E N T I A L" -> "CONFIDENTIAL"; None for anything else."""
    word = _LETTER_SPACING.sub("", banner_word.strip().upper())
    word = " ".join(word.split())
    for pattern, level in _LEVELS:
        if pattern.match(word):
            return level
    return None


def classification_from(banner_word: str, captions: str) -> str:
    """The WikiLeaks classification for a banner word and the caption lines under it."""
    level = level_of(banner_word)
    if level is None:
        return ""
    captions = captions.upper()
    if level == "UNCLASSIFIED":
        return "UNCLASSIFIED//FOR OFFICIAL USE ONLY" if _FOUO.search(captions) else level
    if level in {"CONFIDENTIAL", "SECRET", "TOP SECRET"} and _NOFORN.search(captions):
        return f"{level}//NOFORN"
    return level


def normalise_classification(raw: str) -> str:
    """A classification as some source wrote it, in the WikiLeaks form."""
    text = " ".join(str(raw).upper().split())
    if not text:
        return ""
    if text in KNOWN:
        return text
    base = text.partition("//")[0]
    level = level_of(base) or level_of(base.split()[0] if base.split() else "")
    if level is None:
        return text
    return classification_from(level, text)
