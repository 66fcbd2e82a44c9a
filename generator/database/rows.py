"""A cable as rows of the database: from its entry (what the archive shows) and its text."""

from __future__ import annotations

import operator
import zlib
from dataclasses import dataclass

from generator.archive import Entry
from generator.digests import raw_digest
from generator.model import Cable
from generator.urls import Urls


@dataclass(frozen=True, slots=True)
class CableRow:
    """The values of one cable's rows, in the order of the ``cables`` table (less ``n``)."""

    id: str
    key: str
    created: str | None
    released: str | None
    origin: str
    classification: str
    subject: str
    title: str
    tags: str
    summary: str | None
    url: str
    partial: int
    source: str
    # Not columns of ``cables``: the references (cited ids) and the indexed text.
    references: tuple[str, ...]
    text: str
    # What the rows are made from (see entry_digest): the same digest, the same rows.
    digest: bytes

    @property
    def year(self) -> int | None:
        return int(self.created[:4]) if self.created else None

    @property
    def slot(self) -> int:
        """Where in its minute the cable would like to be (see schema.cable_number)."""
        return zlib.crc32(self.key.encode())

    def columns(self) -> tuple[object, ...]:
        """The values of the ``cables`` columns after ``n`` (named: dataclasses.astuple
        deep-copies every field, a fifth of the time of inserting a cable)."""
        return (
            self.id, self.key, self.created, self.released, self.origin, self.classification,
            self.subject, self.title, self.tags, self.summary, self.url, self.partial, self.source,
        )  # fmt: skip

    def indexed(self) -> tuple[str, str, str]:
        """The values of its full-text index entry: subject, summary, text."""
        return (self.subject, self.summary or "", self.text)


def row_of(entry: Entry, cable: Cable) -> CableRow:
    """The rows of the cable shown by `entry` (`cable` is its parsed text)."""
    return CableRow(
        id=entry.id,
        key=entry.key,
        created=entry.created.isoformat() if entry.created else None,
        released=entry.released.isoformat() if entry.released else None,
        origin=entry.origin,
        classification=entry.classification,
        subject=cable.subject,
        title=entry.title,
        tags=" ".join(entry.tags),
        summary=cable.summary,
        url=Urls.entry(entry),
        partial=int(entry.partial),
        source=entry.source,
        references=entry.references,
        text=cable.body,
        digest=entry_digest(entry),
    )


# The entry's fields a cable's rows are made of; its parsed text's digest stands for the text.
_MADE_OF = operator.attrgetter(
    "key", "id", "title", "created", "released", "origin", "classification", "tags",
    "references", "source", "partial", "variant", "cable_digest",
)  # fmt: skip


def entry_digest(entry: Entry) -> bytes:
    """The digest a cable's rows are recorded with: of the entry they are made from,
    so a build knows which rows are stale from the entries alone, without the text."""
    return raw_digest(repr(_MADE_OF(entry)).encode())
