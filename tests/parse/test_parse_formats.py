"""Each input format, read from files, and what happens with bad input."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from repo import REPO

from generator.model import Problem
from generator.parse import CableWarning, parse_cable, read_cables

DEMO = REPO / "content" / "cables"


def read_all(path: Path) -> tuple[list, list[Problem]]:
    problems: list[Problem] = []
    cables = list(read_cables(path, on_problem=problems.append))
    return cables, problems


def test_the_seed_scoop_extract() -> None:
    (cable,), _ = read_all(DEMO / "000_34b2fa12b63caf79.txt")
    assert cable.id == "03OTTAWA49"
    assert cable.origin == "Embassy Ottawa"
    assert cable.station == "OTTAWA"
    assert cable.classification == "CONFIDENTIAL"
    assert cable.subject == "YOUR MEETING WITH CANADIAN DEFENSE MINISTER"
    assert cable.reference_ids == ("02OTTAWA3442", "02OTTAWA3101", "02OTTAWA3556")
    assert [r.label for r in cable.references] == ["A", "B", "C"]
    assert cable.classified_by == ("Michael Gallagher",)
    assert cable.reasons == "1.5 (b) and (d)"
    assert cable.declassify_on == "2012-01-07"
    assert cable.partial is True
    assert cable.source_format == "scoop"
    assert "Scoop" not in cable.body and "Headlines" not in cable.body
    assert "Cablegate:" not in cable.body
    # no date in an extract: inferred, and said so
    assert cable.created == datetime(2003, 1, 7)
    assert cable.created_inferred
    assert any("inferred" in w for w in cable.warnings)
    assert [p.number for p in cable.paragraphs] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert {p.marking for p in cable.paragraphs} == {"C"}
    assert cable.summary and cable.summary.startswith("Canadian Defense Minister John McCallum")


def test_front_matter_overrides_the_seed_date(tmp_path: Path) -> None:
    seed = (DEMO / "000_34b2fa12b63caf79.txt").read_text(encoding="utf-8")
    path = tmp_path / "seed.txt"
    path.write_text("---\ncreated: 2003-01-08 12:00\nnote: checked\n---\n" + seed, encoding="utf-8")
    (cable,), _ = read_all(path)
    assert cable.created == datetime(2003, 1, 8, 12, 0)
    assert cable.note == "checked"
    assert not cable.created_inferred
    assert not any("inferred" in w for w in cable.warnings)


def test_raw_telegram_latin1_with_routing_header() -> None:
    (cable,), problems = read_all(DEMO / "03OTTAWA311.txt")
    assert any("not UTF-8" in p.message for p in problems)
    assert cable.id == "03OTTAWA311"
    assert cable.created == datetime(2003, 2, 3, 15, 30)
    assert cable.header.startswith("VZCZC") and "FM AMEMBASSY OTTAWA" in cable.header
    assert cable.body.startswith("C O N F I D E N T I A L")
    assert cable.subject == (
        "SAMPLE CABLE: CANADA WEIGHS ITS IRAQ OPTIONS AFTER THE SECRETARY'S UN PRESENTATION"
    )
    assert cable.reference_ids == ("03OTTAWA49", "03STATE9002")
    assert cable.references[2].id is None and "E-MAIL" in cable.references[2].text
    assert cable.signers == ("CELLUCCI",)
    # the page break inside paragraph 3 is furniture, not text
    assert all("00000311" not in p.text for p in cable.paragraphs)
    assert [p.number for p in cable.paragraphs] == [1, 2, 3, 4]
    assert cable.paragraphs[0].marking == "U"


def test_wikileaks_viewer_page() -> None:
    (cable,), _ = read_all(DEMO / "03STATE9002.html")
    assert cable.id == "03STATE9002"
    assert cable.created == datetime(2003, 1, 15, 22, 41)
    assert cable.released == date(2011, 8, 30)
    assert cable.origin == "Secretary of State"
    assert cable.tags == ("PREL", "MARR", "IZ", "NATO")
    assert "<a" not in cable.body and "¶" not in cable.body
    assert cable.header.startswith("O 152241Z JAN 03")


def test_cables_csv_dump_rows() -> None:
    cables, problems = read_all(DEMO / "sample-dump.csv")
    assert problems == []
    toronto, halifax = cables
    assert toronto.id == "03TORONTO55" and toronto.origin == "Consulate Toronto"
    assert toronto.subject == 'SAMPLE: ONTARIO REACTS TO THE "IRAQ DEBATE"'
    assert "Ottawa's decision" in toronto.body
    assert toronto.source_path.endswith("sample-dump.csv:1")
    assert halifax.id == "03HALIFAX21"
    assert halifax.raw_id == "03SECTION01OF02HALIFAX21"
    assert halifax.classification == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"


def test_csv_malformed_row_is_reported_and_the_rest_import(tmp_path: Path) -> None:
    good = '"{n}","1/2/2009 10:00","09PARIS{n}","Embassy Paris","UNCLASSIFIED","","","UNCLAS PARIS 0000{n}\nSUBJECT: ROW {n} \\"QUOTED\\"\n"\r\n'
    bad = '"3","1/2/2009 10:00","09PARIS3","Embassy Paris","UNCLASSIFIED"\r\n'
    path = tmp_path / "cables.csv"
    path.write_text(good.format(n=1) + good.format(n=2) + bad + good.format(n=4), encoding="utf-8")
    cables, problems = read_all(path)
    assert [c.id for c in cables] == ["09PARIS1", "09PARIS2", "09PARIS4"]
    assert cables[0].subject == 'ROW 1 "QUOTED"'
    assert len(problems) == 1 and problems[0].line == 7 and "malformed row" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:7: ")


def test_csv_doubled_year_id(tmp_path: Path) -> None:
    row = '"1","11/3/1975 12:00","7575LIBREVILLE1895","Embassy Libreville","CONFIDENTIAL","","","CONFIDENTIAL LIBREVILLE 1895\n"\n'
    path = tmp_path / "cables.csv"
    path.write_text(row, encoding="utf-8")
    (cable,), _ = read_all(path)
    assert cable.id == "75LIBREVILLE1895" and cable.raw_id == "7575LIBREVILLE1895"


def test_jsonl_export_with_flattened_body_and_untrusted_id() -> None:
    (cable,), _ = read_all(DEMO / "sample-export.jsonl")
    assert cable.id == "03MONTREAL42"
    assert cable.tags == ("PREL", "PGOV", "CA")
    assert cable.subject == "SAMPLE: QUEBEC VIEWS ON IRAQ"
    assert cable.reference_ids == ("03OTTAWA311", "03TORONTO55")
    assert cable.classified_by == ("John Smith",)
    assert [p.number for p in cable.paragraphs] == [1, 2]


def test_jsonl_bad_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(
        '{"body": "UNCLAS PARIS 000001", "date_time": "1/1/2009 1:00"}\n{not json\n[1]\n',
        encoding="utf-8",
    )
    cables, problems = read_all(path)
    assert [c.id for c in cables] == ["09PARIS1"]
    assert [p.line for p in problems] == [2, 3]


def test_markdown_transcription() -> None:
    (cable,), _ = read_all(DEMO / "03OTTAWA312.md")
    assert cable.id == "03OTTAWA312"
    assert cable.subject == "Sample: a hand transcription of a press summary"
    assert cable.tags == ("KPAO", "PREL", "CA")
    assert cable.reference_ids == ("03OTTAWA311",)
    assert cable.note and "not a real cable" in cable.note


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n", "empty file"),
        ("image.txt", bytes(range(256)) * 4, "binary"),
        ("prose.txt", b"Dear diary, today nothing happened.\n", "not a cable"),
        ("page.html", b"<html><body><p>hello</p></body></html>", "not a WikiLeaks cable page"),
        (
            "truncated.txt",
            b"VZCZCXRO1234\nOO RUEHC\nDE RUEHOT #0311/01 0341530\nO 031530Z FEB 03\nFM AMEMB",
            "skipped",
        ),
        (
            "mangled.txt",
            b"C O N F I D E N T I A L SECTION 01 OF 02\n\nSUBJECT: NO STATION\n",
            "cannot make the cable id",
        ),
    ],
)
def test_bad_input_is_reported_never_raised(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    cables, problems = read_all(path)
    assert cables == []
    assert problems and message in problems[-1].message
    assert str(problems[-1]).startswith(str(path))


def test_broken_front_matter_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "---\nid: 03OTTAWA49\ntags: [PREL\n---\nUNCLAS OTTAWA 000049\n\nE.O. 12958: DECL: 01/07/2013\n",
        encoding="utf-8",
    )
    cables, problems = read_all(path)
    assert problems[0].line is not None and "front matter" in problems[0].message
    assert [c.id for c in cables] == ["03OTTAWA49"]  # the text still gives the id (year from DECL)


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    _, problems = read_all(tmp_path / "nope.txt")
    assert problems and "cannot read" in problems[0].message


def test_default_problem_handler_warns(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.warns(CableWarning, match="empty file"):
        assert list(read_cables(path)) == []


def test_parse_cable_on_garbage_returns_an_empty_cable() -> None:
    cable = parse_cable("\x00\x01 nonsense")
    assert cable.id == "" and cable.warnings


def test_noforn_caption_joins_the_classification() -> None:
    text = "S E C R E T SECTION 01 OF 02 BAGHDAD 000123\n\nNOFORN\nSIPDIS\n\nE.O. 12958: DECL: 01/01/2018\n"
    cable = parse_cable("---\ncreated: 2008-01-01\n---\n" + text)
    assert cable.id == "08BAGHDAD123"
    assert cable.classification == "SECRET//NOFORN"


def test_jsonl_id_hint_used_only_when_the_text_has_none(tmp_path: Path) -> None:
    import json

    def record(_id: str, banner: str) -> str:
        body = f"C O N F I D E N T I A L SECTION 01 OF 02 {banner}  E.O. 12958: DECL: 01/29/2020  1. (U) x."
        return json.dumps({"_id": _id, "date_time": "2010-01-29 06:06", "body": body}) + "\n"

    path = tmp_path / "export.jsonl"
    # the banner lost its serial: the record's _id (a cable id of that year) stands in
    path.write_text(record("10BERLIN128", "BERLIN") + record("10BERLIN999", "BERLIN 000128"))
    hinted, banner = read_all(path)[0]
    assert hinted.id == "10BERLIN128" and any("_id" in w for w in hinted.warnings)
    # with a banner, _id is what it usually is: the cited cables
    assert banner.id == "10BERLIN128" and banner.reference_ids == ("10BERLIN999",)


def test_viewer_page_of_a_partial_extract(dev_corpus: Path) -> None:
    (cable,), _ = read_all(dev_corpus / "wikileaks-html" / "00THEHAGUE1695.html")
    assert cable.partial is True
    assert cable.header == ""
    assert cable.body.startswith("UNCLAS SECTION 01 OF 02 THE HAGUE 001695")


def test_front_matter_states_header_lines_raw_id_and_inferred_date(tmp_path: Path) -> None:
    path = tmp_path / "75LIBREVILLE1895.txt"
    path.write_text(
        "---\nid: 75LIBREVILLE1895\nraw_id: 7575LIBREVILLE1895\ncreated: 1975-11-03\n"
        "created_inferred: true\nheader_lines: 2\n---\n"
        "142115Z Jun 75\nFM AMEMBASSY LIBREVILLE\n\nCONFIDENTIAL LIBREVILLE 1895\n\nSUBJECT: X\n",
        encoding="utf-8",
    )
    (cable,), _ = read_all(path)
    assert cable.header == "142115Z Jun 75\nFM AMEMBASSY LIBREVILLE"
    assert cable.body.startswith("CONFIDENTIAL LIBREVILLE 1895")
    assert cable.raw_id == "7575LIBREVILLE1895" and cable.id == "75LIBREVILLE1895"
    assert cable.created_inferred


def test_byte_order_mark_before_the_first_row(tmp_path: Path) -> None:
    row = '"1","1/2/2009 10:00","09PARIS1","Embassy Paris","UNCLASSIFIED","","","UNCLAS PARIS 000001\n"\n'
    path = tmp_path / "cables.csv"
    path.write_bytes(b"\xef\xbb\xbf" + row.encode())
    cables, problems = read_all(path)
    assert [c.id for c in cables] == ["09PARIS1"] and problems == []


def test_classified_by_is_not_declassified_by() -> None:
    from generator.parse import parse_classified_by

    text = "E.O. 12958: DECL: DECLASSIFIED BY NARA 09/02/2009\nTAGS: EFIS, PBTS, AR\n"
    assert parse_classified_by(text) == []
