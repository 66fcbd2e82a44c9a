"""The corpus as a whole: ids, duplicates, references both ways, facets.

The archive is the only global step of a build, so it holds metadata only
(an :class:`Entry` per cable page: ids, dates, title, tags, references, where
the cable came from), never bodies: 251,287 entries fit in memory, 1.7 GB of
text would not. Pages that need a body re-read the cable from its source.

Duplicates are handled the PlusD way. Files that share a canonical id and
hold the same text (compared with all whitespace removed and case folded, so
a JSON export that lost its newlines still matches) make one page; the
diagnostics list the copies. Files that share an id but differ are all
kept, as ``ID_a``, ``ID_b``, … in source order (source path, then position
in the file), with a page at ``ID`` listing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from generator.archive.entry import CableRecord, record_of, text_digest
from generator.model import Cable

__all__ = ["Archive", "ArchiveBuilder", "Copy", "Entry", "Facet", "Variants", "text_digest"]

UNDATED = datetime.min


@dataclass(frozen=True, slots=True)
class Entry:
    """One cable page's metadata: everything other pages need to link to it.

    `key` is the page id (the canonical id, or ``ID_a`` for a variant of a
    duplicated id); `source`/`ordinal` locate the cable again (file, position
    in the file) when its page is rendered.
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


class Copy(NamedTuple):
    """A file whose cable was the same as one already in the archive."""

    id: str
    kept: str
    copy: str


class Variants(NamedTuple):
    """A canonical id held by several differing cables (``ID_a``, ``ID_b``…)."""

    id: str
    keys: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(slots=True)
class Facet:
    """One tag, origin, month or classification and its cables, newest first."""

    slug: str
    name: str
    keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Archive:
    entries: dict[str, Entry]
    variants: dict[str, Variants]
    copies: list[Copy]
    cited_by: dict[str, list[str]]
    missing: dict[str, list[str]]
    tags: dict[str, Facet]
    origins: dict[str, Facet]
    months: dict[tuple[int, int], Facet]
    classifications: dict[str, Facet]
    redirects: dict[str, str]
    neighbours: dict[str, tuple[str | None, str | None]]
    copied: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, cable_id: str) -> Entry | None:
        """The page for a canonical id; None for a duplicated or unknown id."""
        return self.entries.get(cable_id)

    def has(self, cable_id: str) -> bool:
        return cable_id in self.entries or cable_id in self.variants

    def newest(self, count: int) -> list[Entry]:
        ordered = sorted(self.entries.values(), key=_newest_first)
        return ordered[:count]

    def keys_citing(self, cable_id: str) -> list[str]:
        return self.cited_by.get(cable_id, [])

    def copies_of(self, cable_id: str) -> list[str]:
        """The files holding an identical copy of the cable with this id."""
        return self.copied.get(cable_id, [])


class _Record(NamedTuple):
    entry: Entry
    digest: str


class ArchiveBuilder:
    """Collects cables one by one (as they are parsed), then builds the Archive."""

    def __init__(self, title_case: Callable[[str], str] = str) -> None:
        self._title_case = title_case
        self._records: dict[str, list[_Record]] = defaultdict(list)

    def add(self, cable: Cable, *, source: str, ordinal: int) -> None:
        self.add_record(record_of(cable, self._title_case), source=source, ordinal=ordinal)

    def add_record(self, record: CableRecord, *, source: str, ordinal: int) -> None:
        """Add a cable by its record (what a build keeps of it between runs)."""
        entry = Entry(
            key=record.id,
            id=record.id,
            title=record.title,
            created=record.created,
            released=record.released,
            origin=record.origin,
            origin_slug=record.origin_slug,
            classification=record.classification,
            classification_slug=record.classification_slug,
            tags=record.tags,
            references=record.references,
            source=source,
            ordinal=ordinal,
            raw_id=record.raw_id,
            partial=record.partial,
        )
        self._records[record.id].append(_Record(entry, record.text_digest))

    def build(self) -> Archive:
        entries: dict[str, Entry] = {}
        variants: dict[str, Variants] = {}
        copies: list[Copy] = []
        for cable_id in sorted(self._records):
            kept, dropped = _dedupe(self._records[cable_id])
            copies.extend(Copy(cable_id, kept_for(kept, r), r.entry.source) for r in dropped)
            if len(kept) == 1:
                entries[cable_id] = kept[0].entry
                continue
            suffixes = variant_suffixes(len(kept))
            keys = tuple(f"{cable_id}_{suffix}" for suffix in suffixes)
            for key, suffix, record in zip(keys, suffixes, kept, strict=True):
                entries[key] = _as_variant(record.entry, key, suffix)
            variants[cable_id] = Variants(cable_id, keys, tuple(r.entry.source for r in kept))
        self._records.clear()
        return _link(entries, variants, copies)


def variant_suffixes(count: int) -> list[str]:
    """a, b, … z, then aa, ab, … so any number of variants gets a distinct suffix."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for index in range(count):
        suffix = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            suffix = letters[rest] + suffix
        out.append(suffix)
    return out


def kept_for(kept: list[_Record], copy: _Record) -> str:
    return next(r.entry.source for r in kept if r.digest == copy.digest)


def _dedupe(records: list[_Record]) -> tuple[list[_Record], list[_Record]]:
    ordered = sorted(records, key=lambda r: (r.entry.source, r.entry.ordinal))
    kept: list[_Record] = []
    dropped: list[_Record] = []
    seen: set[str] = set()
    for record in ordered:
        (dropped if record.digest in seen else kept).append(record)
        seen.add(record.digest)
    return kept, dropped


def _as_variant(entry: Entry, key: str, variant: str) -> Entry:
    fields = {name: getattr(entry, name) for name in Entry.__slots__}
    return Entry(**{**fields, "key": key, "variant": variant})


def _newest_first(entry: Entry) -> tuple[int, datetime, str]:
    # Undated cables sort last; ties broken by key so the order is deterministic.
    if entry.created is None:
        return (1, datetime.max, entry.key)
    created = entry.created.replace(tzinfo=None)
    return (0, datetime.max - (created - UNDATED), entry.key)


def _link(entries: dict[str, Entry], variants: dict[str, Variants], copies: list[Copy]) -> Archive:
    newest = sorted(entries.values(), key=_newest_first)
    cited_by: dict[str, list[str]] = defaultdict(list)
    missing: dict[str, list[str]] = defaultdict(list)
    for entry in newest:
        for ref in entry.references:
            target = cited_by if ref in entries or ref in variants else missing
            target[ref].append(entry.key)
    archive = Archive(
        entries=dict(sorted(entries.items())),
        variants=variants,
        copies=copies,
        cited_by=dict(cited_by),
        missing=dict(missing),
        tags=_facets(newest, lambda e: [(t, t) for t in e.tags]),
        origins=_facets(newest, lambda e: [(e.origin_slug, e.origin)]),
        months=_facets(newest, _month_of),
        classifications=_facets(newest, lambda e: [(e.classification_slug, e.classification)]),
        redirects=_redirects(newest, entries),
        neighbours={},
    )
    archive.neighbours = _neighbours(archive)
    for copy in copies:
        archive.copied.setdefault(copy.id, []).append(copy.copy)
    return archive


def _month_of(entry: Entry) -> list[tuple[tuple[int, int], str]]:
    if entry.created is None:
        return []
    return [((entry.created.year, entry.created.month), entry.created.strftime("%B %Y"))]


def _facets(newest: Iterable[Entry], members) -> dict:  # type: ignore[no-untyped-def]
    """Group entries (already newest first) by the facet values `members` gives."""
    facets: dict = {}
    names: dict = defaultdict(lambda: defaultdict(int))
    for entry in newest:
        for slug, name in members(entry):
            facets.setdefault(slug, Facet(slug=str(slug), name=name)).keys.append(entry.key)
            names[slug][name] += 1
    for slug, facet in facets.items():
        # Several spellings can share a slug; show the most frequent one.
        facet.name = min(names[slug].items(), key=lambda item: (-item[1], item[0]))[0]
    return dict(sorted(facets.items()))


def _redirects(newest: Iterable[Entry], entries: dict[str, Entry]) -> dict[str, str]:
    """Malformed source ids (``7575LIBREVILLE1895``) → the key of the page they now have."""
    redirects: dict[str, str] = {}
    for entry in newest:
        if entry.raw_id and entry.raw_id not in entries:
            redirects.setdefault(entry.raw_id, entry.key)
    return dict(sorted(redirects.items()))


def _neighbours(archive: Archive) -> dict[str, tuple[str | None, str | None]]:
    """The same origin's previous and next cable by date, for each entry."""
    result: dict[str, tuple[str | None, str | None]] = {}
    for facet in archive.origins.values():
        dated = [k for k in reversed(facet.keys) if archive.entries[k].created]
        for index, key in enumerate(dated):
            before = dated[index - 1] if index else None
            after = dated[index + 1] if index + 1 < len(dated) else None
            result[key] = (before, after)
    return result
