"""Presentation helpers for cable text: paragraphs, anchors, markings.

Pure functions of strings; the templates escape whatever these return.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup

from generator.model import Cable, Paragraph
from generator.render.highlight import highlight_tokens
from generator.render.internals import escape_text as _escape_str

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


# The class a level's badge carries in the pages: the marking's own short
# form, upper case (no token class of the highlighter is, so none collides
# inside the highlighted text). Short, as it is on every paragraph of a cable
# page and every line of a list page; the stylesheet colours ``.C`` and so on.
LEVEL_CLASSES = {
    "none": "N",
    "unclassified": "U",
    "sensitive": "SBU",
    "confidential": "C",
    "secret": "S",
    "topsecret": "TS",
}


def level_class(marking: str | None) -> str:
    """The badge class of a classification or portion marking ("C" for CONFIDENTIAL)."""
    return LEVEL_CLASSES[marking_level(marking)]


def raw_html(cable: Cable) -> Markup:  # (made once per cable, in the parse workers)
    """The cable's text as its page shows it: :func:`cable_text_html`.

    The engine's parse workers call it by this name and cache what it returns
    with the parsed cable.
    """
    return cable_text_html(cable)


def summary_in_text(cable: Cable) -> bool:
    """Whether the summary is the text of the first paragraph with words (shown there already)."""
    summary = cable.summary
    if not summary:
        return False
    wanted = " ".join(summary.split())
    return any(wanted in " ".join(paragraph.text.split()) for paragraph in cable.paragraphs[:2])


def raw_text(cable: Cable) -> str:
    return f"{cable.header}\n\n{cable.body}" if cable.header else cable.body


# --- the cable's text, once, for both views ------------------------------------
#
# The cable page shows the text once. Every original line is written in order,
# with its original line breaks, highlighted by the cable lexer; the stylesheet
# shows it as running text (``white-space: normal``) or as the telegram's lines
# (``pre-wrap``). Two small classes carry what only one view shows:
# ``orig`` (original only: the banner and metadata block before the first
# paragraph, page-break lines, rules of dashes, what follows the last
# paragraph) and ``rdg`` (reading only: a ``<br>`` before a list item or after a
# rule, where running text keeps a line of its own).

_READING_BREAK = '<br class="rdg">'
_MARKING_IN_PREFIX = re.compile(r"\([^()]*\)")


class _Placed(NamedTuple):
    """A paragraph found in the body.

    `start` and `last` are its first and last body lines, `prefix` what
    precedes its text on the first ("¶3.  (C)  "), `shown[i]` whether body
    line ``start + i`` is in the paragraph's text (a page break the parser
    took out is not).
    """

    paragraph: Paragraph
    start: int
    last: int
    prefix: str
    shown: tuple[bool, ...]


def cable_text_html(cable: Cable) -> Markup:
    """The routing header and the body as the cable page shows them, in both views.

    Computed once per cable in the parse workers (the engine caches it with
    the parsed cable) and written into the page as it is.
    """
    body_html = _body_html(cable)
    if cable.header:
        header = _highlighted_lines(cable.header.split("\n"))
        header_html = "\n".join(header) if header is not None else _escape_str(cable.header)
        body_html = (
            '<details id="routing"><summary>Routing header</summary>'
            f"<pre>{header_html}</pre></details>\n{body_html}"
        )
    return Markup(body_html)


def _body_html(cable: Cable) -> str:
    lines = cable.body.split("\n")
    source = cable.paragraphs or tuple(
        Paragraph(number=None, marking=None, text=block)
        for block in _BLANK_LINES.split(cable.body)
        if block.strip()
    )
    placed = _place(source, lines)
    if placed is None:  # the parser's text is not the body's lines: both, each in its view
        return _fallback_html(source, lines)
    if not placed:
        return '<p class="muted">This cable has no text.</p>'
    # The body is highlighted once, each paragraph's number and marking taken
    # off its first line (the page writes them as its link and badge).
    texts = lines.copy()
    for here in placed:
        texts[here.start] = texts[here.start][len(here.prefix) :]
    html = _highlighted_lines(texts)
    if html is None:
        return _fallback_html(source, lines)
    parts = [_original_block(texts[: placed[0].start], html[: placed[0].start])]
    used: set[str] = set()
    blocks = 0
    for index, here in enumerate(placed):
        if here.paragraph.number is not None:
            anchor = f"p{here.paragraph.number}"
        else:
            blocks += 1
            anchor = f"b{blocks}"
        if anchor in used:
            anchor = unique_anchor(anchor, used)
        else:
            used.add(anchor)
        start, stop = here.start, here.last + 1
        parts.append(_paragraph_html(here, texts[start:stop], html[start:stop], anchor))
        end = placed[index + 1].start if index + 1 < len(placed) else len(lines)
        parts.append(_original_block(texts[stop:end], html[stop:end]))
    return "".join(parts)


def _place(source: tuple[Paragraph, ...], lines: list[str]) -> list[_Placed] | None:
    """Each paragraph's lines in the body, in order; None if one is not found there."""
    placed: list[_Placed] = []
    cursor = 0
    for paragraph in source:
        wanted = [line.strip() for line in paragraph.text.split("\n")]
        while wanted and not wanted[0]:
            del wanted[0]
        while wanted and not wanted[-1]:
            del wanted[-1]
        if not wanted:
            return None
        first = wanted[0]
        for start in range(cursor, len(lines)):
            line = lines[start].rstrip()
            if line.endswith(first):
                break
        else:
            return None
        shown = [True]
        matched = 1
        number = start
        while matched < len(wanted):
            number += 1
            if number >= len(lines):
                return None
            stripped = lines[number].strip()
            while matched < len(wanted) and not wanted[matched] and stripped:
                matched += 1  # a blank line of the text where the body has a page break
            if stripped == wanted[matched]:
                matched += 1
                shown.append(True)
            else:
                shown.append(False)
        prefix = line[: len(line) - len(first)]
        placed.append(_tuple_new(_Placed, (paragraph, start, number, prefix, tuple(shown))))
        cursor = number + 1
    return placed


def _paragraph_html(here: _Placed, span: list[str], highlighted: list[str], anchor: str) -> str:
    """A paragraph's body lines (`span`, `highlighted` as HTML) for both views.

    A line that is not in the paragraph's text (a page break the parser took
    out) and a rule of dashes are shown in the original view only; a title
    between two rules is in bold; a list item or the line after a rule starts
    a line of its own in the reading view too.
    """
    rules = [bool(s) and s[0] in _RULE_CHARS and is_rule(s) for s in (x.strip() for x in span)]
    heading = here.paragraph.number is None and _is_ruled_heading(span)
    out = [_open_paragraph(here, anchor, heading)]
    began = after_rule = False
    for position, html in enumerate(highlighted):
        shown = here.shown[position] and not rules[position]
        if position:
            if shown and began and (after_rule or _ITEM_START.match(span[position])):
                out.append(_READING_BREAK)
            out.append("\n")
        if not shown:
            out.append(f'<span class="orig">{html}</span>' if html else "")
            after_rule = after_rule or rules[position]
            continue
        if heading:
            html = f"<strong>{html}</strong>"
        elif after_rule and _rule_follows(rules, span, position):
            html = f'<strong class="rt">{html}</strong>'  # a ruled title inside the paragraph
        out.append(html)
        began, after_rule = began or bool(span[position].strip()), False
    if heading:  # a paragraph's </p> is left out: what follows it closes it (HTML's rule)
        out.append("</h3>")
    return "".join(out)


def _rule_follows(rules: list[bool], span: list[str], position: int) -> bool:
    """Whether the next line with something on it after `position` is a rule."""
    for later in range(position + 1, len(span)):
        if span[later].strip():
            return rules[later]
    return False


def _open_paragraph(here: _Placed, anchor: str, heading: bool) -> str:
    """The paragraph's element, its link (the number as written) and its marking badge.

    Short markup (``<p id="p3"><a href="#p3">3.</a>``): it is on every
    paragraph of every page; the stylesheet finds the link as the
    paragraph's first child.
    """
    paragraph = here.paragraph
    prefix = here.prefix
    if heading:
        return f'<h3 id="{anchor}">{_escape_str(prefix)}'
    marking_at = _MARKING_IN_PREFIX.search(prefix) if paragraph.marking else None
    written = (prefix[: marking_at.start()] if marking_at else prefix).strip()
    if written or paragraph.number is not None:
        label = _escape_str(written or f"{paragraph.number}.")
        html = f'<p id="{anchor}"><a href="#{anchor}">{label}</a>'
    else:  # an unnumbered block: its link is no part of the original lines
        html = f'<p id="{anchor}"><a class="rdg" href="#{anchor}">¶</a>'
    if marking_at is not None:
        indent = len(prefix) - len(prefix.lstrip())
        between = prefix[indent + len(written) : marking_at.start()]
        html += f"{between or ' '}{_marking_badge(paragraph.marking, marking_at.group())}"
        return html + (prefix[marking_at.end() :] or " ")
    if paragraph.marking:
        return f"{html} {_marking_badge(paragraph.marking, f'({paragraph.marking})')} "
    return html + (prefix[len(prefix.rstrip()) :] or " ")


def _marking_badge(marking: str | None, written: str) -> str:
    """A paragraph's portion marking as written, coloured by its level: ``<b class="C">(C)</b>``."""
    return f'<b class="{level_class(marking)}">{_escape_str(written)}</b>'


def _is_ruled_heading(span: list[str]) -> bool:
    """A block that is only a title between rules of dashes (or one ruled line)."""
    words = [line.strip() for line in span if line.strip()]
    titles = [line for line in words if not is_rule(line)]
    if len(titles) != 1 or len(titles[0]) > _MAX_HEADING:
        return False
    return len(words) > 1 or ruled_title(titles[0]) is not None


def _original_block(lines: list[str], html: list[str]) -> str:
    """Lines shown in the original view only (nothing if they are blank)."""
    first, last = 0, len(lines)
    while last > first and not lines[last - 1].strip():
        last -= 1
    while first < last and not lines[first].strip():
        first += 1
    if first == last:
        return ""
    text = "\n".join(html[first:last])
    return f'<div class="orig">{text}</div>\n'


def _fallback_html(source: tuple[Paragraph, ...], lines: list[str]) -> str:
    """The parser's paragraphs (reading view) and the body as received (original view).

    For the few cables whose paragraphs are not the body's lines as they
    stand: the text is then on the page twice, each copy in its own view.
    """
    parts = []
    for shown in _shown_for(source):
        text = "<br>".join(
            f"<strong>{_escape_str(line.text)}</strong>" if line.heading else _escape_str(line.text)
            for line in shown.lines
        )
        if shown.is_heading:
            parts.append(f'<h3 id="{shown.anchor}" class="rdg">{text}</h3>\n')
            continue
        badge = f"{_marking_badge(shown.marking, f'({shown.marking})')} " if shown.marking else ""
        parts.append(
            f'<p id="{shown.anchor}" class="rdg"><a href="#{shown.anchor}">'
            f"{_escape_str(shown.label)}</a> {badge}{text}</p>\n"
        )
    html = _highlighted_lines(lines) or [_escape_str(line) for line in lines]
    return "".join(parts) + _original_block(lines, html)


def _shown_for(source: tuple[Paragraph, ...]) -> list[ShownParagraph]:
    return paragraphs_for(Cable(id="", paragraphs=source))


def _highlighted_lines(lines: list[str]) -> list[str] | None:
    """Each line highlighted by the cable lexer: ``<b class="k">SUBJECT</b>``
    (:func:`~generator.render.highlight.highlight_tokens`; a token never crosses a line end)."""
    html = highlight_tokens("\n".join(lines)).split("\n")
    if html and html[-1] == "" and len(html) == len(lines) + 1:
        html.pop()
    return html if len(html) == len(lines) else None
