"""Text clean-up shared by every format: line endings, page furniture.

Telegrams carry furniture that is not part of the message: page-break lines
("TRIPOLI 00000220 002 OF 003"), continuation banners repeated at the top
of each section, and latin-1 pilcrows before paragraph numbers.  Field
parsers work on text with that furniture removed, so a REF block that
wraps across a page break reads as one block.
"""

from __future__ import annotations

import re
from functools import lru_cache

from generator.parse.fastmatch import sub_lines
from generator.parse.patterns import BANNER_CLASSIFICATION

# "TRIPOLI 00000220 002 OF 003", "STATE 00012345  002 OF 004"
_PAGE_BREAK = re.compile(
    r"^[ \t]*[A-Z][A-Z .'-]{1,40}[ \t]+\d{5,8}[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}[ \t]*$\n?",
    re.MULTILINE,
)
# Old page headers: a centred classification line, then
# "PAGE 02 ROME 01196 01 OF 02 082030Z" (sometimes with the text run on after it).
_PAGE_HEADER = re.compile(
    r"(?:^[ \t]*(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)[ \t]*\n(?:[ \t]*\n)?)?"
    r"^[ \t]*PAGE[ \t]+\d{2,3}[ \t]+(?:[A-Z][A-Z .'-]*?[ \t]+)?\d{3,7}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?"
    r"(?:[ \t]+\d{6}Z)?[ \t]*\n?",
    re.MULTILINE,
)
# A section banner repeated mid-text: "C O N F I D E N T I A L SECTION 02 OF 03 PARIS 001007"
_CONTINUATION_BANNER = re.compile(
    rf"^[ \t]*{BANNER_CLASSIFICATION}[ \t]+SECTION[ \t]+0*(?:[2-9]|[1-9]\d)[ \t]+OF[ \t]+\d+\b.*$",
    re.MULTILINE,
)


# Header fields and the summary's start sit near the top of a cable: searching
# a head instead of the whole text keeps a 20 KB cable as cheap as a 2 KB one.
HEAD = 12000


# A newline after a blank: a pattern that starts with a literal is scanned for fast.
_BLANK_BEFORE_NEWLINE = re.compile(r"\n(?<=[ \t\xa0]\n)")


def normalise_newlines(text: str) -> str:
    """One newline convention, no trailing blanks, no NULs or form feeds."""
    # Looking for one character is fast (memchr); replacing is not, even when there is none.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\f" in text:
        text = text.replace("\f", "\n")
    # Most texts have no line to strip, and need no loop over their lines.
    if not text.endswith((" ", "\t", "\xa0")) and not _BLANK_BEFORE_NEWLINE.search(text):
        return text
    return "\n".join(line.rstrip(" \t\xa0") for line in text.split("\n"))


@lru_cache(maxsize=8)
def remove_furniture(body: str) -> str:
    """The body without page-break lines and repeated section banners.

    Cached: every field parser cleans the text it is given, and when a whole
    cable is parsed they are all given the same string.
    """
    # Most cables have no furniture at all: each pattern is tried only on the
    # lines that hold its keyword (the page header may start two lines above
    # its PAGE line, on the classification line), found by one fast scan.
    pages = [m.start() for m in _PAGE_WORD.finditer(body)]
    if pages:
        body = sub_lines(_PAGE_HEADER, body, pages, lines_before=2)
    ofs = [m.start() for m in _OF_WORD.finditer(body)]
    # Page breaks are looked for only when " OF " is somewhere in the text.
    if any(body[i - 1 : i] == " " and body[i + 2 : i + 3] == " " for i in ofs):
        without_breaks = sub_lines(_PAGE_BREAK, body, ofs)
        if without_breaks is not body:  # lines went: the OFs left are elsewhere now
            body = without_breaks
            ofs = [m.start() for m in _OF_WORD.finditer(body)]
    # A continuation banner holds OF on its own line ("SECTION 02 OF 03"): it is
    # looked for on the lines that hold one, not found by a third scan of the text.
    if ofs:
        body = sub_lines(_CONTINUATION_BANNER, body, ofs)
    return body


# Literal patterns: the regex engine scans for these faster than `str.find`.
_PAGE_WORD = re.compile("PAGE")
_OF_WORD = re.compile("OF")


# Header fields that ran together once their line breaks were gone.
_INLINE_FIELD = re.compile(
    r"[ ]?(?=(?:TAGS|SUBJECT|SUBJ|REF|REFS|E\.O\.[ ]1\d{4}):|Classified[ ]By:|CLASSIFIED[ ]BY:)"
    r"|(?<=\d)(?=SIPDIS|NOFORN|SENSITIVE)"
)


def restore_lost_newlines(flat: str) -> str:
    """Bring back line breaks to a body whose newlines were deleted.

    Exports that dropped the newlines leave a cable's blank lines as runs
    of two or more spaces (a trailing blank plus the blank line's own
    space), so those runs are where paragraphs and header lines ended.
    Some also kept the cable viewer's pilcrows, one before each paragraph.
    """
    if "\n" in flat.strip():
        return flat
    text = flat.replace("¶", "\n\n")
    text = re.sub(r" {2,}", "\n\n", text)
    # "1.  (C) Text": the two spaces after a paragraph number are not a line break.
    text = _join_after_line(_NUMBER_LINE, ".\n\n", text)
    text = _INLINE_FIELD.sub("\n", text)
    # "TAGS:  PREL" and "SUBJECT:  X": a field's value is on the field's line.
    return _join_after_line(_FIELD_LINE, ":\n\n", text)


# Whole lines followed by a blank line, as `re.sub(r"(?m)^(LINE)\n\n", r"\1 ", text)`
# would join them to what follows; found from their literal ending, since a
# `^` pattern is tried at every position of the text.
_NUMBER_LINE = re.compile(r"[ \t]*\d{1,3}\.\n\n")
_FIELD_LINE = re.compile(r"[ \t]*(?:TAGS|SUBJECT|SUBJ|REF|REFS)[ \t]*:\n\n")


def _join_after_line(line: re.Pattern[str], ending: str, text: str) -> str:
    """Each line that `line` matches whole, with the blank line after it, ends in " "."""
    pieces: list[str] = []
    done = 0
    pos = text.find(ending)
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        end = pos + len(ending)
        if start >= done and line.fullmatch(text, start, end):
            pieces.append(text[done : end - 2])
            pieces.append(" ")
            done = end
        pos = text.find(ending, pos + 1)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def collapse_spaces(text: str) -> str:
    """The words of text, one space between each: `" ".join(text.split())`."""
    # Most texts (a summary, a subject) already are: ASCII with no control
    # character (every ASCII blank but the space is one), no two spaces
    # together and none at either end. Telling so is a few fast scans; the
    # split and join copy every word (4 us of a synthetic cable's summary).
    if (
        text.isascii()
        and text.isprintable()
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    ):
        return text
    return " ".join(text.split())
