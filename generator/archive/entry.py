"""What the archive needs from one cable, as a plain tuple: a :class:`CableRecord`.

A record is made where the cable is parsed (in a worker process), travels
back to the build as a tuple of plain values, and is kept in the build
state, so that a rebuild makes the archive of 251,000 cables without
parsing one of them again. It holds metadata only, never the text: the
text's place is the parse cache (:mod:`generator.engine.parsecache`).

Two digests go with it:

* `text_digest` — the text with whitespace and case ignored, which tells
  identical copies of a cable from differing cables sharing an id;
* `cable_digest` — everything the parser made of the cable (the pickled
  :class:`Cable`), which is what a cable page shows: the page is rendered
  again exactly when this, or something else it shows, changed.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from generator.model import Cable
from generator.reference.stations import origin_name
from generator.site.urls import slugify

# One pickle protocol for digests and the parse cache alike, so that a digest
# does not change with the default protocol of a new Python.
PICKLE_PROTOCOL = 5


class CableRecord(NamedTuple):
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
    raw_id: str | None
    partial: bool
    text_digest: str
    cable_digest: str


def record_of(
    cable: Cable, title_case: Callable[[str], str] = str, pickled: bytes | None = None
) -> CableRecord:
    """The record of a parsed cable; `title_case` makes the display title of its subject.

    `pickled` is the cable already pickled (as the parse cache stores it), to
    take the digest from instead of pickling it again.
    """
    origin = cable.origin or (origin_name(cable.station) if cable.station else "Unknown origin")
    classification = cable.classification or "UNKNOWN"
    return CableRecord(
        id=cable.id,
        title=title_case(cable.subject) if cable.subject.strip() else cable.id,
        created=cable.created,
        released=cable.released,
        origin=sys.intern(origin),
        origin_slug=sys.intern(slugify(origin)),
        classification=sys.intern(classification),
        classification_slug=sys.intern(slugify(cable.classification or "unknown")),
        tags=tuple(dict.fromkeys(sys.intern(tag) for tag in cable.tags if tag)),
        references=tuple(ref for ref in cable.reference_ids if ref != cable.id),
        raw_id=cable.raw_id if cable.raw_id and cable.raw_id != cable.id else None,
        partial=cable.partial,
        text_digest=text_digest(cable),
        cable_digest=digest(pickled) if pickled is not None else cable_digest(cable),
    )


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
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cable_digest(cable: Cable) -> str:
    """A fingerprint of everything parsed from the cable (and so of its page's text)."""
    return digest(pickle.dumps(cable, protocol=PICKLE_PROTOCOL))


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# --- to and from the build state, which stores plain values only (marshal) ---------


def record_to_plain(record: CableRecord) -> tuple:  # type: ignore[type-arg]
    created = record.created.isoformat() if record.created is not None else None
    released = record.released.isoformat() if record.released is not None else None
    return (*record[:2], created, released, *record[4:])


def record_from_plain(values: tuple) -> CableRecord:  # type: ignore[type-arg]
    created = datetime.fromisoformat(values[2]) if values[2] is not None else None
    released = date.fromisoformat(values[3]) if values[3] is not None else None
    return CableRecord(
        values[0],
        values[1],
        created,
        released,
        sys.intern(values[4]),
        sys.intern(values[5]),
        sys.intern(values[6]),
        sys.intern(values[7]),
        tuple(sys.intern(tag) for tag in values[8]),
        tuple(values[9]),
        values[10],
        values[11],
        values[12],
        values[13],
    )
