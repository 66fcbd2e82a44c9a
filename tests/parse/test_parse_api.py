"""The parse API on the examples the parser issue names, plus real fragments."""

from __future__ import annotations

import pytest

from generator.parse import (
    canonical_id,
    parse_classified_by,
    parse_declassify_on,
    parse_references,
    parse_signers,
    parse_subject,
    parse_summary,
    parse_tags,
    title_case,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08SECSTATE74879", "08STATE74879"),
        ("05RIODEJAN123", "05RIODEJANEIRO123"),
        ("06PORT-OF-SPAIN123", "06PORTOFSPAIN123"),
        ("09AMEMBASSYHANOI1284", "09HANOI1284"),
        ("7575LIBREVILLE1895", "75LIBREVILLE1895"),
        ("09SECTION01OF03SANJOSE525", "09SANJOSE525"),
        ("03OTTAWA000049", "03OTTAWA49"),
        ("2007MANAGUA2135", "07MANAGUA2135"),
        ("03ottawa49", "03OTTAWA49"),
        ("09USUN NEW YORK 12", "09USUNNEWYORK12"),
        # OCR-mangled section prefixes from the release's own id list
        ("06SECTIO03OF03MINSK1128", "06MINSK1128"),
        ("07SETION02OF02BAKU1501", "07BAKU1501"),
        ("06SECTION01O02HONGKONG2311", "06HONGKONG2311"),
        ("08EFTOANKARA123", "08ANKARA123"),
        # PlusD's suffix for differing duplicates
        ("03OTTAWA49_a", "03OTTAWA49"),
    ],
)
def test_canonical_id(raw: str, expected: str) -> None:
    assert canonical_id(raw) == expected


def test_canonical_id_leaves_unshaped_input_recognisable() -> None:
    assert canonical_id("not an id!") == "NOTANID"
    assert canonical_id("") == ""


def test_references_nested_labels() -> None:
    text = "REF: A. (A) 02 OTTAWA 3442 (B) 02 OTTAWA 3101 B. (C) 02 OTTAWA 3556"
    assert parse_references(text, 2003) == ["02OTTAWA3442", "02OTTAWA3101", "02OTTAWA3556"]


def test_reference_without_year_takes_citing_year() -> None:
    assert parse_references("REF: STATE 106206", 1966) == ["66STATE106206"]


def test_four_and_two_digit_years() -> None:
    assert parse_references("REF: 2007 MANAGUA 2135", 2008) == ["07MANAGUA2135"]
    assert parse_references("REF: 07 MANAGUA 2135", 2008) == ["07MANAGUA2135"]


def test_non_cable_references_are_not_cables() -> None:
    text = (
        "REF: A. EMAIL FROM JONES TO SMITH 3/4/08\n"
        "B. PARIS POINTS JULY 15\n"
        "C. SECDEF R162245Z OCT 08\n"
        "D. OSC REPORT GMP20080512950012\n"
        "E. MEMCON OF 12/3/2007 MEETING"
    )
    assert parse_references(text, 2008) == []


def test_own_id_is_never_returned() -> None:
    assert parse_references("REF: A. 08 PARIS 1234 B. PARIS 99", 2008, "08PARIS1234") == [
        "08PARIS99"
    ]


def test_only_the_ref_block_counts() -> None:
    text = (
        "SUBJECT: X\n\nREF: A. 08 PARIS 12\n\nClassified By: Ambassador Craig Stapleton, "
        "reasons 1.4 (b) and (d)\n\n1. (C) As reported in 08 PARIS 99, ..."
    )
    assert parse_references(text, 2008) == ["08PARIS12"]


def test_ref_block_ends_at_summary_and_paragraph_one() -> None:
    assert parse_references("REF: STATE 1\n\nSUMMARY: see STATE 2", 2008) == ["08STATE1"]
    assert parse_references("REF: STATE 1\n1. (U) see STATE 2", 2008) == ["08STATE1"]


def test_duplicates_collapse_in_order() -> None:
    text = "REFS: A) STATE 5, B) 08 STATE 5, C) BAGHDAD 7"
    assert parse_references(text, 2008) == ["08STATE5", "08BAGHDAD7"]


def test_ref_items_separated_by_blank_lines() -> None:
    # 05BAGHDAD2472 of the dev corpus; the items stand on their own lines
    text = "REF: A. BAGHDAD 2427\n\nB. BAGHDAD 2436\n\nC. BAGHDAD 2446\n\nClassified By: x"
    assert parse_references(text, 2005) == ["05BAGHDAD2427", "05BAGHDAD2436", "05BAGHDAD2446"]


def test_ref_block_across_a_page_break() -> None:
    text = (
        "REF: A. STATE 40721\n CONFIDENTIAL\n"
        "PAGE 02 ROME 01196 01 OF 02 082030Z  B. ROME 1098  C. ROME 894\n"
        "CLASSIFIED BY: POL MINCOUNS THOMAS COUNTRYMAN, REASONS 1.5 (B) AND (D)."
    )
    assert parse_references(text, 2002) == ["02STATE40721", "02ROME1098", "02ROME894"]


def test_multiword_station_aliases() -> None:
    text = "REF: A. RIO DE JANEIRO 52 B. SECSTATE 1234 C. USUN NEW YORK 77 D. PORT AU PRINCE 3"
    assert parse_references(text, 2009) == [
        "09RIODEJANEIRO52",
        "09STATE1234",
        "09USUNNEWYORK77",
        "09PORTAUPRINCE3",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TAGS: PREL, PGOV, PINS, TU", ["PREL", "PGOV", "PINS", "TU"]),
        ("Tags: prel pgov", ["PREL", "PGOV"]),
        ("TAGS PTER MARR", ["PTER", "MARR"]),
        ("TAGS: PHUMBA", ["PHUM", "BA"]),
        ("TAGS: ETRDEINVECINPGOVCS", ["ETRD", "EINV", "ECIN", "PGOV", "CS"]),
        ("TAGS: PREL, PREL, PGOV", ["PREL", "PGOV"]),
        ("TAGS: OVIP RICE CONDOLEEZZA", ["OVIP", "RICE, CONDOLEEZZA"]),
        ("TAGS: OVIP (RICE, CONDOLEEZZA) PREL", ["OVIP", "RICE, CONDOLEEZZA", "PREL"]),
        (
            "E.O. 12958: DECL: 06/01/2025 \nTAGS: PGOV, PREL, KDEM, IZ \nSUBJECT: X",
            ["PGOV", "PREL", "KDEM", "IZ"],
        ),
        ("no tags here", []),
        # from the dev corpus: a field run onto the E.O. line (05BRASILIA1682)
        ("E.O. 12958: N/A TAGS: ECON EFIN\n\nSUBJECT: X", ["ECON", "EFIN"]),
        # four letters are a tag, not two countries (09BRASILIA1038, 09BRASILIA1100)
        ("TAGS: KNUP PARM MASC", ["KNUP", "PARM", "MASC"]),
        # a run of words that are not tags is one tag (02ROME1196)
        (
            "TAGS PHUM, OPRC, OPRC, IT, ITPHUM, HUMAN RIGHTS",
            ["PHUM", "OPRC", "IT", "HUMAN RIGHTS"],
        ),
        ("TAGS: PGOV ITALIAN POLITICS", ["PGOV", "ITALIAN POLITICS"]),
        ("TAGS: PREL KPAO OVIP (CLINTON, HILLARY)", ["PREL", "KPAO", "OVIP", "CLINTON, HILLARY"]),
    ],
)
def test_parse_tags(text: str, expected: list[str]) -> None:
    assert parse_tags(text) == expected


def test_subject_wraps_and_loses_its_marking() -> None:
    text = (
        "SUBJECT: (C) BACK TO THE FUTURE? QADHAFI CALLS FOR DRAMATIC\n"
        "SOCIO-ECONOMIC CHANGE IN GPC SPEECH\n\nREF: TRIPOLI 123"
    )
    assert parse_subject(text) == (
        "BACK TO THE FUTURE? QADHAFI CALLS FOR DRAMATIC SOCIO-ECONOMIC CHANGE IN GPC SPEECH"
    )


def test_subject_stops_before_ref_and_classified_by() -> None:
    assert parse_subject("SUBJ: (SBU) FOO BAR\nREF: STATE 1") == "FOO BAR"
    assert parse_subject("SUBJECT: FOO\nClassified By: Jane Doe") == "FOO"
    # 07KINGSTON382: the subject wraps onto a second line
    text = "SUBJECT: REQUEST FOR HUMAN RIGHTS VETTING FOR US IMET IS 26 \nMARCH 2007 \n \n \n\xb61. Post"
    assert parse_subject(text) == "REQUEST FOR HUMAN RIGHTS VETTING FOR US IMET IS 26 MARCH 2007"
    assert parse_subject("nothing") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E.O. 12958: DECL: 11/22/2012", "2012-11-22"),
        ("DECL: 6/3/08", "2008-06-03"),
        ("E.O. 12958: N/A", None),
        ("E.O. 12958: DECL: 1.6X6", None),
        ("E.O. 12958: DECL: 13/45/2012", None),
        ("EO 12958 DECL: 2019/03/11", "2019-03-11"),
    ],
)
def test_parse_declassify_on(text: str, expected: str | None) -> None:
    assert parse_declassify_on(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Classified By: Acting Deputy Chief of Mission Marc Wall for Reasons 1.4 (b) and (d)",
            ["Marc Wall"],
        ),
        (
            "CLASSIFIED BY: Rose E. Gottemoeller, Assistant Secretary, VCI. REASON: 1.4 (b)",
            ["Rose E. Gottemoeller"],
        ),
        (
            "Classified By: Charge d'Affaires Michael Gallagher,\nReasons 1.5 (b) and (d).",
            ["Michael Gallagher"],
        ),
        (
            "CLASSIFIED BY: CLASSIFIED BY POLITICAL MINISTER COUNSELOR SHARON WIENER \nFOR REASONS 1.5 (B) AND (D).",
            ["SHARON WIENER"],
        ),
        (
            "Classified By: A/Polcouns Henry S. Ensher. Reasons 1.4 (B) and (D).",
            ["Henry S. Ensher"],
        ),
        (
            "Classified By: Ambassador Ryan C. Crocker for reasons 1.4 (b) and (d).",
            ["Ryan C. Crocker"],
        ),
        ("Classified By: Ambassador for reasons 1.4 (b)", []),
        ("no classifier", []),
    ],
)
def test_parse_classified_by(text: str, expected: list[str]) -> None:
    assert parse_classified_by(text) == expected


def test_parse_signers() -> None:
    assert parse_signers("...END COMMENT. STEVENS") == ["STEVENS"]
    assert parse_signers("3.  Post appreciates Department's assistance.\n\nJOHNSON\n") == [
        "JOHNSON"
    ]
    assert parse_signers("the text ends with a sentence.") == []
    assert parse_signers("7. (C) END COMMENT.\n\nCROCKER\n\nBT\n#0382\nNNNN") == ["CROCKER"]
    assert parse_signers("") == []


def test_parse_summary() -> None:
    text = "1. (C) Summary: Iraq is the issue. We agree. End Summary.\n\n2. (C) Next."
    assert parse_summary(text) == "Iraq is the issue. We agree."
    flat = "1. (C/NF) SUMMARY. The recent transfer matters. END SUMMARY. 2. (C) Other."
    assert parse_summary(flat) == "The recent transfer matters."
    assert parse_summary("1. (U) No summary at all.") is None


def test_summary_without_opening_words_ends_at_end_summary() -> None:
    # the Scoop extract of 03OTTAWA49 lost the "Summary:" words
    text = "1. (C) Canadian Defense Minister John McCallum is looking\nforward. END SUMMARY.\n\n2. (C) Since"
    assert parse_summary(text) == "Canadian Defense Minister John McCallum is looking forward."


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (
            "BACK TO THE FUTURE? QADHAFI CALLS FOR DRAMATIC SOCIO-ECONOMIC CHANGE IN GPC SPEECH",
            "Back to the Future? Qadhafi Calls for Dramatic Socio-Economic Change in GPC Speech",
        ),
        (
            "YOUR MEETING WITH CANADIAN DEFENSE MINISTER",
            "Your Meeting with Canadian Defense Minister",
        ),
        ("IRAQ: NGO REGISTRY SEEKS STABILITY", "Iraq: NGO Registry Seeks Stability"),
        ("MCCALLUM AND O'BRIEN ON U.S. TIES", "McCallum and O'Brien on U.S. Ties"),
        ("Already Mixed Case", "Already Mixed Case"),
        ("COMMENTS ON 03OTTAWA49 AND THE G8 SUMMIT", "Comments on 03OTTAWA49 and the G8 Summit"),
        ("", ""),
    ],
)
def test_title_case(subject: str, expected: str) -> None:
    assert title_case(subject) == expected
