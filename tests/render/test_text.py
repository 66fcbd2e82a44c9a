"""How cable text is shown: reflowed lines, ruled headings, anchors, marking levels."""

from __future__ import annotations

import pytest
from sitekit import cable

from generator.model import Paragraph
from generator.render.text import Line, marking_level, paragraphs_for, reflow, ruled_title


def test_hard_wrapped_lines_are_joined_and_list_items_kept() -> None:
    text = "Canada has told us it\nwould participate.\n-- first point,\nwrapped;\n-- second."
    assert reflow(text) == (
        Line("Canada has told us it would participate."),
        Line("-- first point, wrapped;"),
        Line("-- second."),
    )


def test_ruled_section_headings() -> None:
    ruled = "------------------ -----\nWhether We Like It or Not\n------------------ -----"
    assert reflow(ruled) == (Line("Whether We Like It or Not", heading=True),)
    assert ruled_title("------- Aggressive Diplomacy -------") == "Aggressive Diplomacy"
    assert ruled_title("-- an item --") is None
    assert ruled_title("------") is None


def test_a_very_long_flattened_line_is_handled() -> None:
    line = "word - " * 50_000
    assert reflow(line) == (Line(line.strip()),)


def test_anchors_are_stable_and_unique() -> None:
    item = cable(
        "03OTTAWA49",
        None,
        paragraphs=(
            Paragraph(None, None, "Opening block"),
            Paragraph(1, "C", "One"),
            Paragraph(2, "U", "Two"),
            Paragraph(2, "U", "Two again"),
            Paragraph(None, None, "Signature"),
        ),
    )
    assert [p.anchor for p in paragraphs_for(item)] == ["b1", "p1", "p2", "p2-2", "b2"]


def test_a_cable_without_parsed_paragraphs_is_split_at_blank_lines() -> None:
    item = cable("03OTTAWA49", None, paragraphs=(), body="First.\n\nSecond.")
    assert [p.lines for p in paragraphs_for(item)] == [(Line("First."),), (Line("Second."),)]


@pytest.mark.parametrize(
    ("marking", "level"),
    [
        ("C", "confidential"),
        ("C//NF", "confidential"),
        ("S//NF", "secret"),
        ("SECRET//NOFORN", "secret"),
        ("SBU", "sensitive"),
        ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "sensitive"),
        ("U", "unclassified"),
        ("UNCLAS", "unclassified"),
        ("TS", "topsecret"),
        ("", "none"),
        ('"><script>', "none"),
    ],
)
def test_marking_levels(marking: str, level: str) -> None:
    assert marking_level(marking) == level
