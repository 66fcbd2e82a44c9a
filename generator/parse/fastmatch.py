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


class LinePattern:
    """A pattern that matches only at the start of a line, found fast.

    `pattern` begins with `^` (MULTILINE) and has no other anchor; `first`
    is a character class that holds whatever the line's first non-blank
    character must be for it to match.  Behind a newline and that class,
    the pattern begins with a literal: the engine scans for it fast and
    tries the pattern at the few lines that start right.

    A match has the end and the groups the pattern's own would have; it
    may begin at the newline before the line: `line_start(m)` is where the
    pattern's own match starts.
    """

    __slots__ = ("after_newline", "at_line")

    def __init__(self, pattern: re.Pattern[str], first: str) -> None:
        assert pattern.pattern.startswith("^") and pattern.flags & re.MULTILINE, pattern.pattern
        body = pattern.pattern[1:]
        self.at_line = re.compile(f"^(?P<_line>{body})", pattern.flags)
        self.after_newline = re.compile(f"\n(?=[ \t]*{first})(?P<_line>{body})", pattern.flags)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """The match `pattern.search(text, pos, endpos)` finds."""
        if pos == 0 or (0 < pos <= len(text) and text[pos - 1] == "\n"):
            m = self.at_line.match(text, pos, endpos)
            if m:
                return m
        return self.after_newline.search(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """The matches `pattern.finditer(text, pos, endpos)` finds (none is empty)."""
        m = self.search(text, pos, endpos)
        while m:
            yield m
            m = self.search(text, m.end(), endpos)


def line_start(m: re.Match[str]) -> int:
    """Where the line of a `LinePattern` match starts."""
    return m.start("_line")


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
