"""Keeping a database file in step with the archive, row by row.

The database the engine keeps is in its cache folder (the site gets a
copy); beside it, a side file (attached as ``side``) records for each cable
the digest of what its rows were made from and where the values its index
entry was made of are (see schema.SIDE_TABLES). With both, one edited cable costs a delete and an insert of
its rows, in one transaction over the two files (SQLite commits attached
files together), and a build can tell, from the digests alone, which
cables changed since the file was last written.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from datetime import datetime
from pathlib import Path

import zstandard

from generator.database.rows import CableRow, CableText, IndexedValues, TextRef, indexed_values
from generator.database.schema import (
    INDEXES,
    PAGE_SIZE,
    SCHEMA_VERSION,
    SIDE_TABLES,
    TABLES,
    TOKENIZER,
    cable_number,
)
from generator.digests import SIZE as DIGEST_SIZE

# The full-text index's pending terms during a fill (see Database.fill).
FILL_PENDING = 8 * 1024 * 1024
# Cables whose rows a fill inserts with one statement per table.
FILL_BATCH = 256


# Reads a cable's text back from where the parse cache keeps it (see
# schema.SIDE_TABLES); None when it no longer can.
StoredTexts = Callable[[TextRef], CableText | None]


class Database:
    """An open database and its side file; use as a context manager.

    `texts` reads back the texts the side file records as kept by the parse
    cache: without it (or when it cannot), deleting such a cable's rows
    raises LookupError, and the caller makes the database anew.
    """

    def __init__(self, connection: sqlite3.Connection, texts: StoredTexts | None = None) -> None:
        self.db = connection
        self._texts = texts
        self._version = 0

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.db.close()

    def version(self) -> bytes:
        """What the rows hold, as a digest: the XOR of every cable's digest (kept as rows
        change, so the same rows give the same version however they were written)."""
        (value,) = self.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return bytes.fromhex(value)

    def _turn(self, digest: bytes) -> None:
        """Put a digest in the version, or take it out (XOR is its own inverse); written
        by `_save_version` at the end of the transaction."""
        self._version ^= int.from_bytes(digest, "big")

    def _load_version(self) -> None:
        self._version = int.from_bytes(self.version(), "big")

    def _save_version(self) -> None:
        value = self._version.to_bytes(DIGEST_SIZE, "big").hex()
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'version'", (value,))

    def made(self, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        """The digest each cable's rows were made from, by key (of `keys`, or of all)."""
        if keys is None:
            return dict(self.db.execute("SELECT key, digest FROM side.made"))
        found: dict[str, bytes] = {}
        for key in keys:
            row = self.db.execute("SELECT digest FROM side.made WHERE key = ?", (key,)).fetchone()
            if row is not None:
                found[key] = row[0]
        return found

    def update(self, rows: Iterable[CableRow], removed: Iterable[str] = ()) -> int:
        """Replace the rows of these cables, delete those of `removed`; rows changed."""
        db = self.db
        changed = 0
        touched_ids: set[str] = set()
        inserted: list[str] = []
        facets_moved = False
        db.execute("BEGIN")
        self._load_version()
        try:
            for key in removed:
                old = self._delete(key)
                if old is not None:
                    touched_ids.add(old)
                    facets_moved = True
                    changed += 1
            for row in rows:
                before = db.execute(
                    "SELECT year, origin, classification, tags FROM facets JOIN side.made m "
                    "ON m.n = facets.n WHERE m.key = ?",
                    (row.key,),
                ).fetchone()
                old = self._delete(row.key)
                self._insert(row)
                inserted.append(row.key)
                touched_ids.update((row.id, old) if old else (row.id,))
                facets_moved |= before != (
                    row.year,
                    row.origin,
                    row.classification,
                    row.tags_column,
                )
                changed += 1
            if touched_ids:
                _mark_in_archive(db, touched_ids, inserted)
            if facets_moved:
                _count_facets(db)
            self._save_version()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return changed

    def fill(self, rows: Iterable[tuple[int, CableRow]]) -> int:
        """Every cable's rows into a new, empty database, each under its number, in
        number order (`schema.fill_order`); how many."""
        db = self.db
        count = 0
        # A new file, renamed into place only once complete: no journal, and a
        # page cache for the index's merges (32 MB at most: the process runs beside
        # the render workers, within the build's memory bound).
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA side.journal_mode = OFF")
        db.execute("PRAGMA cache_size = -32768")
        db.execute("BEGIN")
        self._load_version()
        # The index's segments merged once, at the end ('optimize' below), not
        # as they come: FTS5 merges every 4 new segments into a bigger one, so
        # each posting was rewritten at every level (a third of the index's CPU).
        # 256 at most wait unmerged, far below FTS5's 2,000 (at 100,000
        # synthetic cables the index wrote 293). Reset after the fill, so that
        # edits merge as usual.
        _merging(db, automatic=0, crisis=256)
        # Pending terms held up to 8 MB before they are written as a segment
        # (FTS5's default, 1 MB, made eight times as many segments for the
        # 'optimize' to merge: 0.96 -> 0.80 s of CPU at 50,000 cables; beyond
        # 8 MB no faster). Reset after the fill, as the merging.
        _pending(db, FILL_PENDING)
        # In rowid order, each cable's index entry with its rows: FTS5 flushes
        # its pending terms to a new segment whenever a rowid is not above the
        # last one (in key order, as dates are not, it made a segment every few
        # cables: twice the CPU of the whole index at 50,000 cables).
        for batch in _batches(rows, FILL_BATCH):
            self._fill_batch(batch)
            count += len(batch)
        # The tables' indexes once every row is in (one statement at a time:
        # executescript would commit the transaction first).
        for statement in INDEXES.split(";"):
            if statement.strip():
                db.execute(statement)
        self._save_version()
        db.execute(
            "UPDATE cable_references SET in_archive = 1 WHERE cited IN (SELECT id FROM cables)"
        )
        _count_facets(db)
        # One segment: a query reads one b-tree, not many.
        db.execute("INSERT INTO search (search) VALUES ('optimize')")
        _merging(db, automatic=4, crisis=16)  # (FTS5's defaults)
        _pending(db, 1024 * 1024)
        # The index's words, read once from the index itself (a few seconds at
        # 251,052 cables): what the tokenizer made, so no word is spelt otherwise.
        db.execute("CREATE VIRTUAL TABLE temp.search_words USING fts5vocab(main, search, 'row')")
        db.execute("INSERT INTO terms SELECT term, doc FROM temp.search_words")
        db.execute("DROP TABLE temp.search_words")
        # The pair's token: what the rows hold when both files were made (not a
        # random token, so that the same archive makes the same bytes).
        pair = self.version().hex()
        db.execute("UPDATE meta SET value = ? WHERE key = 'pair'", (pair,))
        db.execute("UPDATE side.pair SET token = ?", (pair,))
        db.execute("COMMIT")
        return count

    def _fill_batch(self, batch: list[tuple[int, CableRow]]) -> None:
        """A fill's rows and index entries of a batch of cables (in number order): a
        statement per table for the batch, not one per cable and table (a fifth of
        the rows' CPU was Python's, around SQLite's)."""
        db = self.db
        db.executemany(
            "INSERT INTO cables VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(n, *row.columns()) for n, row in batch],
        )
        db.executemany(
            "INSERT OR IGNORE INTO cable_tags VALUES (?, ?)",
            [(n, tag) for n, row in batch for tag in row.tags],
        )
        db.executemany(
            "INSERT OR IGNORE INTO cable_references VALUES (?, ?, 0)",
            [(row.key, cited) for _, row in batch for cited in row.references],
        )
        db.executemany(
            "INSERT INTO facets VALUES (?,?,?,?,?)",
            [(n, row.year, row.origin, row.classification, row.tags_column) for n, row in batch],
        )
        indexed = [row.indexed() for _, row in batch]
        db.executemany(
            "INSERT INTO side.made VALUES (?,?,?,?,?,?,?)",
            [
                (row.key, n, row.digest, *_where(row, values))
                for (n, row), values in zip(batch, indexed, strict=True)
            ],
        )
        for _, row in batch:
            self._turn(row.digest)
        db.executemany(
            "INSERT INTO search (rowid, subject, summary, text) VALUES (?,?,?,?)",
            [(n, *values) for (n, _), values in zip(batch, indexed, strict=True)],
        )

    def _insert(self, row: CableRow) -> None:
        n = _free_number(self.db, cable_number(_created(row), row.slot))
        indexed = self._insert_rows(row, n)
        self._index(n, indexed)
        self._count_terms(indexed, 1)

    def _count_terms(self, indexed: IndexedValues, step: int) -> None:
        """Count a cable's words in `terms` (`step` 1) or out of it (-1). The words are
        the index's own tokenizer's: the cable is put in a one-row index of the same
        kind (the connection's temporary one) and its vocabulary read."""
        db = self.db
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.one_cable USING fts5 (subject, summary, "
            f"text, tokenize = {TOKENIZER!r})"
        )
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.one_cable_words "
            "USING fts5vocab(temp, one_cable, 'row')"
        )
        db.execute("INSERT INTO temp.one_cable (subject, summary, text) VALUES (?,?,?)", indexed)
        words = [(word,) for (word,) in db.execute("SELECT term FROM temp.one_cable_words")]
        db.execute("DELETE FROM temp.one_cable")
        if step > 0:
            db.executemany(
                "INSERT INTO terms VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET cables = cables + 1",
                words,
            )
        else:
            db.executemany("UPDATE terms SET cables = cables - 1 WHERE term = ?", words)
            db.executemany("DELETE FROM terms WHERE term = ? AND cables <= 0", words)

    def _index(self, n: int, indexed: IndexedValues) -> None:
        """The cable's entry in the full-text index."""
        self.db.execute(
            "INSERT INTO search (rowid, subject, summary, text) VALUES (?,?,?,?)", (n, *indexed)
        )

    def _insert_rows(self, row: CableRow, n: int) -> IndexedValues:
        """The cable's rows as number `n` but its index entry; what that entry holds."""
        db = self.db
        db.execute("INSERT INTO cables VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (n, *row.columns()))
        db.executemany(
            "INSERT OR IGNORE INTO cable_tags VALUES (?, ?)", [(n, tag) for tag in row.tags]
        )
        db.executemany(
            "INSERT OR IGNORE INTO cable_references VALUES (?, ?, 0)",
            [(row.key, cited) for cited in row.references],
        )
        db.execute(
            "INSERT INTO facets VALUES (?,?,?,?,?)",
            (n, row.year, row.origin, row.classification, row.tags_column),
        )
        indexed = row.indexed()
        digest = row.digest
        db.execute(
            "INSERT INTO side.made VALUES (?,?,?,?,?,?,?)",
            (row.key, n, digest, *_where(row, indexed)),
        )
        self._turn(digest)
        return indexed

    def _stored_values(
        self, key: str, pack: str | None, offset: int, length: int, indexed: bytes | None
    ) -> IndexedValues:
        """The values a cable's index entry was made of, from the side file's record."""
        if pack is None:
            if indexed is None:
                raise LookupError(f"{key}: the side file holds no index values")
            return _unpack(indexed)
        text = self._texts((pack, offset, length)) if self._texts is not None else None
        if text is None:
            raise LookupError(f"{key}: the parse cache no longer holds its text")
        return indexed_values(text)

    def _delete(self, key: str) -> str | None:
        """Delete a cable's rows; its id, or None when it had none."""
        db = self.db
        found = db.execute(
            "SELECT n, digest, pack, offset, length, indexed FROM side.made WHERE key = ?", (key,)
        ).fetchone()
        if found is None:
            return None
        n, digest, pack, offset, length, indexed = found
        self._turn(digest)
        (cable_id,) = db.execute("SELECT id FROM cables WHERE n = ?", (n,)).fetchone()
        # A contentless index forgets an entry when given the values it was made of.
        values = self._stored_values(key, pack, offset, length, indexed)
        db.execute(
            "INSERT INTO search (search, rowid, subject, summary, text) VALUES ('delete',?,?,?,?)",
            (n, *values),
        )
        self._count_terms(values, -1)
        for table in ("cables", "cable_tags", "facets"):
            db.execute(f"DELETE FROM {table} WHERE n = ?", (n,))
        db.execute("DELETE FROM cable_references WHERE citing = ?", (key,))
        db.execute("DELETE FROM side.made WHERE key = ?", (key,))
        return str(cable_id)


def open_database(
    path: Path, side: Path, *, fresh: bool = False, texts: StoredTexts | None = None
) -> Database:
    """The database at `path` with its side file; `fresh` makes both anew. `texts`
    reads back the texts the parse cache keeps (see Database).

    Raises sqlite3.DatabaseError (or OSError) when an existing one cannot be
    used: the caller makes it anew.
    """
    if fresh:
        for leftover in (path, side, _journal(path), _journal(side)):
            with suppress(FileNotFoundError):
                leftover.unlink()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS side", (str(side),))
        if fresh:
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.executescript(TABLES)
            connection.executescript(SIDE_TABLES)
            pair = "new"  # (set by fill)
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("version", "00" * DIGEST_SIZE),
                    ("pair", pair),
                ],
            )
            connection.execute("INSERT INTO side.pair VALUES (?)", (pair,))
        else:
            version = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            if version != (str(SCHEMA_VERSION),):
                raise sqlite3.DatabaseError("another version of the schema")
            # The side file must be the one written with this database.
            mine = connection.execute("SELECT value FROM meta WHERE key = 'pair'").fetchone()
            side_pair = connection.execute("SELECT token FROM side.pair").fetchone()
            if mine is None or side_pair is None or mine[0] != side_pair[0]:
                raise sqlite3.DatabaseError("the side file is not this database's")
        connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return Database(connection, texts)


def check_integrity(path: Path) -> bool:
    """Whether SQLite finds the file sound (for tests and doubt)."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _mark_in_archive(db: sqlite3.Connection, ids: Iterable[str], citing: Iterable[str]) -> None:
    """`in_archive` again for the references to `ids` (cables that came or went) and
    those of the cables `citing` (just inserted): each through an index, never a scan."""
    exists = "EXISTS (SELECT 1 FROM cables WHERE cables.id = cable_references.cited)"
    for cable_id in ids:
        db.execute(
            f"UPDATE cable_references SET in_archive = {exists} WHERE cited = ?",
            (cable_id,),
        )
    for key in citing:
        db.execute(
            f"UPDATE cable_references SET in_archive = {exists} WHERE citing = ?",
            (key,),
        )


def _merging(db: sqlite3.Connection, *, automatic: int, crisis: int) -> None:
    """How the full-text index merges its segments: every `automatic` segments of a
    level (0: never on its own), and at the latest every `crisis`."""
    db.execute("INSERT INTO search (search, rank) VALUES ('automerge', ?)", (automatic,))
    db.execute("INSERT INTO search (search, rank) VALUES ('crisismerge', ?)", (crisis,))


def _pending(db: sqlite3.Connection, size: int) -> None:
    """How many bytes of pending terms the full-text index holds before writing them
    as a new segment (its 'hashsize')."""
    db.execute("INSERT INTO search (search, rank) VALUES ('hashsize', ?)", (size,))


def _count_facets(db: sqlite3.Connection) -> None:
    """The whole archive's count of each facet value (the search page with no query)."""
    db.execute("DELETE FROM facet_counts")
    db.execute("INSERT INTO facet_counts SELECT 'tag', tag, count(*) FROM cable_tags GROUP BY tag")
    for facet in ("origin", "classification", "year"):
        db.execute(
            f"INSERT INTO facet_counts SELECT '{facet}', {facet}, count(*) FROM facets "
            f"WHERE {facet} IS NOT NULL GROUP BY {facet}"
        )


def _free_number(db: sqlite3.Connection, wanted: int) -> int:
    """`wanted`, or the next number of its minute's slots that no cable has."""
    n = wanted
    while db.execute("SELECT 1 FROM cables WHERE n = ?", (n,)).fetchone() is not None:
        n += 1
    return n


def _batches(
    rows: Iterable[tuple[int, CableRow]], size: int
) -> Iterator[list[tuple[int, CableRow]]]:
    batch: list[tuple[int, CableRow]] = []
    for numbered in rows:
        batch.append(numbered)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _created(row: CableRow) -> datetime | None:
    return datetime.fromisoformat(row.created) if row.created else None


_ZSTD = zstandard.ZstdCompressor(level=1)
_UNZSTD = zstandard.ZstdDecompressor()


def _where(row: CableRow, values: IndexedValues) -> tuple[object, ...]:
    """The side file's pack, offset, length and indexed columns for a row: where the
    parse cache keeps its text, or the values themselves."""
    if row.text_ref is not None:
        return (*row.text_ref, None)
    return (None, None, None, _pack(values))


def _pack(values: IndexedValues) -> bytes:
    return _ZSTD.compress(marshal.dumps(values))


def _unpack(blob: bytes) -> IndexedValues:
    subject, summary, text = marshal.loads(_UNZSTD.decompress(blob))
    return str(subject), str(summary), str(text)


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")
