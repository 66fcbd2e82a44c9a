"""A cable in the archive: :class:`Entry`, the one record of it every stage shares.

An entry is what the archive knows of one cable page: its ids, dates,
title, origin, classification, tags, references, where the cable came from
(file and position), and two digests of its text. It never holds the text
itself: 251,287 entries fit in memory, 1.7 GB of text would not; a page
that shows the text reads the cable from the parse cache.

This module is the one place that decides what a cable *shows* as an
entry: its title (the subject, title-cased; the id when there is none),
its origin (the source's, else the station's name, else "Unknown
origin"), its classification ("UNKNOWN" when none), the slugs of both,
its tags without repeats and its references without itself. The parse
workers call :func:`entry_of`; the build state keeps each entry as plain
values (:func:`to_plain`, :func:`from_plain`) so that a rebuild makes the
archive of 251,000 cables without parsing one of them again.

Every field has a :class:`Role`, which says what a change to it costs an
incremental build (``FIELD_ROLES``; ``tests/archive/test_entry.py`` checks
that every field has one, so a new field cannot slip past invalidation):

* ``PLACE`` — where the entry is: its page key, its file and position,
  its variant suffix. Set by the archive's assembly, not by the cable.
* ``STRUCTURE`` — what places the cable in the archive (its id, date,
  origin, classification, tags, references, malformed source id): a change
  moves it between pages, so only the full pass can rebuild it.
* ``SHOWN`` — what other pages show of it without it moving (title,
  release date, whether it is a partial extract): a change re-renders the
  pages that show it.
* ``TEXT`` — the digests of its text. ``text_digest`` (layout and case
  ignored) tells identical copies from differing cables that share an id:
  structural for an id that several files hold. ``cable_digest`` (all that
  was parsed) is what the cable's own page shows.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from generator.digests import hex_digest
from generator.model import Cable
from generator.parse import title_case
from generator.reference.stations import origin_name
from generator.urls import slugify

# One pickle protocol for digests and the parse cache alike, so that a digest
# does not change with the default protocol of a new Python.
PICKLE_PROTOCOL = 5

UNKNOWN_ORIGIN = "Unknown origin"
UNKNOWN_CLASSIFICATION = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Entry:
    """One cable page's metadata: everything other pages need to link to it.

    `key` is the page id: the canonical id, or ``ID_a`` for a variant of a
    duplicated id (then `variant` is ``"a"``). `source` and `ordinal` find
    the cable again (the file, the position in the file) when its page is
    rendered.
    """

    key: str
    id: str
    title: str
    created: datetime | None
    released: date | None
    origin: str
    origin_slug: str
    classification: str
    classification_slug: str
    tags: tuple[str, ...]
    references: tuple[str, ...]
    source: str
    ordinal: int
    raw_id: str | None = None
    partial: bool = False
    variant: str = ""
    text_digest: str = ""
    cable_digest: str = ""


class Role(Enum):
    PLACE = "place"
    STRUCTURE = "structure"
    SHOWN = "shown"
    TEXT = "text"


FIELD_ROLES: dict[str, Role] = {
    "key": Role.PLACE,
    "id": Role.STRUCTURE,
    "title": Role.SHOWN,
    "created": Role.STRUCTURE,
    "released": Role.SHOWN,
    "origin": Role.STRUCTURE,  # a facet's name is its most frequent spelling
    "origin_slug": Role.STRUCTURE,
    "classification": Role.STRUCTURE,
    "classification_slug": Role.STRUCTURE,
    "tags": Role.STRUCTURE,
    "references": Role.STRUCTURE,
    "source": Role.PLACE,
    "ordinal": Role.PLACE,
    "raw_id": Role.STRUCTURE,  # a malformed source id gets a redirect page
    "partial": Role.SHOWN,
    "variant": Role.PLACE,
    "text_digest": Role.TEXT,
    "cable_digest": Role.TEXT,
}

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Entry))
STRUCTURE = tuple(name for name in FIELDS if FIELD_ROLES.get(name) is Role.STRUCTURE)
SHOWN = tuple(name for name in FIELDS if FIELD_ROLES.get(name) is Role.SHOWN)
# What a page that links to an entry shows of it: everything but its text's digests.
LINKED = tuple(name for name in FIELDS if FIELD_ROLES.get(name) is not Role.TEXT)
# The fields a cable gives (the others are set when the archive is assembled).
_FROM_CABLE = tuple(name for name in FIELDS if name not in ("key", "source", "ordinal", "variant"))


def entry_of(
    cable: Cable, *, source: str = "", ordinal: int = 0, pickled: bytes | None = None
) -> Entry:
    """The entry of a parsed cable, at `ordinal` in the file `source`.

    `pickled` is the cable already pickled (as the parse cache stores it),
    to take its digest from instead of pickling it again.
    """
    return _entry(_values(cable, pickled), source, ordinal)


def plain_entry_of(cable: Cable, pickled: bytes | None = None) -> tuple[Any, ...]:
    """:func:`to_plain` of the cable's entry, without making the entry (a parse worker's)."""
    values = list(_values(cable, pickled))
    _dates_to_plain(values)
    return tuple(values)


def _values(cable: Cable, pickled: bytes | None) -> tuple[Any, ...]:
    """The fields a cable gives, in the order of ``_FROM_CABLE``."""
    origin = cable.origin or (origin_name(cable.station) if cable.station else UNKNOWN_ORIGIN)
    classification = cable.classification or UNKNOWN_CLASSIFICATION
    return (
        cable.id,
        title_case(cable.subject) if cable.subject.strip() else cable.id,
        cable.created,
        cable.released,
        sys.intern(origin),
        sys.intern(slugify(origin)),
        sys.intern(classification),
        sys.intern(slugify(cable.classification or "unknown")),
        tuple(dict.fromkeys(sys.intern(tag) for tag in cable.tags if tag)),
        tuple(ref for ref in cable.reference_ids if ref != cable.id),
        cable.raw_id if cable.raw_id and cable.raw_id != cable.id else None,
        cable.partial,
        text_digest(cable),
        hex_digest(pickled if pickled is not None else pickle_cable(cable)),
    )


def pickle_cable(cable: Cable) -> bytes:
    return pickle.dumps(cable, protocol=PICKLE_PROTOCOL)


# The ASCII characters that are str.isspace(), hence what str.split() drops.
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def text_digest(cable: Cable) -> str:
    """A fingerprint of the cable's text that ignores layout (whitespace, case)."""
    text = cable.body or cable.header
    if text.isascii():
        # The same bytes as below, in two C passes over bytes instead of a
        # string per word: 34 -> 15 µs a synthetic cable (digest included).
        # For ASCII text, casefold() is lower(), and the whitespace
        # str.split() drops is exactly _ASCII_SPACE.
        data = text.encode("ascii").translate(None, _ASCII_SPACE).lower()
    else:
        # str.split() drops exactly the characters `\s` matches (both are
        # str.isspace), in one C pass instead of a regex substitution.
        # surrogatepass: a lone surrogate (no parser makes one, a custom
        # reader might) is digested, not an error in the middle of a build.
        data = "".join(text.split()).casefold().encode("utf-8", "surrogatepass")
    return hex_digest(data)


# --- to and from the build state, which stores plain values only (marshal) ---------
#
# What the cable gave, in FIELDS order without the four the assembly sets;
# dates as ISO strings (marshal knows no datetimes).

_CREATED = _FROM_CABLE.index("created")
_RELEASED = _FROM_CABLE.index("released")


def to_plain(entry: Entry) -> tuple[Any, ...]:
    values = [getattr(entry, name) for name in _FROM_CABLE]
    _dates_to_plain(values)
    return tuple(values)


def _dates_to_plain(values: list[Any]) -> None:
    created, released = values[_CREATED], values[_RELEASED]
    values[_CREATED] = created.isoformat() if created is not None else None
    values[_RELEASED] = released.isoformat() if released is not None else None


def from_plain(values: tuple[Any, ...], source: str, ordinal: int) -> Entry:
    values = list(values)
    created, released = values[_CREATED], values[_RELEASED]
    values[_CREATED] = datetime.fromisoformat(created) if created is not None else None
    values[_RELEASED] = date.fromisoformat(released) if released is not None else None
    return _entry(values, source, ordinal)


def _entry(values: Sequence[Any], source: str, ordinal: int) -> Entry:
    """An entry of the values ``_FROM_CABLE`` names (strings interned: the archive
    holds 251,000 of each origin, classification and tag)."""
    (
        cable_id,
        title,
        created,
        released,
        origin,
        origin_slug,
        classification,
        classification_slug,
        tags,
        references,
        raw_id,
        partial,
        text,
        cable,
    ) = values
    return Entry(
        key=cable_id,
        id=cable_id,
        title=title,
        created=created,
        released=released,
        origin=sys.intern(origin),
        origin_slug=sys.intern(origin_slug),
        classification=sys.intern(classification),
        classification_slug=sys.intern(classification_slug),
        tags=tuple(sys.intern(tag) for tag in tags),
        references=tuple(references),
        source=source,
        ordinal=ordinal,
        raw_id=raw_id,
        partial=partial,
        text_digest=text,
        cable_digest=cable,
    )
