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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import NamedTuple, cast

from generator.archive.entry import Entry
from generator.model import Problem


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
        return _newest_first(self.entries.values())[:count]

    def keys_citing(self, cable_id: str) -> list[str]:
        return self.cited_by.get(cable_id, [])

    def copies_of(self, cable_id: str) -> list[str]:
        """The files holding an identical copy of the cable with this id."""
        return self.copied.get(cable_id, [])

    def totals(self) -> dict[str, int]:
        """The corpus-wide counts some pages show."""
        return {
            "cables": len(self.entries),
            "tags": len(self.tags),
            "origins": len(self.origins),
            "months": len(self.months),
            "missing": len(self.missing),
        }

    def date_span(self) -> tuple[datetime | None, datetime | None]:
        """The first and last creation time in the archive."""
        dated = [e.created for e in self.entries.values() if e.created]
        return (min(dated), max(dated)) if dated else (None, None)


class ArchiveBuilder:
    """Collects entries one by one (in source order), then builds the Archive."""

    def __init__(self) -> None:
        self._entries: dict[str, list[Entry]] = defaultdict(list)

    def add(self, entry: Entry) -> None:
        self._entries[entry.id].append(entry)

    def build(self) -> Archive:
        entries: dict[str, Entry] = {}
        variants: dict[str, Variants] = {}
        copies: list[Copy] = []
        for cable_id in sorted(self._entries):
            kept, dropped = _dedupe(self._entries[cable_id])
            copies.extend(Copy(cable_id, kept_for(kept, e), e.source) for e in dropped)
            if len(kept) == 1:
                entries[cable_id] = kept[0]
                continue
            suffixes = variant_suffixes(len(kept))
            keys = tuple(f"{cable_id}_{suffix}" for suffix in suffixes)
            for key, suffix, entry in zip(keys, suffixes, kept, strict=True):
                entries[key] = replace(entry, key=key, variant=suffix)
            variants[cable_id] = Variants(cable_id, keys, tuple(e.source for e in kept))
        self._entries.clear()
        return _link(entries, variants, copies)


def assemble(entries: Iterable[Entry]) -> tuple[Archive, list[Problem]]:
    """The archive of every cable's entry, and a problem for each id that differing
    cables share (they are all kept, as ``ID_a``, ``ID_b``…)."""
    builder = ArchiveBuilder()
    for entry in entries:
        builder.add(entry)
    archive = builder.build()
    return archive, variant_problems(archive)


def variant_problems(archive: Archive) -> list[Problem]:
    """A problem for each id that differing cables share (all kept, as ``ID_a``…)."""
    problems = []
    for variants in archive.variants.values():
        names = ", ".join(dict.fromkeys(variants.sources))
        keys = ", ".join(variants.keys)
        message = f"{variants.id} differs between {names}: kept as {keys}"
        problems.append(Problem(variants.sources[0], None, message))
    return problems


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


def kept_for(kept: list[Entry], copy: Entry) -> str:
    return next(e.source for e in kept if e.text_digest == copy.text_digest)


def _dedupe(entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    ordered = sorted(entries, key=lambda e: (e.source, e.ordinal))
    kept: list[Entry] = []
    dropped: list[Entry] = []
    seen: set[str] = set()
    for entry in ordered:
        (dropped if entry.text_digest in seen else kept).append(entry)
        seen.add(entry.text_digest)
    return kept, dropped


def _newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first, undated cables last, ties in key order (so the order is deterministic).

    Two sorts on one attribute each, in C, rather than one on a tuple made
    for each entry: by key, then by date with ``reverse=True``, which keeps
    the key order of equal dates (Python's sort is stable, reversed too).
    1.16 -> 0.27 s of CPU at 251,052 cables, in the serial step after the read.
    """
    by_key = sorted(entries, key=attrgetter("key"))
    dated = [entry for entry in by_key if entry.created is not None]
    undated = [entry for entry in by_key if entry.created is None]
    dated.sort(key=_naive_created, reverse=True)
    return dated + undated


def _naive_created(entry: Entry) -> datetime:
    created = cast(datetime, entry.created)  # (only dated entries are sorted by it)
    # (One time zone for all: an aware date compares with a naive one only so.)
    return created if created.tzinfo is None else created.replace(tzinfo=None)


def _link(entries: dict[str, Entry], variants: dict[str, Variants], copies: list[Copy]) -> Archive:
    newest = _newest_first(entries.values())
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
    created = entry.created
    if created is None:
        return []
    month = (created.year, created.month)
    return [(month, _month_name(month))]


@cache
def _month_name(month: tuple[int, int]) -> str:
    """The month's name ("January 2003"): formatted once a month, not once a cable."""
    return datetime(*month, 1).strftime("%B %Y")


def _facets(newest: Iterable[Entry], members) -> dict:  # type: ignore[no-untyped-def]
    """Group entries (already newest first) by the facet values `members` gives.

    A facet is made when its slug is first met (``setdefault`` made one for
    every member of every entry, and nested defaultdicts counted the
    spellings): the four kinds of facet of 251,052 cables took 1.6 s of CPU
    instead of 5.1 s, in the serial step after the read.
    """
    facets: dict = {}
    names: dict = {}  # slug -> {spelling: how many entries have it}
    for entry in newest:
        key = entry.key
        for slug, name in members(entry):
            facet = facets.get(slug)
            if facet is None:
                facet = facets[slug] = Facet(slug=str(slug), name=name)
                names[slug] = {}
            facet.keys.append(key)
            counts = names[slug]
            counts[name] = counts.get(name, 0) + 1
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
