"""`cablesite import`: the dump dialect, viewer pages, JSON Lines, and what a re-import may touch."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
import yaml
from repo import FIXTURES as TEST_FIXTURES

from generator.importing.command import (
    ImportReport,
    add_import_arguments,
    import_command,
    run_import,
)
from generator.importing.jsonl_fields import FieldMappingError
from generator.importing.layout import is_untouched
from generator.parse import read_cables

FIXTURES = TEST_FIXTURES / "import"
DUMP = FIXTURES / "dump.csv"
PAGES = FIXTURES / "pages"
EXPORT = FIXTURES / "export.jsonl"
MAPPED = FIXTURES / "mapped.jsonl"


def run(sources: list[Path], into: Path, **options) -> ImportReport:
    return run_import(sources, into, progress=False, jobs=1, **options)


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


def only_cable(path: Path):
    cables = list(read_cables(path))
    assert len(cables) == 1
    return cables[0]


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def skipped_lines(report: ImportReport) -> list[str]:
    return [str(p) for p in report.skipped]


# --- the cables.csv dump ----------------------------------------------------------------


def test_dump_rows_become_one_file_each_under_year_and_month(tmp_path: Path) -> None:
    report = run([DUMP], tmp_path)

    assert (report.imported, report.updated, report.unchanged) == (3, 0, 0)
    assert sorted(files_under(tmp_path)) == [
        "1975/11/75LIBREVILLE1895.txt",
        "2006/03/06OTTAWA812.txt",
        "2008/04/08PARIS1001.txt",
    ]
    assert report.exit_status == 0


def test_dump_backslash_escapes_and_embedded_newlines_are_undone(tmp_path: Path) -> None:
    run([DUMP], tmp_path)
    cable = only_cable(tmp_path / "2006/03/06OTTAWA812.txt")

    assert cable.subject == 'CANADA\'S "SOFTWOOD" TALKS: A NEW ROUND'
    assert 'The minister said "we\'re close" and added: "no deal\nis better' in cable.body
    assert "C:\\TEMP." in cable.body
    assert cable.header.splitlines() == [
        "R 140905Z MAR 06",
        "FM AMEMBASSY OTTAWA",
        "TO SECSTATE WASHDC 2112",
        "INFO ALL CANADIAN POSTS COLLECTIVE",
    ]
    assert [p.number for p in cable.paragraphs][:2] == [1, 2]
    assert cable.paragraphs == next(read_cables(DUMP)).paragraphs


def test_dump_malformed_row_is_reported_with_its_line_and_the_rows_after_it_import(
    tmp_path: Path,
) -> None:
    report = run([DUMP], tmp_path)

    assert skipped_lines(report) == [f"{DUMP}:33: malformed row skipped (unbalanced quotes)"]
    after = only_cable(tmp_path / "2008/04/08PARIS1001.txt")
    assert after.classification == "SECRET//NOFORN"
    assert after.reference_ids == ("08PARIS999", "06OTTAWA812")
    assert 'A LINE WITH A COMMA, AND "QUOTES", AND A TAB\tHERE.' in after.body


def test_dump_with_crlf_line_endings_imports_the_same_cables(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf" / "cables.csv"
    crlf.parent.mkdir()
    crlf.write_bytes(DUMP.read_bytes().replace(b"\n", b"\r\n"))
    run([DUMP], tmp_path / "lf")
    report = run([crlf], tmp_path / "crlf-out")

    assert report.imported == 3
    assert [str(p) for p in report.skipped] == [
        f"{crlf}:33: malformed row skipped (unbalanced quotes)"
    ]
    for name in files_under(tmp_path / "lf"):
        lf_file = files_under(tmp_path / "lf")[name]
        crlf_file = files_under(tmp_path / "crlf-out")[name]
        assert b"\r" not in crlf_file
        strip = [ln for ln in lf_file.splitlines() if not ln.startswith((b"source:", b"import_"))]
        assert strip == [
            ln for ln in crlf_file.splitlines() if not ln.startswith((b"source:", b"import_"))
        ]


def test_dump_with_a_byte_order_mark_keeps_its_first_row(tmp_path: Path) -> None:
    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + DUMP.read_bytes())
    report = run([bom], tmp_path / "cables")

    assert report.imported == 3
    assert (tmp_path / "cables/2006/03/06OTTAWA812.txt").exists()


def test_dump_doubled_year_id_keeps_the_source_spelling_as_raw_id(tmp_path: Path) -> None:
    run([DUMP], tmp_path)
    path = tmp_path / "1975/11/75LIBREVILLE1895.txt"
    meta = front_matter(path)

    assert meta["id"] == "75LIBREVILLE1895"
    assert meta["raw_id"] == "7575LIBREVILLE1895"
    # The file name and row: stable when the dump moves, and no home directory in it.
    assert meta["source"] == "dump.csv:20"
    assert only_cable(path).id == "75LIBREVILLE1895"


def test_front_matter_carries_what_the_source_knew(tmp_path: Path) -> None:
    run([DUMP], tmp_path)
    text = (tmp_path / "2008/04/08PARIS1001.txt").read_text()
    meta = front_matter(tmp_path / "2008/04/08PARIS1001.txt")

    assert list(meta) == [
        "id",
        "created",
        "origin",
        "classification",
        "references",
        "header_lines",
        "source",
        "import_sha256",
    ]
    assert meta["created"].isoformat() == "2008-04-03T12:00:00"
    assert meta["header_lines"] == 3
    assert meta["origin"] == "Embassy Paris"
    assert meta["references"] == ["08PARIS999", "06OTTAWA812"]
    # The routing header, a blank line, then the body.
    after = text.split("\n---\n", 1)[1]
    assert after.startswith(
        "R 031200Z APR 08\nFM AMEMBASSY PARIS\nTO SECSTATE WASHDC\n\nS E C R E T"
    )


# --- WikiLeaks cable viewer pages -----------------------------------------------------------


def test_a_folder_tree_of_viewer_pages_is_searched_recursively(tmp_path: Path) -> None:
    report = run([PAGES], tmp_path)

    assert report.imported == 2
    assert sorted(files_under(tmp_path)) == [
        "1975/11/75LIBREVILLE1900.txt",
        "2006/03/06OTTAWA900.txt",
    ]
    # The tag index page is not a cable: it is listed with the reason.
    assert skipped_lines(report) == [
        f"{PAGES / 'tag' / 'PREL_0.html'}: not a WikiLeaks cable page (no cable table)"
    ]


def test_viewer_page_metadata_and_entities(tmp_path: Path) -> None:
    run([PAGES], tmp_path)
    path = tmp_path / "2006/03/06OTTAWA900.txt"
    meta = front_matter(path)
    cable = only_cable(path)

    assert meta["released"].isoformat() == "2011-04-28"
    assert meta["classification"] == "CONFIDENTIAL"
    assert meta["references"] == ["06OTTAWA812"]
    assert cable.subject == "A PAGE WRITTEN FOR THE IMPORTER'S TESTS"
    assert cable.tags == ("PREL", "CA")
    assert '"quotes", & and <angle> brackets' in cable.body
    assert "<a " not in path.read_text()


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_underscore_id_is_never_the_cable_id(tmp_path: Path) -> None:
    report = run([EXPORT], tmp_path)

    assert report.imported == 3
    cable = only_cable(tmp_path / "2009/06/09OSLO412.txt")
    # `_id` held a cited cable, not this one's id.
    assert cable.reference_ids == ("09STATE1234",)
    assert not (tmp_path / "2009/06/09STATE1234.txt").exists()


def test_jsonl_id_that_is_not_a_cable_id_is_made_from_the_text_and_said_so(tmp_path: Path) -> None:
    report = run([EXPORT], tmp_path)

    assert (tmp_path / "2009/07/09OSLO500.txt").exists()
    notes = [str(n) for n in report.notes]
    assert notes == [
        f"{EXPORT}:2: the record's id 'record-17' is not a cable id; id made from the text"
    ]
    assert any("record-17" in line for line in report.lines())


def test_jsonl_bad_line_is_reported_and_the_records_after_it_import(tmp_path: Path) -> None:
    report = run([EXPORT], tmp_path)

    assert skipped_lines(report) == [f"{EXPORT}:3: not a JSON object: Expecting value"]
    assert only_cable(tmp_path / "2009/07/09OSLO510.txt").subject == "THE RECORD AFTER THE BAD LINE"


def test_jsonl_field_mapping(tmp_path: Path) -> None:
    mapping = {
        "id": "ref",
        "created": "when",
        "origin": "office",
        "classification": "level",
        "body": "text_field",
    }
    report = run([MAPPED], tmp_path, jsonl_fields=mapping)

    assert report.imported == 2, report.lines()
    cable = only_cable(tmp_path / "2009/08/09OSLO600.txt")
    assert cable.created.isoformat() == "2009-08-01T12:30:00"
    assert cable.origin == "Embassy Oslo"
    assert cable.subject == "FIELDS MAPPED BY THE USER"
    assert "NOT THE CABLE TEXT" not in (tmp_path / "2009/08/09OSLO600.txt").read_text()
    # A mapped id that is not a cable id is not trusted either.
    assert (tmp_path / "2009/08/09OSLO601.txt").exists()
    assert [n.line for n in report.notes] == [2]


def test_jsonl_without_mapping_misses_the_unusual_field_names(tmp_path: Path) -> None:
    report = run([MAPPED], tmp_path)

    assert report.imported == 0
    assert report.exit_status == 1
    assert len(report.skipped) == 2


def test_unknown_field_mapping_is_a_user_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(FieldMappingError, match="unknown field"):
        run([MAPPED], tmp_path, jsonl_fields={"bdy": "text"})

    status = import_command(parse_args([str(MAPPED), "--into", str(tmp_path), "--field", "bdy=x"]))
    assert status == 2
    assert "--field bdy: unknown field (known: id, created" in capsys.readouterr().err
    status = import_command(parse_args([str(MAPPED), "--into", str(tmp_path), "--field", "body"]))
    assert status == 2
    assert "expected NAME=SOURCEFIELD" in capsys.readouterr().err


def test_mapped_reader_reads_like_the_parser_when_nothing_is_mapped(
    tmp_path: Path, dev_corpus: Path
) -> None:
    # Guards the importer's copy of the JSON Lines reading against drift.
    run([dev_corpus / "records.jsonl"], tmp_path / "parser")
    run([dev_corpus / "records.jsonl"], tmp_path / "mapped", jsonl_fields={"body": "body"})

    assert files_under(tmp_path / "parser") == files_under(tmp_path / "mapped")


# --- re-importing ------------------------------------------------------------------------------


def test_second_import_changes_nothing_and_touches_no_file(tmp_path: Path) -> None:
    into = tmp_path / "cables"
    run([DUMP, PAGES, EXPORT], into)
    before = {p: p.stat().st_mtime_ns for p in into.rglob("*")}
    contents = files_under(into)

    report = run([DUMP, PAGES, EXPORT], into)

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 8)
    assert {p: p.stat().st_mtime_ns for p in into.rglob("*")} == before
    assert files_under(into) == contents
    assert report.exit_status == 0


def test_the_same_dump_from_another_folder_changes_nothing(tmp_path: Path) -> None:
    into = tmp_path / "cables"
    run([DUMP], into)
    moved = tmp_path / "elsewhere" / DUMP.name
    moved.parent.mkdir()
    shutil.copy(DUMP, moved)

    report = run([moved], into)

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 3)


def test_a_changed_row_updates_its_file(tmp_path: Path) -> None:
    dump = tmp_path / "cables.csv"
    shutil.copy(DUMP, dump)
    into = tmp_path / "cables"
    run([dump], into)
    dump.write_text(
        dump.read_text().replace("2. The talks resume in April.", "2. They resume in May.")
    )

    report = run([dump], into)

    assert (report.imported, report.updated, report.unchanged) == (0, 1, 2)
    assert "They resume in May." in (into / "2006/03/06OTTAWA812.txt").read_text()


def test_a_cable_whose_date_changed_moves_to_its_new_month(tmp_path: Path) -> None:
    dump = tmp_path / "cables.csv"
    shutil.copy(DUMP, dump)
    into = tmp_path / "cables"
    run([dump], into)
    dump.write_text(dump.read_text().replace('"3/14/2006 9:05"', '"4/14/2006 9:05"'))

    report = run([dump], into)

    assert report.updated == 1
    assert (into / "2006/04/06OTTAWA812.txt").exists()
    assert not (into / "2006/03/06OTTAWA812.txt").exists()


def test_a_file_the_user_edited_is_not_overwritten(tmp_path: Path) -> None:
    dump = tmp_path / "cables.csv"
    shutil.copy(DUMP, dump)
    into = tmp_path / "cables"
    run([dump], into)
    edited = into / "2006/03/06OTTAWA812.txt"
    edited.write_text(edited.read_text().replace("WILKINS", "WILKINS\n\nMy annotation."))
    dump.write_text(
        dump.read_text().replace("2. The talks resume in April.", "2. They resume in May.")
    )

    report = run([dump], into)

    assert "My annotation." in edited.read_text()
    assert skipped_lines(report) == [
        f"{edited}: skipped (edited by you; --force to overwrite); the import has it from {dump}:1",
        f"{dump}:33: malformed row skipped (unbalanced quotes)",
    ]
    assert (report.updated, report.unchanged) == (0, 2)
    assert report.exit_status == 0


def test_leaving_every_file_alone_because_the_user_edited_it_is_no_failure(
    tmp_path: Path,
) -> None:
    source = tmp_path / "pages"
    shutil.copytree(PAGES / "cable", source)
    into = tmp_path / "cables"
    run([source], into)
    for path in into.rglob("*.txt"):
        path.write_text(path.read_text() + "\nMy note.\n")

    report = run([source], into)

    assert (report.imported, report.updated, report.unchanged, report.kept_edits) == (0, 0, 0, 2)
    assert report.exit_status == 0


def test_force_overwrites_the_users_edit(tmp_path: Path) -> None:
    into = tmp_path / "cables"
    run([DUMP], into)
    edited = into / "2006/03/06OTTAWA812.txt"
    original = edited.read_bytes()
    edited.write_text(edited.read_text() + "\nMy annotation.\n")

    report = run([DUMP], into, force=True)

    assert report.updated == 1
    assert edited.read_bytes() == original


def test_a_file_the_importer_did_not_write_is_left_alone(tmp_path: Path) -> None:
    into = tmp_path / "cables"
    mine = into / "2006/03/06OTTAWA812.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("UNCLAS OTTAWA 000812\n\nSUBJECT: MY OWN TRANSCRIPTION\n")

    report = run([DUMP], into)

    assert mine.read_text().endswith("MY OWN TRANSCRIPTION\n")
    assert f"{mine}: skipped (edited by you; --force to overwrite)" in "\n".join(
        skipped_lines(report)
    )


def test_the_edit_stamp_covers_every_byte(tmp_path: Path) -> None:
    run([DUMP], tmp_path)
    data = (tmp_path / "2006/03/06OTTAWA812.txt").read_bytes()

    assert is_untouched(data)
    assert not is_untouched(data.replace(b"WILKINS", b"WILKINZ"))
    assert not is_untouched(data.replace(b"origin: Embassy Ottawa", b"origin: Embassy Otawa"))
    assert not is_untouched(data.replace(b"\n", b"\r\n"))


# --- duplicates -----------------------------------------------------------------------------


def test_the_same_id_from_two_sources_keeps_the_first_and_names_both(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text(
        '"9","3/14/2006 9:05","06OTTAWA812","Embassy Ottawa","UNCLASSIFIED","","",'
        '"UNCLAS OTTAWA 000812\n\nSUBJECT: ANOTHER TEXT FOR THE SAME ID\n\n1. Different."\n'
    )
    into = tmp_path / "cables"
    report = run([DUMP, other], into)

    assert (
        f"{other}:1: skipped: duplicate of 06OTTAWA812 from {DUMP}:1 (the first one is kept)"
        in (skipped_lines(report))
    )
    assert "SOFTWOOD" in (into / "2006/03/06OTTAWA812.txt").read_text()


def test_an_identical_copy_is_not_reported_as_a_duplicate(tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    shutil.copy(DUMP, copy)
    report = run([DUMP, copy], tmp_path / "cables")

    assert report.imported == 3
    assert report.identical_copies == 3
    assert not [line for line in skipped_lines(report) if "duplicate" in line]


# --- hostile input -----------------------------------------------------------------------------


HOSTILE = {
    "id": "09OSLO700",
    "date_time": "2009-09-01 08:00",
    "origin": 'Embassy "Oslo": x\n---\nid: 99EVIL1\n...',
    "classification": "UNCLASSIFIED",
    "subject": "--- a: b\n---\n'quoted' \"twice\" # not a comment  ",
    "tags": ["NO", "YES", "a: b", "- x"],
    "body": "UNCLAS OSLO 000700\n\n---\nid: 99EVIL2\n---\n\n1. A body with a fence in it.\n",
}


def hostile_export(tmp_path: Path, *records: dict) -> Path:
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_hostile_values_cannot_break_the_front_matter(tmp_path: Path) -> None:
    into = tmp_path / "cables"
    report = run([hostile_export(tmp_path, HOSTILE)], into)

    assert report.imported == 1, report.lines()
    path = into / "2009/09/09OSLO700.txt"
    meta = front_matter(path)
    cable = only_cable(path)
    assert meta["id"] == cable.id == "09OSLO700"
    assert cable.origin == meta["origin"] == HOSTILE["origin"]
    assert cable.subject == HOSTILE["subject"]
    assert cable.tags == ("NO", "YES", "A: B", "- X")
    assert "id: 99EVIL2" in cable.body
    assert sorted(files_under(tmp_path)) == ["cables/2009/09/09OSLO700.txt", "hostile.jsonl"]


def test_hostile_file_names_cannot_break_the_front_matter(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    odd = folder / "odd\n---\nid: 99EVIL3 'x'.txt"
    odd.write_text("---\ncreated: 2009-01-02\n---\nUNCLAS PARIS 000007\n\nSUBJECT: ODD NAME\n")

    report = run([folder], tmp_path / "cables")

    assert report.imported == 1, report.lines()
    meta = front_matter(tmp_path / "cables/2009/01/09PARIS7.txt")
    assert meta["id"] == "09PARIS7"
    assert meta["source"] == f"in/{odd.name}"


def test_unpaired_surrogates_are_written_as_replacement_characters(tmp_path: Path) -> None:
    record = dict(HOSTILE, origin="Embassy Oslo", subject="BROKEN \ud800 ESCAPE")
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(record) + "\n")  # json.dumps writes "\ud800" as an escape

    report = run([path], tmp_path / "cables")

    assert report.imported == 1
    assert only_cable(tmp_path / "cables/2009/09/09OSLO700.txt").subject == "BROKEN \ufffd ESCAPE"
    assert "surrogates" in str(report.notes[-1])


def test_ids_from_the_input_cannot_leave_the_import_folder(tmp_path: Path) -> None:
    source = tmp_path / "src" / "sneaky.txt"
    source.parent.mkdir()
    source.write_text(
        "---\nid: ../../../../tmp/evil\ncreated: 2009-01-01\n---\n"
        "UNCLAS PARIS 000001\n\nSUBJECT: A PATH AS AN ID\n\n1. Text.\n"
    )
    into = tmp_path / "cables"
    run([source], into)

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != source]
    assert written and all(into in p.parents for p in written)


def test_layout_refuses_ids_that_are_not_canonical() -> None:
    from generator.importing.layout import UnsafeId, relpath_of
    from generator.model import Cable

    for bad in ("../evil", "09PARIS/1", "", "09PARÍS1", "a" * 10, "X" * 101, "09PARIS1\x00"):
        with pytest.raises(UnsafeId):
            relpath_of(Cable(id=bad))
    assert relpath_of(Cable(id="75LIBREVILLE1895")) == "undated/75LIBREVILLE1895.txt"


# --- sources, errors and the command ----------------------------------------------------------


def test_a_missing_source_fails_the_import_but_the_others_still_import(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    report = run([missing, DUMP], tmp_path / "cables")

    assert report.imported == 3
    assert [str(e) for e in report.errors] == [f"{missing}: cannot read: no such file or folder"]
    assert report.exit_status == 1


def test_an_unsupported_file_is_a_user_error(tmp_path: Path) -> None:
    odd = tmp_path / "cables.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    report = run([odd], tmp_path / "cables")

    assert report.exit_status == 1
    assert str(report.errors[0]).startswith(f"{odd}: cannot import this kind of file (known: ")


def test_an_unwritable_import_folder_is_reported_not_raised(tmp_path: Path) -> None:
    into = tmp_path / "a-file"
    into.write_text("not a folder")
    report = run([DUMP], into)

    assert report.exit_status == 1
    assert "cannot write" in str(report.errors[0])


def test_the_import_folder_is_not_imported_again(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PAGES, project / "pages")
    into = project / "content" / "cables"
    run([project], into)

    report = run([project], into)

    assert (report.imported, report.unchanged) == (0, 2)


def test_an_inferred_date_is_marked_as_inferred(tmp_path: Path) -> None:
    source = tmp_path / "telegram.txt"
    source.write_text(
        "C O N F I D E N T I A L PARIS 001234\n\nE.O. 12958: DECL: 03/21/2016\n"
        "TAGS: PREL FR\nSUBJECT: AN UNDATED TELEGRAM\n\n1. (C) Text.\n"
    )
    report = run([source], tmp_path / "cables")

    meta = front_matter(tmp_path / "cables/2006/03/06PARIS1234.txt")
    assert meta["created_inferred"] is True
    assert "created inferred as 2006-03-21" in str(report.notes[0])


def test_undated_cables_go_to_the_undated_folder(tmp_path: Path) -> None:
    source = tmp_path / "undated.txt"
    source.write_text("---\nid: 09PARIS5\n---\nUNCLAS PARIS 000005\n\nSUBJECT: NO DATE\n")
    run([source], tmp_path / "cables")

    assert (tmp_path / "cables/undated/09PARIS5.txt").exists()
    assert "created" not in front_matter(tmp_path / "cables/undated/09PARIS5.txt")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cablesite import")
    add_import_arguments(parser)
    return parser.parse_args(argv)


def test_import_command_prints_the_report_and_returns_the_status(tmp_path: Path, capsys) -> None:
    args = parse_args([str(DUMP), str(tmp_path / "missing.jsonl"), "--into", str(tmp_path / "c")])
    assert args.into == tmp_path / "c" and args.force is False and args.field == []

    status = import_command(args)

    out, err = capsys.readouterr()
    assert status == 1
    assert f"error: {tmp_path / 'missing.jsonl'}: cannot read: no such file or folder" in err
    assert f"{DUMP}:33: malformed row skipped (unbalanced quotes)" in out
    assert out.rstrip().endswith("3 imported, 0 updated, 0 unchanged, 1 skipped")
    assert "Traceback" not in out + err


def test_import_command_defaults(tmp_path: Path) -> None:
    args = parse_args(["cables.csv"])
    assert args.into == Path("content/cables")
    assert args.sources == [Path("cables.csv")]
    assert args.jobs is None and args.no_progress is False
