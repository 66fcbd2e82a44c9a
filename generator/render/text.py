"""Presentation helpers for cable text: paragraphs, anchors, markings.

Pure functions of strings; the templates escape whatever these return.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup

from generator.model import Cable, Paragraph
from generator.render.highlight import highlight_cable

# A line that starts a list item keeps its own line when a paragraph is reflowed.
_ITEM_START = re.compile(r"^\s*(--|-\s|\*\s|\(?[A-Za-z0-9]{1,3}[.)]\s|[•·]\s)")
_BLANK_LINES = re.compile(r"\n\s*\n")
# Telegrams draw section headings between rules of dashes: "------ HEADING ------".
_RULE_CHARS = "-_=*"
_MAX_HEADING = 120

# Named tuples rather than frozen dataclasses: every paragraph of every cable
# page makes one of each, and a frozen dataclass sets each field through
# object.__setattr__ (a third of the time paragraphs_for took). They are made
# with ``_tuple_new(Line, (text, heading))``, every field given: the named
# tuple's own __new__ is a Python function around that call (130 ns of 230).
_tuple_new = tuple.__new__


class Line(NamedTuple):
    """A line of a reflowed paragraph; `heading` for a ruled section title."""

    text: str
    heading: bool = False


class ShownParagraph(NamedTuple):
    """A paragraph as the cable page shows it.

    `label` is what its link shows ("3." for paragraph 3, "¶" for an
    unnumbered block) and `ordinal` the number the link is announced by (its
    own number, else its position on the page, counting from 1).
    """

    anchor: str
    number: int | None
    marking: str | None
    level: str
    lines: tuple[Line, ...]
    label: str = "¶"
    ordinal: int = 0

    @property
    def is_heading(self) -> bool:
        """An unnumbered block that is only a ruled section title."""
        return self.number is None and len(self.lines) == 1 and self.lines[0].heading


def paragraphs_for(cable: Cable) -> list[ShownParagraph]:
    """The body as paragraphs with stable anchors.

    Numbered paragraphs get ``p3`` for "3." (so "para 3" can be cited as
    ``#p3``; a repeated number gets ``p3-2``); unnumbered blocks get ``b1``,
    ``b2``… in order. Cables the parser could not split fall back to the body
    split at blank lines.
    """
    source = cable.paragraphs or tuple(
        Paragraph(number=None, marking=None, text=block)
        for block in _BLANK_LINES.split(cable.body)
        if block.strip()
    )
    shown: list[ShownParagraph] = []
    used: set[str] = set()
    blocks = 0
    for position, paragraph in enumerate(source, 1):
        number = paragraph.number
        if number is not None:
            anchor = f"p{number}"
            label, ordinal = f"{number}.", number
        else:
            blocks += 1
            anchor = f"b{blocks}"
            label, ordinal = "¶", position
        if anchor in used:
            anchor = unique_anchor(anchor, used)
        else:
            used.add(anchor)
        marking = paragraph.marking
        lines = reflow(paragraph.text)
        level = marking_level(marking)
        shown.append(
            _tuple_new(ShownParagraph, (anchor, number, marking, level, lines, label, ordinal))
        )
    return shown


def unique_anchor(anchor: str, used: set[str]) -> str:
    candidate, count = anchor, 1
    while candidate in used:
        count += 1
        candidate = f"{anchor}-{count}"
    used.add(candidate)
    return candidate


def reflow(text: str) -> tuple[Line, ...]:
    """Join a telegram's hard-wrapped lines into running text.

    Telegrams wrap at ~70 columns; keeping those breaks makes prose ragged on
    any other width. List items ("-- ", "A. ") and blank-line breaks stay
    separate lines, so structure survives; rules of dashes are dropped and
    the title they frame becomes a heading line.
    """
    raws = text.splitlines()
    if len(raws) == 1:  # a paragraph on one line: kept as it is unless it is a rule
        line = raws[0].strip()
        if line and line[0] not in _RULE_CHARS:
            return (_tuple_new(Line, (line, False)),)
    lines: list[Line] = []
    current: list[str] = []
    ruled = False
    for raw in raws:
        line = raw.strip()
        if not line:
            if current:
                lines.append(_tuple_new(Line, (" ".join(current), False)))
                current.clear()
            continue
        # Only a line that starts with a rule character (it is stripped) can
        # be a rule or a ruled title: the others skip both checks.
        if line[0] in _RULE_CHARS:
            title = ruled_title(line)
            if title:
                if current:
                    lines.append(_tuple_new(Line, (" ".join(current), False)))
                    current.clear()
                lines.append(_tuple_new(Line, (title, True)))
                continue
            if is_rule(line):
                if current:  # the text between two rules is their title
                    joined = " ".join(current)
                    lines.append(_tuple_new(Line, (joined, ruled and len(joined) <= _MAX_HEADING)))
                    current.clear()
                ruled = not ruled
                continue
        if current and _ITEM_START.match(line):
            lines.append(_tuple_new(Line, (" ".join(current), False)))
            current.clear()
        current.append(line)
    if current:
        lines.append(_tuple_new(Line, (" ".join(current), False)))
    return tuple(lines)


def is_rule(line: str) -> bool:
    """A line drawn with at least three dashes (or _ = *) and nothing else."""
    return not line.strip(_RULE_CHARS + " \t") and sum(c in _RULE_CHARS for c in line) >= 3


def ruled_title(line: str) -> str | None:
    """The title of "---- TITLE ----", or None.

    Plain string operations, not a regex: flattened bodies (JSON exports)
    come as one very long line, where a backtracking pattern is quadratic.
    """
    if len(line) < 7 or line[0] not in _RULE_CHARS or line[-1] not in _RULE_CHARS:
        return None
    title = line.strip(_RULE_CHARS + " \t")
    if not title or len(title) > _MAX_HEADING:
        return None
    head, tail = line[: line.index(title)], line[line.rindex(title) + len(title) :]
    return title if is_rule(head) and is_rule(tail) else None


@lru_cache(maxsize=4096)  # markings are few and repeat on every paragraph
def marking_level(marking: str | None) -> str:
    """A CSS-safe level for a classification or portion marking.

    The badge always shows the marking's text too: colour is never the only
    signal.
    """
    if not marking:
        return "none"
    head = marking.upper().replace(" ", "").split("//")[0]
    if head.startswith(("TS", "TOPSECRET")):
        return "topsecret"
    if head.startswith(("S", "SECRET")) and not head.startswith("SBU"):
        return "secret"
    if head.startswith(("C", "CONFIDENTIAL")):
        return "confidential"
    if head.startswith(("SBU", "LOU", "FOUO")) or "OFFICIAL" in marking.upper():
        return "sensitive"
    if head.startswith(("U", "UNCLAS")):
        return "unclassified"
    return "none"


def raw_html(cable: Cable) -> Markup:  # (highlighted once per cable, in the parse workers)
    """The cable's routing header and text as received, highlighted."""
    return highlight_cable(raw_text(cable))


def raw_text(cable: Cable) -> str:
    return f"{cable.header}\n\n{cable.body}" if cable.header else cable.body
