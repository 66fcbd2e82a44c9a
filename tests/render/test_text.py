"""How cable text is shown: reflowed lines, ruled headings, anchors, marking levels."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from repo import DEMO_CABLES, DEV_CORPUS
from sitekit import cable

from generator.model import Cable, Paragraph
from generator.parse import read_cables
from generator.render.text import (
    LEVEL_CLASSES,
    Line,
    cable_text_html,
    is_rule,
    marking_level,
    paragraphs_for,
    reflow,
    ruled_title,
    summary_in_text,
)


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


# --- the text written once, for both views -------------------------------------


_CLOSES_P = frozenset({"p", "div", "h3", "details"})


class _Views(HTMLParser):
    """What each view of cable_text_html shows: text outside .orig (reading), outside .rdg (original)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.reading: list[str] = []
        self.original: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P and self.stack and self.stack[-1] == "p":
            self.handle_endtag("p")  # a paragraph's end tag is left out: a block closes it
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "id" in found and tag in ("p", "h3"):
            self.anchors.append(str(found["id"]))
        if tag == "br":
            if "rdg" not in classes:
                self.original.append("\n")
            self.reading.append("\n")
            return
        paragraph_link = tag == "a" and str(found.get("href", "")).startswith("#")
        marking = tag == "b" and bool(set(classes) & set(LEVEL_CLASSES.values()))
        if paragraph_link or marking:
            # the paragraph's number and marking, not its text ("¶" of a block: reading only)
            self.stack.append("link-only" if "rdg" in classes else "label")
        elif "orig" in classes or "rdg" in classes:
            self.stack.append("orig" if "orig" in classes else "rdg")
        else:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.stack and self.stack[-1] == "p":
            self.handle_endtag("p")  # the last paragraph, closed by the end of its container
        if tag != "br":
            self.stack.pop()
        if tag in ("p", "h3", "div"):  # a block ends a line in both views
            self.reading.append("\n")
            self.original.append("\n")

    def handle_data(self, data: str) -> None:
        if "summary" in self.stack or "pre" in self.stack:
            return  # the routing header: its own block, the same in both views
        if "link-only" in self.stack:
            return
        if "label" in self.stack:  # shown in both views, as written in the original
            self.original.append(data)
            return
        if "orig" not in self.stack:  # white-space: normal: a line end is a space
            self.reading.append(data.replace("\n", " "))
        if "rdg" not in self.stack:
            self.original.append(data)


def _views(html: str) -> _Views:
    views = _Views()
    views.feed(html)
    return views


def _words(text: str) -> list[str]:
    return text.split()


def _dev_cables() -> list[Cable]:
    files = sorted(DEV_CORPUS.rglob("*.txt")) + sorted(DEMO_CABLES.glob("*.txt"))
    if not files:
        pytest.skip(f"no dev corpus at {DEV_CORPUS}")
    return [c for f in files for c in read_cables(f, on_problem=lambda _: None)]


def test_original_view_is_every_line_of_the_body() -> None:
    """No word of the telegram is lost, and each line of the body is a line of the page."""
    for found in _dev_cables():
        views = _views(str(cable_text_html(found)))
        shown = "".join(views.original)
        assert _words(shown) == _words(found.body), found.id
        shown_lines = {line.strip() for line in shown.split("\n")}
        for line in found.body.split("\n"):
            if line.strip() and not any(line.strip().endswith(s) and s for s in shown_lines):
                raise AssertionError(f"{found.id}: line not kept: {line!r}")


def test_reading_view_is_the_paragraphs_text() -> None:
    """The reading view shows the parser's paragraphs, word for word, without rules of dashes."""
    for found in _dev_cables():
        views = _views(str(cable_text_html(found)))
        reading = [w for w in _words("".join(views.reading)) if not is_rule(w)]
        wanted = [w for p in found.paragraphs for w in _words(p.text) if not is_rule(w)]
        assert reading == wanted, found.id


def test_anchors_badges_and_routing_header() -> None:
    found = cable(
        "03OTTAWA311",
        None,
        header="R 031530Z FEB 03\nFM AMEMBASSY OTTAWA",
        body=(
            "C O N F I D E N T I A L\n\nSUBJECT: TEST\n\n"
            "1.  (C)  First line\nsecond line\n-- an item\n\n"
            "OTTAWA 00000311  002 OF 002\n\n2. (S//NF) Next.\n\n2. Again <b>bold</b>\n"
        ),
        paragraphs=(
            Paragraph(number=1, marking="C", text="First line\nsecond line\n-- an item"),
            Paragraph(number=2, marking="S//NF", text="Next."),
            Paragraph(number=2, marking=None, text="Again <b>bold</b>"),
        ),
    )
    html = str(cable_text_html(found))
    views = _views(html)
    assert views.anchors == ["p1", "p2", "p2-2"]
    assert '<p id="p1"><a href="#p1">1.</a>  <b class="C">(C)</b>  First' in html
    assert '<b class="S">(S//NF)</b>' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>" not in html
    assert '<details id="routing">' in html
    reading = re.sub(r" *\n *", "\n", re.sub(r" +", " ", "".join(views.reading)))
    assert "First line second line\n-- an item\n" in reading
    assert "C O N F I D E N T I A L" not in reading and "002 OF 002" not in reading
    original = "".join(views.original)
    assert "1.  (C)  First line\nsecond line\n-- an item" in original
    assert "C O N F I D E N T I A L" in original and "OTTAWA 00000311  002 OF 002" in original


def test_text_the_parser_changed_is_still_shown_in_both_views() -> None:
    found = cable(
        "03OTTAWA1",
        None,
        body="1. One two\nthree.\n",
        paragraphs=(Paragraph(number=1, marking=None, text="One two three, rewritten."),),
    )
    views = _views(str(cable_text_html(found)))
    assert "rewritten" in "".join(views.reading)
    assert "One two\nthree." in "".join(views.original)


def test_summary_in_the_first_paragraph_is_not_repeated() -> None:
    text = "Summary: Canada waits.\nEnd summary."
    first = Paragraph(number=1, marking=None, text=text)
    assert summary_in_text(cable("03OTTAWA1", None, summary="Canada waits.", paragraphs=(first,)))
    assert not summary_in_text(
        cable("03OTTAWA1", None, summary="Something else.", paragraphs=(first,))
    )
