"""A cable as rows of the database: from its entry (what the archive shows) and its text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from generator.archive import Entry
from generator.database.schema import slot_of
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
    tags: tuple[str, ...]
    summary: str | None
    url: str
    partial: int
    source: str
    # Not columns of ``cables``: the references (cited ids) and the indexed text.
    references: tuple[str, ...]
    text: str
    # What the rows are made from (see entry_digest): the same digest, the same rows.
    digest: bytes
    # Where the parse cache holds the cable, when it does (see schema.SIDE_TABLES).
    text_ref: TextRef | None = None

    @property
    def year(self) -> int | None:
        return int(self.created[:4]) if self.created else None

    @property
    def slot(self) -> int:
        """Where in its minute the cable would like to be (see schema.cable_number)."""
        return slot_of(self.key)

    @property
    def tags_column(self) -> str:
        return tags_column(self.tags)

    def columns(self) -> tuple[object, ...]:
        """The values of the ``cables`` columns after ``n`` (named: dataclasses.astuple
        deep-copies every field, a fifth of the time of inserting a cable)."""
        return (
            self.id, self.key, self.created, self.released, self.origin, self.classification,
            self.subject, self.title, self.tags_column, self.summary, self.url, self.partial,
            self.source,
        )  # fmt: skip

    def indexed(self) -> IndexedValues:
        """The values of its full-text index entry: subject, summary, text."""
        return (self.subject, self.summary or "", self.text)  # (as indexed_values)


# A cable's values apart from its text (see entry_values): plain values, so
# that they can be marshalled. In order: id, key, created, released, origin,
# classification, title, tags, the page's URL, partial, source, references,
# and the digest of the rows (see completed).
EntryValues = tuple[
    str, str, str | None, str | None, str, str, str, tuple[str, ...], str, int, str,
    tuple[str, ...], bytes,
]  # fmt: skip
# What a cable's rows take from its entry, as the entry gives it (see
# plain_values): the same but the variant in place of the URL, and the parsed
# text's digest in place of the rows'.
PlainValues = tuple[
    str, str, str | None, str | None, str, str, str, tuple[str, ...], str, int, str,
    tuple[str, ...], str,
]  # fmt: skip


def entry_values(entry: Entry) -> EntryValues:
    """What the rows of the cable shown by `entry` take from the entry (all but its text)."""
    return completed(plain_values(entry))


def plain_values(entry: Entry) -> PlainValues:
    """The entry's values the rows are made of (and the text's digest): what the
    build process sends the database process, which works out the rest (`completed`)
    where a core is free, not in the build process's serial steps."""
    return (
        entry.id,
        entry.key,
        entry.created.isoformat() if entry.created else None,
        entry.released.isoformat() if entry.released else None,
        entry.origin,
        entry.classification,
        entry.title,
        tuple(entry.tags),
        entry.variant,
        int(entry.partial),
        entry.source,
        tuple(entry.references),
        entry.cable_digest,
    )


def completed(values: PlainValues) -> EntryValues:
    """The entry values of `plain_values`: its page's URL in place of the variant, and
    the digest of them all in place of the text's."""
    (id_, key, created, released, origin, classification, title, tags, variant, partial,
     source, references, _) = values  # fmt: skip
    url = Urls.cable(id_, datetime.fromisoformat(created) if created else None, variant)
    return (id_, key, created, released, origin, classification, title, tags, url, partial,
            source, references, values_digest(values))  # fmt: skip


def row_of(entry: Entry, cable: Cable) -> CableRow:
    """The rows of the cable shown by `entry` (`cable` is its parsed text)."""
    return row_from(entry_values(entry), cable_text(cable))


# What the index takes from a cable's parsed text: its subject, summary and text.
CableText = tuple[str, str | None, str]
# The values of a cable's full-text index entry, as the index was given them.
IndexedValues = tuple[str, str, str]
# Where the parse cache keeps a cable: (pack, offset, length), the engine's BlobRef.
TextRef = tuple[str, int, int]


def indexed_values(text: CableText) -> IndexedValues:
    """The index entry's values of a cable's text (`CableRow.indexed`)."""
    return (text[0], text[1] or "", text[2])


def cable_text(cable: Cable) -> CableText:
    return (cable.subject, cable.summary, cable.body)


def row_from(values: EntryValues, text: CableText, text_ref: TextRef | None = None) -> CableRow:
    """The rows of a cable from its entry's values and its parsed text's (which the
    parse cache holds at `text_ref`, when it does)."""
    (id_, key, created, released, origin, classification, title, tags, url, partial,
     source, references, digest) = values  # fmt: skip
    return CableRow(
        id=id_,
        key=key,
        created=created,
        released=released,
        origin=origin,
        classification=classification,
        subject=text[0],
        title=title,
        tags=tags,
        summary=text[1],
        url=url,
        partial=partial,
        source=source,
        references=references,
        text=text[2],
        digest=digest,
        text_ref=text_ref,
    )


def tags_column(tags: tuple[str, ...]) -> str:
    """The tags as the ``tags`` columns hold them: a JSON array, as sqlite-utils and
    Datasette read a list (their facets count its items). Not a space-separated
    string: a tag may have spaces (``HUMAN RIGHTS``, ``STEINBERG, JAMES B.``)."""
    return json.dumps(list(tags), ensure_ascii=False)


def entry_digest(entry: Entry) -> bytes:
    """The digest a cable's rows are recorded with: of the entry's values they are made
    from (its parsed text's digest stands for the text), so a build knows which rows
    are stale from the entries alone, without the text."""
    return values_digest(plain_values(entry))


def values_digest(values: PlainValues) -> bytes:
    # (repr: plain strings, numbers, None and tuples of them, one way only)
    return raw_digest(repr(values).encode("utf-8", "surrogatepass"))
