"""Exact, fast stand-ins for regex scans over the whole text of a cable.

Python's regex engine scans fast only for a pattern that begins with a
literal it can look for; a pattern that begins with `^` (MULTILINE), a
lookbehind or a case-insensitive word is tried at every position, about
20 ns a character: 100 µs for each field of a 5 KB cable.  The helpers
here find the few positions where such a pattern can match (where its
first word occurs, found with `str.find` in lower-cased text; the start of
a line that opens with the right character) and run the same compiled
pattern there, so every result is the one the plain scan gives.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache

# Characters that `re.IGNORECASE` matches with an ASCII letter although their
# `str.lower()` is not that letter (or is two characters): dotted and dotless
# i, long s, the Kelvin sign.  Lower-cased text holding none of them has every
# case-insensitive ASCII word where the original has it, at the same offset.
_FOLD_TRAPS = ("\u0130", "\u0131", "\u017f", "\u212a")


def foldable(text: str) -> bool:
    """Does `text.lower()` hold every case-insensitive ASCII word of text, where text has it?"""
    return text.isascii() or not any(trap in text for trap in _FOLD_TRAPS)


def folded(text: str) -> str | None:
    """`text.lower()` (cached), when it finds ASCII words as `re.IGNORECASE` would; else None."""
    return lowered(text) if foldable(text) else None


@lru_cache(maxsize=16)
def lowered(text: str) -> str:
    """`text.lower()`, cached: the field parsers of one cable all look in the same text."""
    return text.lower()


def search_word(
    pattern: re.Pattern[str], text: str, word: str, endpos: int = sys.maxsize
) -> re.Match[str] | None:
    """`pattern.search(text, 0, endpos)` for a pattern whose matches begin with
    the lower-case ASCII `word` in any case (a lookbehind before it is fine)."""
    low = folded(text)
    if low is None:
        return pattern.search(text, 0, endpos)
    i = low.find(word, 0, endpos)
    while i != -1:
        m = pattern.match(text, i, endpos)
        if m:
            return m
        i = low.find(word, i + 1, endpos)
    return None


def search_line(
    pattern: re.Pattern[str], text: str, word: str, endpos: int = sys.maxsize
) -> re.Match[str] | None:
    """`pattern.search(text, 0, endpos)` for a pattern that matches only at the
    start of a line (`^`, MULTILINE) whose first line holds `word` in any case."""
    low = folded(text)
    if low is None:
        return pattern.search(text, 0, endpos)
    tried = -1
    i = low.find(word, 0, endpos)
    while i != -1:
        start = text.rfind("\n", 0, i) + 1
        if start != tried:
            m = pattern.match(text, start, endpos)
            if m:
                return m
            tried = start
        i = low.find(word, i + 1, endpos)
    return None


def line_finditer(
    pattern: re.Pattern[str],
    lead: re.Pattern[str],
    text: str,
    pos: int = 0,
    endpos: int = sys.maxsize,
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text, pos, endpos)` for a pattern that matches only at
    the start of a line (`^`, MULTILINE).

    `lead` is "\\n" followed by what every match begins with (say
    `\\n[ \\t]*\\d`): a pattern with a literal first character, which the
    engine finds fast; the lines it points at are the only ones tried.
    """
    endpos = min(endpos, len(text))
    if pos > endpos:
        return
    done = pos
    if pos == 0 or text[pos - 1] == "\n":
        m = pattern.match(text, pos, endpos)
        if m:
            yield m
            done = m.end()
    for hit in lead.finditer(text, pos, endpos):
        start = hit.start() + 1
        if start < done:
            continue
        m = pattern.match(text, start, endpos)
        if m:
            yield m
            done = m.end()


def line_search(
    pattern: re.Pattern[str],
    lead: re.Pattern[str],
    text: str,
    pos: int = 0,
    endpos: int = sys.maxsize,
) -> re.Match[str] | None:
    """`pattern.search(text, pos, endpos)` for a line-start pattern (see `line_finditer`)."""
    return next(line_finditer(pattern, lead, text, pos, endpos), None)


def sub_lines(
    pattern: re.Pattern[str], text: str, needles: list[int], lines_before: int = 0
) -> str:
    """`pattern.sub("", text)` for a pattern that matches only at the start of a
    line and holds a word (found at `needles`, every place it occurs) on that
    line or on one of the `lines_before` lines after it."""
    starts: set[int] = set()
    for i in needles:
        start = text.rfind("\n", 0, i) + 1
        starts.add(start)
        for _ in range(lines_before):
            if start == 0:
                break
            start = text.rfind("\n", 0, start - 1) + 1
            starts.add(start)
    pieces: list[str] = []
    done = 0
    for start in sorted(starts):
        if start < done:
            continue
        m = pattern.match(text, start)
        if m:
            pieces.append(text[done:start])
            done = m.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def is_word_char(char: str) -> bool:
    """What `\\w` (and so `\\b`) counts as a word character in a str pattern."""
    return char.isalnum() or char == "_"
