"""The schema of ``data/cables.db``: what readers query, and the search page relies on.

Readers get plain tables (``cables``, ``cable_tags``, ``cable_references``)
that open as they are in ``sqlite3``, ``sqlite-utils`` and Datasette, and
two tables shaped for the search page, which reads the file over HTTP
range requests a 4 KB page at a time, so what it touches must sit
together:

- ``n``, every table's cable number, is the cable's date in minutes
  times 4096 plus a slot taken from its key: rowid order *is* date order,
  so the full-text index hands out the newest matches first
  (``ORDER BY rowid DESC`` stops after a page of results) and a year
  range is a rowid range the index seeks to;
- ``facets`` holds only what a result list counts (year, origin,
  classification, tags), about 40 bytes a cable, so the facets of a
  thousand matches are a few pages, not the summaries around them;
- ``search`` is a contentless FTS5 index (subject, summary, text): the
  text is not stored twice, and snippets are made by the page from the
  summary;
- ``terms`` lists the index's words with how many cables hold each, for
  the page to spell out a prefix (``refug*``) as the words it stands for:
  FTS5 answers a prefix by merging the whole posting list of every word
  it covers (8 MB for ``refug*`` at 251,052 cables), where a list of words
  is read a page at a time, newest first, like any word.

Only features of SQLite 3.35 are used (the WebAssembly build the search
page vendors): no STRICT tables, no contentless deletes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime

# Stored in the meta table; a database of another version is made anew.
SCHEMA_VERSION = 4
# The page size: what one range request of the search page fetches.
PAGE_SIZE = 4096
# Slots per minute in a cable number (see cable_number).
SLOTS = 4096
# The number of an undated cable's minute: before every dated one.
_EPOCH = datetime(1900, 1, 1)

# How the full-text index splits text into words (and `terms` spells them).
TOKENIZER = "unicode61 remove_diacritics 2"

TABLES = f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE cables (
    n INTEGER PRIMARY KEY,          -- date order: minutes since 1900 * 4096 + slot
    id TEXT NOT NULL,               -- the canonical id (03OTTAWA49)
    key TEXT NOT NULL,              -- the page's key (unique): the id, or ID_a for a variant
    created TEXT,                   -- ISO 8601 date and time, or NULL
    released TEXT,                  -- ISO 8601 date, or NULL
    origin TEXT NOT NULL,           -- the origin's name (Embassy Ottawa)
    classification TEXT NOT NULL,   -- UNCLASSIFIED, CONFIDENTIAL... (UNKNOWN when none)
    subject TEXT NOT NULL,          -- the SUBJECT line as written
    title TEXT NOT NULL,            -- the title pages show
    tags TEXT NOT NULL,             -- the TAGS, a JSON array: ["PREL", "HUMAN RIGHTS"] (also in cable_tags)
    summary TEXT,                   -- the summary paragraph, when there is one
    url TEXT NOT NULL,              -- the cable's page, relative to the site's root
    partial INTEGER NOT NULL,       -- 1 for a partial extract
    source TEXT NOT NULL            -- the file it was read from, under content/cables
);
CREATE TABLE cable_tags (
    n INTEGER NOT NULL REFERENCES cables (n),
    tag TEXT NOT NULL,
    PRIMARY KEY (n, tag)
) WITHOUT ROWID;
CREATE TABLE cable_references (
    citing TEXT NOT NULL,           -- the citing cable's key (cables.key)
    cited TEXT NOT NULL,            -- the cited id
    in_archive INTEGER NOT NULL,    -- 1 when a cable of that id is in the archive
    PRIMARY KEY (citing, cited)
) WITHOUT ROWID;
CREATE TABLE facets (
    n INTEGER PRIMARY KEY,
    year INTEGER,
    origin TEXT NOT NULL,
    classification TEXT NOT NULL,
    tags TEXT NOT NULL              -- as cables.tags
);
CREATE TABLE facet_counts (
    facet TEXT NOT NULL,            -- tag, origin, classification or year
    value TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE TABLE terms (
    term TEXT PRIMARY KEY,          -- a word of the full-text index, as its tokenizer wrote it
    cables INTEGER NOT NULL         -- how many cables hold it
) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5 (
    subject, summary, text,
    content = '',
    tokenize = '{TOKENIZER}'
);
"""

# The tables' indexes: made by a fill once every row is in (sorting the
# rows once costs far less than keeping nine b-trees in order while
# 250,000 cables arrive out of their order).
INDEXES = """
CREATE UNIQUE INDEX cables_key ON cables (key);
CREATE INDEX cables_id ON cables (id);
CREATE INDEX cable_tags_tag ON cable_tags (tag, n);
CREATE INDEX cable_references_cited ON cable_references (cited);
CREATE INDEX facets_origin ON facets (origin, n);
CREATE INDEX facets_classification ON facets (classification, n);
"""

# The cache's side of the database (never published): what each cable's
# rows were made from, and where the values its index entry was made of
# are, which a contentless index needs to delete that entry again: the
# parse cache's blob of the cable (pack, offset, length), which holds them
# already, or, for a cable the parse cache does not hold, the values
# themselves. (Stored here, they were 950 MB at 251,052 synthetic cables,
# copied into both slots, and compressing them a sixth of the database
# process's CPU.)
SIDE_TABLES = """
CREATE TABLE IF NOT EXISTS side.made (
    key TEXT PRIMARY KEY,
    n INTEGER NOT NULL,
    digest BLOB NOT NULL,
    pack TEXT,                      -- the parse cache's blob of the cable, or NULL
    offset INTEGER,
    length INTEGER,
    indexed BLOB                    -- else zstd of the marshalled (subject, summary, text)
);
CREATE TABLE IF NOT EXISTS side.pair (token TEXT NOT NULL);
"""


def cable_number(created: datetime | None, slot: int) -> int:
    """The cable's number: its minute, then a slot (so rowid order is date order)."""
    minute = 0 if created is None else max(1, int((created - _EPOCH).total_seconds() // 60) + 1)
    return minute * SLOTS + slot % SLOTS


def slot_of(key: str) -> int:
    """Where in its minute the cable of `key` would like to be (see cable_number)."""
    return zlib.crc32(key.encode())


def fill_order(cables: Iterable[tuple[str, datetime | None]]) -> list[tuple[int, str]]:
    """The number of each cable of a new database, and the order a fill takes them in.

    `cables` are (key, created) in key order: a cable whose number another
    one took first takes the next free one, as an update does
    (``writer._free_number``). Returned in number order, which is rowid
    order: the tables and the full-text index then grow at their end (out
    of it, FTS5 starts a new segment whenever a rowid is not above the last
    one, and the b-trees split half-full pages).
    """
    taken: set[int] = set()
    numbered: list[tuple[int, str]] = []
    for key, created in cables:
        n = cable_number(created, slot_of(key))
        while n in taken:
            n += 1
        taken.add(n)
        numbered.append((n, key))
    numbered.sort()
    return numbered
