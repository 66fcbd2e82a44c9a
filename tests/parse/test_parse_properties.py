"""Property tests: no parse function raises, whatever text it is given.

Arbitrary text, and real cable text mutated (lines dropped, duplicated,
cut, bytes garbled), must give empty or partial results, never an
exception; and the results keep their promised shapes.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repo import DEMO_CABLES

from generator.parse import (
    canonical_id,
    parse_cable,
    parse_classified_by,
    parse_declassify_on,
    parse_references,
    parse_signers,
    parse_subject,
    parse_summary,
    parse_tags,
    title_case,
)

DEMO = DEMO_CABLES
SEED = (DEMO / "000_34b2fa12b63caf79.txt").read_text(encoding="utf-8")
TELEGRAM = (DEMO / "03OTTAWA311.txt").read_bytes().decode("cp1252")

cable_words = st.sampled_from(
    [
        "REF:",
        "A.",
        "(B)",
        "02",
        "OTTAWA",
        "3442",
        "STATE",
        "SUBJECT:",
        "TAGS:",
        "PREL",
        "PHUMBA",
        "Classified By:",
        "Reasons",
        "1.4",
        "(b)",
        "DECL:",
        "11/22/2012",
        "E.O. 12958:",
        "SUMMARY:",
        "END SUMMARY",
        "1.",
        "(C)",
        "¶",
        "\n",
        "\n\n",
        "C O N F I D E N T I A L",
        "SECTION 01 OF 02",
        "UNCLAS",
        "O 131503Z MAR 08",
        "FM AMEMBASSY PARIS",
        "---",
        "STEVENS",
        "Marc Wall",
        "(",
        ")",
        ":",
        "-",
        "  ",
        "//",
        "NOFORN",
        "RICE",
        "CONDOLEEZZA",
        "PAGE 02 ROME 01196 01 OF 02 082030Z",
    ]
)
cable_like = st.lists(st.one_of(cable_words, st.text(max_size=8)), max_size=60).map(" ".join)
any_text = st.one_of(st.text(max_size=400), cable_like)

ID_SHAPE = re.compile(r"^\d{2}[A-Z]+\d+$")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.integers(min_value=1900, max_value=2100))
def test_references_never_raise(text: str, year: int) -> None:
    ids = parse_references(text, year)
    assert len(ids) == len(set(ids))
    assert all(ID_SHAPE.match(i) for i in ids)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_field_parsers_never_raise(text: str) -> None:
    tags = parse_tags(text)
    assert len(tags) == len(set(tags)) and all(t == t.upper() for t in tags)
    assert isinstance(parse_subject(text), str)
    decl = parse_declassify_on(text)
    assert decl is None or re.match(r"^\d{4}-\d\d-\d\d$", decl)
    assert isinstance(parse_classified_by(text), list)
    assert isinstance(parse_signers(text), list)
    summary = parse_summary(text)
    assert summary is None or summary.strip() == summary
    assert isinstance(title_case(text), str)
    assert isinstance(canonical_id(text), str)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(any_text, st.sampled_from([None, "x.txt", "x.html", "x.md", "x.csv", "x.jsonl"]))
def test_parse_cable_never_raises(text: str, filename: str | None) -> None:
    cable = parse_cable(text, filename=filename)
    assert cable.id == "" or ID_SHAPE.match(cable.id) or cable.id.isalnum()


def _mutations(source: str):
    lines = source.split("\n")
    return st.lists(
        st.tuples(
            st.sampled_from(["drop", "dup", "cut", "garble", "swap"]),
            st.integers(min_value=0, max_value=len(lines) - 1),
            st.integers(min_value=0, max_value=80),
        ),
        max_size=12,
    ).map(lambda ops: _apply(lines, ops))


def _apply(lines: list[str], ops) -> str:
    out = list(lines)
    for op, i, n in ops:
        if not out:
            break
        i %= len(out)
        if op == "drop":
            del out[i]
        elif op == "dup":
            out.insert(i, out[i])
        elif op == "cut":
            out = out[: i + 1]
            out[-1] = out[-1][:n]
        elif op == "garble":
            out[i] = out[i][:n] + "\ufffd\x00<>&\"'" + out[i][n:]
        else:
            j = (i + n) % len(out)
            out[i], out[j] = out[j], out[i]
    return "\n".join(out)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(_mutations(SEED), _mutations(TELEGRAM)))
def test_mutated_real_cables_parse_without_raising(text: str) -> None:
    cable = parse_cable(text, filename="mutated.txt")
    for ref in cable.references:
        assert ref.id is None or ID_SHAPE.match(ref.id)
    assert all(p.text == p.text.strip() for p in cable.paragraphs)
