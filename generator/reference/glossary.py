"""What a cable's TAGS mean: "PREL" is "External political relations".

TAGS (Traffic Analysis by Geography and Subject) are the State Department's
filing codes. ``data/tags.tsv`` (columns ``tag``, ``kind``, ``meaning``) holds
four kinds: subject tags (PREL, KDEM, ...), country and territory tags in the
FIPS 10-4 style the Department uses (CA Canada, TU Turkey, IZ Iraq, ...),
organization tags (NATO, EUN, IAEA, ...) and regional tags (XA Africa, ...).

Some non-standard forms that posts really used (TIP beside KTIP, RU beside RS)
are listed with a meaning that says so; plain typos (KEDEM for KDEM) and
free-text keywords ("Sunni Arab") are not, and get no meaning.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache

from generator.reference.data import data_text

KINDS = frozenset({"subject", "country", "organization", "region"})


@dataclass(frozen=True, slots=True)
class TagInfo:
    tag: str
    kind: str  # one of KINDS
    meaning: str


@cache
def glossary() -> dict[str, TagInfo]:
    """Every tag of data/tags.tsv, loaded once."""
    table: dict[str, TagInfo] = {}
    rows = csv.DictReader(
        io.StringIO(data_text("tags.tsv")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    for row in rows:
        info = TagInfo(row["tag"], row["kind"], row["meaning"])
        # The file ships with the package, so a bad row is a bug to fail on, not to skip.
        if info.tag in table:
            raise ValueError(f"data/tags.tsv: tag {info.tag} listed twice")
        if info.kind not in KINDS:
            raise ValueError(f"data/tags.tsv: tag {info.tag} has unknown kind {info.kind!r}")
        table[info.tag] = info
    return table


def _lookup(tag: str) -> TagInfo | None:
    return glossary().get(tag.strip().upper())


def tag_meaning(tag: str) -> str | None:
    """What ``tag`` stands for ("PREL" -> "External political relations"), or None."""
    info = _lookup(tag)
    return info.meaning if info else None


def tag_kind(tag: str) -> str | None:
    """The tag's kind: subject, country, organization or region; None if unknown."""
    info = _lookup(tag)
    return info.kind if info else None


@cache
def known_tags() -> frozenset[str]:
    """Every tag the glossary explains (one set, made once: the parser asks per word)."""
    return frozenset(glossary())
