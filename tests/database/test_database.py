"""The archive database, data/cables.db: its schema, its rows, and how builds keep it.

Built through the engine (hand-built cables, as the other site tests), read
with Python's own sqlite3: what a reader of the file sees.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import warnings
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from repo import DEV_CORPUS
from sitekit import build, cable, database_content, make_site, reader_for, ref

from generator.engine.builder import BuildOptions, build_site
from generator.engine.cache import PACKS
from generator.engine.database_pass import FOLDER

DB = "site/data/cables.db"
PLANTED = "zanzibarite"  # a word only the planted cables hold


def archive() -> dict[str, list]:
    return {
        "a.txt": [
            cable(
                "03OTTAWA49",
                datetime(2003, 1, 7, 21, 2),
                references=(ref("A", "02OTTAWA3442"), ref("B", "99ROME1")),
                summary=f"Summary: the {PLANTED} question.",
            )
        ],
        "b.txt": [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",))],
        "c.txt": [
            cable(
                "04PARIS1",
                datetime(2004, 5, 1),
                origin="Embassy Paris",
                station="PARIS",
                classification="SECRET",
                tags=("KPAL", "PREL"),
                body=f"1. (S) The {PLANTED} talks went on in Paris.",
            )
        ],
        "d.txt": [cable("05PARIS2", None, origin="Embassy Paris", station="PARIS")],
    }


def rows(root: Path, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{root / DB}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


def answers(root: Path) -> list[list[tuple]]:
    """What the search page's kinds of query answer: ranked, by date, with a facet."""
    match = "SELECT c.id FROM search s JOIN cables c ON c.n = s.rowid WHERE search MATCH ?"
    return [
        rows(root, match + " ORDER BY bm25(search, 10.0, 5.0, 1.0), s.rowid DESC", word)
        for word in (PLANTED, "text", "subject", '"the text"', "paris*")
    ] + [
        rows(root, match + " ORDER BY s.rowid DESC", "subject"),
        rows(
            root,
            "SELECT t.n FROM cable_tags t WHERE t.tag = 'PREL' ORDER BY t.n DESC",
        ),
        rows(root, "SELECT * FROM facet_counts ORDER BY facet, value"),
    ]


def clean_build(root: Path, files: dict[str, list]) -> Path:
    """A new site folder of these files, built clean: what an incremental build must equal."""
    make_site(root, files)
    build(root, files, clean=True)
    return root


def copied_site(root: Path, into: Path) -> Path:
    """A new site folder with `root`'s content and configuration (no cache, no output)."""
    shutil.copytree(root / "content", into / "content")
    shutil.copy(root / "site.toml", into / "site.toml")
    return into


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site-root"
    make_site(root, archive())
    build(root, archive())
    return root


def test_the_schema_documented_in_the_readme(site: Path) -> None:
    tables = {name for (name,) in rows(site, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "cables",
        "cable_tags",
        "cable_references",
        "facets",
        "facet_counts",
        "terms",
        "search",
    } <= tables
    columns = [row[1] for row in rows(site, "PRAGMA table_info(cables)")]
    assert columns == [
        "n", "id", "key", "created", "released", "origin", "classification", "subject",
        "title", "tags", "summary", "url", "partial", "source",
    ]  # fmt: skip
    (row,) = rows(site, "SELECT * FROM cables WHERE id = '03OTTAWA49'")
    assert row[1:] == (
        "03OTTAWA49",
        "03OTTAWA49",
        "2003-01-07T21:02:00",
        None,
        "Embassy Ottawa",
        "CONFIDENTIAL",
        "SUBJECT OF 03OTTAWA49",
        "Subject of 03OTTAWA49",
        '["PREL", "CA"]',
        f"Summary: the {PLANTED} question.",
        "cable/2003/01/03OTTAWA49.html",
        0,
        "content/cables/a.txt",
    )
    assert rows(site, "SELECT tag FROM cable_tags WHERE n = ? ORDER BY tag", row[0]) == [
        ("CA",),
        ("PREL",),
    ]
    assert rows(site, "SELECT * FROM cable_references ORDER BY cited") == [
        ("03OTTAWA49", "02OTTAWA3442", 1),
        ("03OTTAWA49", "99ROME1", 0),
    ]


def test_a_tag_with_spaces_is_one_tag(tmp_path: Path) -> None:
    """A tag may hold spaces and commas (``HUMAN RIGHTS``, a name with initials): the
    rows keep it whole, as the site's tag pages do, in ``cable_tags``, in the JSON
    array of ``cables.tags`` and ``facets.tags``, and in the facet counts."""
    files = archive()
    tags = ("PHUM", "HUMAN RIGHTS", "STEINBERG, JAMES B.")
    files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=tags)]
    root = clean_build(tmp_path / "site", files)
    ((n, column),) = rows(root, "SELECT n, tags FROM cables WHERE id = '02OTTAWA3442'")
    assert json.loads(column) == list(tags)
    assert rows(root, "SELECT tags FROM facets WHERE n = ?", n) == [(column,)]
    assert rows(root, "SELECT tag FROM cable_tags WHERE n = ? ORDER BY tag", n) == [
        (tag,) for tag in sorted(tags)
    ]
    assert ("tag", "HUMAN RIGHTS", 1) in rows(root, "SELECT * FROM facet_counts")
    assert rows(root, "SELECT value FROM facet_counts WHERE value IN ('HUMAN', 'RIGHTS')") == []
    # As SQLite's own JSON functions read it.
    found = rows(root, "SELECT j.value FROM cables, json_each(cables.tags) j WHERE n = ?", n)
    assert [value for (value,) in found] == list(tags)


def test_the_full_text_index_finds_subject_summary_and_text(site: Path) -> None:
    found = rows(
        site,
        "SELECT c.id FROM search s JOIN cables c ON c.n = s.rowid WHERE search MATCH ? "
        "ORDER BY s.rowid DESC",
        PLANTED,
    )
    assert found == [("04PARIS1",), ("03OTTAWA49",)]  # rowid order is date order, newest first
    assert rows(site, "SELECT rowid FROM search WHERE search MATCH 'subject : 05PARIS2'")
    undated = rows(site, "SELECT n FROM cables WHERE id = '05PARIS2'")[0][0]
    assert undated < min(n for (n,) in rows(site, "SELECT n FROM cables WHERE created IS NOT NULL"))


def terms(root: Path) -> list[tuple]:
    return rows(root, "SELECT term, cables FROM terms ORDER BY term")


def vocabulary(root: Path) -> list[tuple]:
    """The index's own words and how many cables hold each (what `terms` must list)."""
    with closing(sqlite3.connect(root / DB)) as db:
        db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search, 'row')")
        return db.execute("SELECT term, doc FROM temp.v ORDER BY term").fetchall()


def test_terms_lists_the_index_words_and_their_cables(site: Path) -> None:
    assert terms(site) == vocabulary(site)
    assert (PLANTED, 2) in terms(site)
    assert ("paris", 1) in terms(site)  # (the tokenizer's spelling: lower case)
    # An edit takes a word out of one cable, and brings a new word, accented.
    files = archive()
    files["c.txt"] = [
        cable("04PARIS1", datetime(2004, 5, 1), origin="Embassy Paris", station="PARIS",
              body="1. (S) Nothing planted; the Élysée instead.")
    ]  # fmt: skip
    build(site, files)
    assert (PLANTED, 1) in terms(site) and ("elysee", 1) in terms(site)
    # A deleted cable's words go, those only it held with them.
    del files["c.txt"]
    (site / "content/cables/c.txt").unlink()
    build(site, files)
    assert ("elysee", 1) not in terms(site) and not [t for t in terms(site) if t[0] == "elysee"]
    assert terms(site) == vocabulary(site)


def test_a_no_op_build_leaves_the_file_untouched(site: Path) -> None:
    before = (site / DB).stat()
    result = build(site, archive())
    after = (site / DB).stat()
    assert "data/cables.db" not in result.changed
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_a_clean_build_that_makes_the_same_rows_keeps_the_file(site: Path) -> None:
    before = (site / DB).stat()
    result = build(site, archive(), clean=True)
    assert "data/cables.db" not in result.changed
    assert (site / DB).stat().st_mtime_ns == before.st_mtime_ns


@pytest.mark.parametrize(
    "edit",
    ["text", "subject", "tags", "added", "deleted", "reference-arrives"],
)
def test_an_incremental_build_answers_as_a_clean_one(site: Path, tmp_path: Path, edit: str) -> None:
    files = archive()
    if edit == "text":  # a quick rebuild
        files["c.txt"] = [
            cable("04PARIS1", datetime(2004, 5, 1), origin="Embassy Paris", station="PARIS",
                  body="1. (S) Nothing planted here any more.")
        ]  # fmt: skip
    elif edit == "subject":
        files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), subject=PLANTED.upper())]
    elif edit == "tags":  # a structural change: the full pass
        files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("KPAL", "PGOV"))]
    elif edit == "added":
        files["e.txt"] = [cable("99ROME1", datetime(1999, 3, 3), body=f"1. (C) {PLANTED}.")]
        (site / "content/cables/e.txt").write_text("placeholder\n")
    elif edit == "deleted":
        del files["b.txt"]
        (site / "content/cables/b.txt").unlink()
    elif edit == "reference-arrives":
        files["b.txt"] = [cable("99ROME1", datetime(1999, 3, 3))]
    result = build(site, files)
    assert "data/cables.db" in result.changed
    clean = clean_build(tmp_path / "clean", files)
    assert answers(site) == answers(clean)
    assert database_content(site / DB) == database_content(clean / DB)
    with closing(sqlite3.connect(site / DB)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.execute("INSERT INTO search (search) VALUES ('integrity-check')")


@pytest.mark.usefixtures("dev_corpus")  # (skipped without ../shared, as elsewhere)
def test_an_edit_of_a_real_file_takes_the_quick_path(tmp_path: Path) -> None:
    """Parsed files, so the engine keeps its memory and an edit of the text is quick."""
    root = tmp_path / "real"
    make_site(root, {})
    sources = sorted((DEV_CORPUS / "telegram").glob("*.txt"))[:4]
    for source in sources:
        shutil.copy(source, root / "content/cables" / source.name)
    assert build_site(root, BuildOptions()).kind == "full"
    edited = root / "content/cables" / sources[0].name
    edited.write_bytes(edited.read_bytes().replace(b"1. ", f"1. {PLANTED} ".encode(), 1))
    os.utime(edited, (1, 1))  # (an old time, so that the next build trusts it)
    before = rows(root, "SELECT key, title, subject, n FROM cables ORDER BY key")
    result = build_site(root, BuildOptions())
    assert result.kind == "quick"
    assert result.changed >= {"data/cables.db"}
    found = rows(
        root,
        "SELECT c.source FROM search s JOIN cables c ON c.n = s.rowid WHERE search MATCH ?",
        PLANTED,
    )
    assert found == [(f"content/cables/{sources[0].name}",)]
    assert rows(root, "SELECT key, title, subject, n FROM cables ORDER BY key") == before
    clean = copied_site(root, tmp_path / "clean")
    build_site(clean, BuildOptions(clean=True))
    assert database_content(root / DB) == database_content(clean / DB)


def test_a_damaged_cache_database_is_made_anew(site: Path, tmp_path: Path) -> None:
    for slot in ("a", "b"):
        (site / ".cablesite-cache" / FOLDER / slot / "cables.db").write_bytes(b"not a db" * 100)
    files = archive()
    files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("PGOV",))]
    build(site, files)
    clean = clean_build(tmp_path / "clean", files)
    assert answers(site) == answers(clean)


def test_the_published_file_is_replaced_never_written_in_place(site: Path) -> None:
    old = (site / DB).stat()
    old_bytes = (site / DB).read_bytes()
    files = archive()
    files["b.txt"] = [
        cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",), body="1. (C) Other.")
    ]
    build(site, files)
    # Another file moved over the old one: a reader holding the old one still reads it
    # whole, and the build wrote the cache's other slot, never the file the site held.
    new = (site / DB).stat()
    assert new.st_ino != old.st_ino
    slots = [site / ".cablesite-cache" / FOLDER / slot / "cables.db" for slot in ("a", "b")]
    linked = [slot for slot in slots if slot.stat().st_ino == new.st_ino]
    assert len(linked) == 1  # published by a hard link, not a copy
    (unlinked,) = (slot for slot in slots if slot not in linked)
    assert unlinked.stat().st_ino == old.st_ino and unlinked.read_bytes() == old_bytes
    files["b.txt"] = [
        cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",), body="1. (C) Again.")
    ]
    build(site, files)
    assert (site / DB).stat().st_ino == old.st_ino  # the slots take turns
    assert rows(site, "SELECT count(*) FROM search WHERE search MATCH 'again'") == [(1,)]
    assert not list((site / "site" / "data").glob("*-journal"))
    shutil.rmtree(site / ".cablesite-cache")
    assert build(site, files).kind == "full"
    assert rows(site, "SELECT count(*) FROM cables") == [(4,)]


def test_a_database_that_cannot_be_written_anywhere_is_a_warning_saying_why(site: Path) -> None:
    shutil.rmtree(site / ".cablesite-cache")
    (site / ".cablesite-cache").mkdir()
    (site / ".cablesite-cache" / FOLDER).write_text("not a folder")  # no slot can be made
    (site / ".site.database").write_text("not a folder either")  # nor a folder beside the site
    files = archive()
    files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("PGOV",))]
    said: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(site, BuildOptions(), reader=reader_for(files, site), progress=said.append)
    (warning,) = [line for line in said if line.startswith("warning:")]
    assert warning.startswith("warning: the archive database could not be written (")
    assert "File exists" in warning and ".site.database" in warning, warning
    assert "Traceback" not in "".join(said)


def test_a_cache_that_cannot_hold_the_database_still_publishes_it(
    site: Path, tmp_path: Path
) -> None:
    """The cache may go at any time, even during the database pass: the database is
    then made outside it, and the site never goes without one."""
    shutil.rmtree(site / ".cablesite-cache")
    (site / ".cablesite-cache").mkdir()
    (site / ".cablesite-cache" / FOLDER).write_text("not a folder")  # no slot can be made
    files = archive()
    files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("PGOV",))]
    build(site, files)
    clean = clean_build(tmp_path / "clean", files)
    assert answers(site) == answers(clean)
    assert (site / ".site.database").is_dir()
    (site / ".cablesite-cache" / FOLDER).unlink()  # the slots work again
    files["b.txt"] = [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",))]
    build(site, files)
    assert not (site / ".site.database").exists()
    assert rows(site, "SELECT tags FROM cables WHERE id = '02OTTAWA3442'") == [('["MARR"]',)]


@pytest.mark.usefixtures("dev_corpus")  # (skipped without ../shared, as elsewhere)
def test_either_process_fills_the_same_file(tmp_path: Path) -> None:
    """A full pass fills the database in its forked process from a marshalled plan
    (`PlannedRows`); a quick rebuild whose cache lost both slots fills it in the
    build process from the entries (`ArchiveRows`). The same rows in the same order
    give the same file, byte for byte (a container file of many cables too)."""
    root = tmp_path / "real"
    make_site(root, {})
    sources = [*sorted((DEV_CORPUS / "telegram").glob("*.txt"))[:3], DEV_CORPUS / "records.jsonl"]
    for source in sources:
        shutil.copy(source, root / "content/cables" / source.name)
    assert build_site(root, BuildOptions()).kind == "full"
    shutil.rmtree(root / ".cablesite-cache" / FOLDER)
    edited = root / "content/cables" / sources[0].name
    edited.write_bytes(edited.read_bytes().replace(b"1. ", f"1. {PLANTED} ".encode(), 1))
    os.utime(edited, (1, 1))  # (an old time, so that the next build trusts it)
    assert build_site(root, BuildOptions()).kind == "quick"
    clean = copied_site(root, tmp_path / "clean")
    assert build_site(clean, BuildOptions(clean=True)).kind == "full"
    assert (root / DB).read_bytes() == (clean / DB).read_bytes()


def real_site(root: Path, count: int) -> list[Path]:
    """A site of `count` real telegrams, read by the parser (whose cache the database's
    side file points into)."""
    make_site(root, {})
    sources = sorted((DEV_CORPUS / "telegram").glob("*.txt"))[:count]
    for source in sources:
        shutil.copy(source, root / "content/cables" / source.name)
    return [root / "content/cables" / source.name for source in sources]


def side_packs(root: Path, slot: str) -> list[tuple]:
    side = root / ".cablesite-cache" / FOLDER / slot / "made.db"
    with closing(sqlite3.connect(f"file:{side}?mode=ro", uri=True)) as db:
        return db.execute("SELECT key, pack, indexed IS NULL FROM made ORDER BY key").fetchall()


def plant(path: Path, word: str) -> None:
    path.write_bytes(path.read_bytes().replace(b"1. ", f"1. {word} ".encode(), 1))


@pytest.mark.usefixtures("dev_corpus")  # (skipped without ../shared, as elsewhere)
def test_the_side_file_points_into_the_parse_cache_which_keeps_what_it_needs(
    tmp_path: Path,
) -> None:
    """A fill records where the parse cache keeps each cable's text, not the text; the
    cache keeps those packs while a slot needs them (a slot that lags behind deletes
    the index entries of the cables as they were), even when the build state no
    longer refers to them, and lets them go when no slot does."""
    root = tmp_path / "real"
    files = real_site(root, 3)
    assert build_site(root, BuildOptions()).kind == "full"
    packs = root / ".cablesite-cache" / PACKS
    first = side_packs(root, "a")
    assert len(first) == 3 and all(pack is not None and kept for _, pack, kept in first)
    assert side_packs(root, "b") == first  # (the other slot, its copy)
    old_packs = {pack for _, pack, _ in first}
    # Every cable edited (and one added: the full pass), so no cable of the build
    # state is in the old packs; slot a, not written, still points there.
    for path in files:
        plant(path, PLANTED)
    shutil.copy(sorted((DEV_CORPUS / "telegram").glob("*.txt"))[5], files[0].parent / "new.txt")
    assert build_site(root, BuildOptions()).kind == "incremental"
    assert {pack for _, pack, _ in side_packs(root, "a")} == old_packs
    assert all((packs / f"{name}.pack").is_file() for name in old_packs)
    # The next edit writes slot a: brought in step by deleting the old entries
    # (their texts read from the old packs), not by a copy of slot b.
    lagging = root / ".cablesite-cache" / FOLDER / "a" / "cables.db"
    inode = lagging.stat().st_ino
    plant(files[1], "quagmirely")
    build_site(root, BuildOptions())
    assert lagging.stat().st_ino == inode
    clean = copied_site(root, tmp_path / "clean")
    build_site(clean, BuildOptions(clean=True))
    assert database_content(root / DB) == database_content(clean / DB)
    # No slot points into the old packs any more: the next full pass drops them.
    shutil.copy(sorted((DEV_CORPUS / "telegram").glob("*.txt"))[6], files[0].parent / "new2.txt")
    assert build_site(root, BuildOptions()).kind == "incremental"
    assert not any((packs / f"{name}.pack").exists() for name in old_packs)


@pytest.mark.usefixtures("dev_corpus")  # (skipped without ../shared, as elsewhere)
def test_a_lost_parse_cache_still_gives_the_right_rows(tmp_path: Path) -> None:
    """When the packs a slot's texts are in are gone (the cache may be deleted at any
    time), the slot cannot delete its old entries: it is made again, never left wrong."""
    root = tmp_path / "real"
    files = real_site(root, 3)
    build_site(root, BuildOptions())
    shutil.rmtree(root / ".cablesite-cache" / PACKS)
    plant(files[0], PLANTED)
    shutil.copy(sorted((DEV_CORPUS / "telegram").glob("*.txt"))[5], files[0].parent / "new.txt")
    build_site(root, BuildOptions())
    clean = copied_site(root, tmp_path / "clean")
    build_site(clean, BuildOptions(clean=True))
    assert database_content(root / DB) == database_content(clean / DB)
    found = rows(
        root,
        "SELECT c.source FROM search s JOIN cables c ON c.n = s.rowid WHERE search MATCH ?",
        PLANTED,
    )
    assert found == [(f"content/cables/{files[0].name}",)]
