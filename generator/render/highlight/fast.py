"""Pygments' HTML for a RegexLexer, without the token stream: the cable text's fast path.

``highlight(text, lexer, HtmlFormatter(nowrap=True))`` cost 0.36 ms a cable,
half of a cable's whole budget, though almost every line of a
cable is plain text that comes out as it went in, escaped. Two facts make a
shortcut possible without changing a byte:

- What ``HtmlFormatter(nowrap=True)`` writes depends only on the CSS class of
  each character. It cuts the text into lines, wraps each run of characters
  of one class within a line in ``<span class="...">`` (none for plain Text,
  whose class is empty) and escapes the rest; where one token ends and the
  next begins does not show. So the output is the escaped text with a span
  around each classed run, split at newlines (a newline's own class never
  shows). Only the classed runs have to be found.
- A lexer state's rules can be tried at once by one regex, their
  alternation in their order: the regex engine, like Pygments, takes the
  first alternative that matches where it stands, and matches it as the rule
  alone would (nothing follows it in the pattern). Each rule is wrapped in a
  group of its own, so ``lastindex`` names the rule that matched and the
  groups inside give the spans of a ``bygroups`` action. Rules that cannot
  start with the character at hand (their first characters are worked out
  from the parsed patterns) are left out of the alternation tried there.

And most of a cable is skipped a line at a time. In the root state, the rest
of a line is plain text when no rule before the plain-text rule can match
where it starts (its first character says so, and for the heading rule the
next line's), and the plain-text rule runs to the newline: it stops short
only at an END/BEGIN marker, and those are found for the whole text at once
with ``str.find``. A newline shows as itself whichever rule takes it. The
plain-text rule is not in the root state's regex at all: joined with the
other rules, its repeated alternation saved every group of every rule at
every character, a millisecond for a long line.

:func:`compile_lexer` checks that a lexer has the shape these shortcuts rely
on (actions that are token types or ``bygroups`` of token types whose groups
cover the match, in order; the blank-line, heading, plain-text and newline
rules of the root state as this module knows them) and returns ``None``
when it does not, so a caller falls back to Pygments.
``tests/render/test_highlight_fast.py`` compares both outputs on real, synthetic and
random text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer
from pygments.token import Error, Text

from generator.render.highlight.anchored import anchored_at_line_start, transition
from generator.render.internals import TokenType, first_chars, lexer_rules, rule_tokens

__all__ = ["compile_lexer"]

# The root-state rules the plain-text shortcut knows, as cable_lexer writes them; if
# they change, compile_lexer returns None (and tests/render/test_highlight_fast.py fails).
# Blank lines: it takes any newline at the start of a line, first of all rules.
_BLANK_LINES = r"^(?:[ \t]*\n)+"
# A heading: any line of up to 80 characters followed by a line of dashes.
_HEADING = r"^[^\n \t-][^\n]{0,79}(?=\n[ \t]*-{3,}[ \t-]*$)"
# Plain text: up to a newline or an END/BEGIN marker (_END_AHEAD after an E, ...).
_END_AHEAD = r"(?i:nd\s+(?:of\s+)?(?:summary|comment|note|text|action request)\b)"
_BEGIN_AHEAD = r"(?i:egin\s+(?:summary|comment|note|text)\b)"
_PLAIN = rf"(?:[^\nEeBb]|[Ee](?!{_END_AHEAD})|[Bb](?!{_BEGIN_AHEAD}))+"
# Where plain text stops before the end of a line. An E, N, D, B or G matches no
# other character when case is ignored (an I does: İ, ı), so an "end" or "beg" in
# the lower-cased text finds every candidate; in ASCII text, a "begin" (quicker).
_STOP = re.compile(rf"[Ee](?={_END_AHEAD})|[Bb](?={_BEGIN_AHEAD})", re.MULTILINE)
_STOP_WORDS = ("end", "beg")
_ASCII_STOP_WORDS = ("end", "begin")
_DASH_OR_INDENT = frozenset("- \t")
_ASCII = frozenset(map(chr, range(128)))
# Never in the text once "\x00" is ruled out: joins the pieces escaped at once.
_SEP = "\x00"

Marks = tuple[list[int], list[str]]  # see Compiled._marks


# A rule: ((group in the state's regex, its span's opening tag, may hold a newline) for
# each classed token; new state as in Pygments: None, a tuple of names, an int, "#push";
# the tag when the rule is one token, the whole match, that holds no newline, else None).
_Rule = tuple[tuple[tuple[int, str, bool], ...], Any, str | None]


@dataclass(frozen=True)
class _State:
    match: Callable[..., re.Match[str] | None]
    rules: dict[int, _Rule]  # by the index of the group that wraps the rule
    # Successive matches from a position, each where the last ended (as Pygments goes on).
    scanner: Callable[..., Any] | None = None


@dataclass(frozen=True)
class _Plain:
    """What the root state's plain-text shortcut needs to know (see :func:`_plain_plan`)."""

    line_start: frozenset[str]  # a line starting with one of these may be plain text
    mid_line: frozenset[str]  # plain text may go on from one of these, mid-line
    before: int  # the number of root rules before the plain-text rule


@dataclass(frozen=True)
class Compiled:
    """A lexer and formatter pair, compiled: ``spans(text)`` is Pygments' HTML."""

    states: dict[str, _State]
    plain: _Plain
    # The root rules before the plain-text rule that may match at a line's start (or
    # mid-line) on an ASCII character: fewer alternatives to try.
    line_start_rules: _ByFirstChar
    mid_line_rules: _ByFirstChar
    error_class: str
    openers: dict[str, str]

    def spans(self, text: str) -> str:
        """``highlight(text, lexer, HtmlFormatter(nowrap=True))``, byte for byte."""
        text = _preprocessed(text)
        cuts, opens = self._marks(text)
        return _render(text, cuts, opens)

    def tokens(self, text: str, plain: frozenset[str]) -> str:
        """:meth:`spans` as the cable page writes its text, from the same runs.

        ``<b class="k">`` where spans has ``<span class="k">``; no tag around a
        run of a `plain` class (one the stylesheet gives no rule); runs of one
        class with only spaces or tabs between them one run ("TAGS: PREL EFIN"
        has one around both tags). Like a span, a token never crosses a line
        end. The same text as those three changes made to :meth:`spans`' HTML
        (``highlight.tokens_from_spans``), without three passes over it.
        """
        text = _preprocessed(text)
        cuts, opens = self._marks(text)
        kept_cuts = [0]
        kept: list[str] = []
        last = ""
        for index, opener in enumerate(opens):
            css, tag = _token_tag(opener)
            if css in plain:
                continue
            start, end = cuts[2 * index + 1], cuts[2 * index + 2]
            gap = text[kept_cuts[-1] : start]
            if tag is last and gap and not gap.strip(" \t"):
                kept_cuts[-1] = end
            else:
                kept_cuts += (start, end)
                kept.append(tag)
                last = tag
        return _render(text, kept_cuts, kept, "</b>")

    def _marks(self, text: str) -> Marks:
        """The classed runs: the tokens RegexLexer would yield, Text left out.

        ``text[cuts[2i + 1]:cuts[2i + 2]]`` is the i-th run and ``opens[i]`` its
        span's opening tag. Runs stop at newlines and adjacent runs of a class
        are one, as the formatter writes them. `text` is :func:`_preprocessed`:
        the line skipping below counts on every line ending in a newline.
        """
        if text and text[-1] != "\n":
            # Without it the skip would go back to the text's start, for ever.
            raise ValueError("_marks needs _preprocessed text, ending in a newline")
        cuts = [0]
        opens: list[str] = []
        last_open = ""  # the last run's tag, to merge the next run into it
        states = self.states
        root = states["root"]
        line_start_ok = self.plain.line_start
        mid_line_ok = self.plain.mid_line
        line_start_rules = self.line_start_rules
        mid_line_rules = self.mid_line_rules
        stops = _stops(text)
        next_stop = stops.pop() if stops else -1
        end_of_text = len(text)
        find = text.find
        error_open = self.openers[self.error_class]
        stack = ["root"]
        state = root
        pos = 0
        while True:
            if state is root:
                # Skip what is plain text to the end of its line (most of a cable).
                while pos < end_of_text:
                    char = text[pos]
                    if char == "\n":
                        # The blank-line rule at a line's start, the newline rule mid-line:
                        # either way a newline shows as itself and the next line starts.
                        pos += 1
                        continue
                    at_line_start = pos == 0 or text[pos - 1] == "\n"
                    if char not in (line_start_ok if at_line_start else mid_line_ok):
                        break  # a rule before the plain-text rule may match here
                    eol = find("\n", pos)
                    if at_line_start and text[eol + 1 : eol + 2] in _DASH_OR_INDENT:
                        break  # the heading rule looks at the next line: dashes, maybe indented
                    while -1 < next_stop < pos:
                        next_stop = stops.pop() if stops else -1
                    if -1 < next_stop < eol:
                        break  # an END/BEGIN marker may start on this line
                    pos = eol + 1
                rules = root
                if pos < end_of_text:
                    if pos == 0 or text[pos - 1] == "\n":
                        rules = line_start_rules[text[pos]]
                    else:
                        rules = mid_line_rules[text[pos]]
                m = rules.match(text, pos)
                if m is None:
                    if pos >= end_of_text:
                        return cuts, opens
                    # The newline rule, or the plain-text rule: to the line's end or a stop.
                    if text[pos] == "\n":
                        pos += 1
                    else:
                        while -1 < next_stop <= pos:
                            next_stop = stops.pop() if stops else -1
                        eol = find("\n", pos)
                        pos = next_stop if -1 < next_stop < eol else eol
                    continue
                matches: Any = (m,)
            else:
                rules = state
                # Each match where the last ended, as Pygments goes on, until one changes state.
                matches = iter(state.scanner(text, pos).match, None)  # type: ignore[misc]
            table = rules.rules
            new_state = None
            for m in matches:
                marks, new_state, whole = table[m.lastindex]  # type: ignore[index]
                if whole is not None:
                    # The common case in short, the same as the loop below.
                    start, end = m.span()
                    if start < end:
                        if start == cuts[-1] and whole is last_open:
                            cuts[-1] = end
                        else:
                            cuts += (start, end)
                            opens.append(whole)
                            last_open = whole
                    pos = end
                    if new_state is not None:
                        break
                    continue
                for group, opener, multiline in marks:
                    start, end = m.span(group)
                    if start >= end:
                        continue
                    if multiline and find("\n", start, end) >= 0:
                        last_open = _add_lines(text, start, end, opener, cuts, opens, last_open)
                    elif start == cuts[-1] and opener is last_open:
                        cuts[-1] = end  # one class on: the formatter writes one span
                    else:
                        cuts += (start, end)
                        opens.append(opener)
                        last_open = opener
                pos = m.end()
                if new_state is not None:
                    break
            if new_state is not None:
                if new_state == -1:  # "#pop", the usual change
                    if len(stack) > 1:
                        stack.pop()
                else:
                    transition(stack, new_state)
                state = states[stack[-1]]
                continue
            if state is root:
                continue
            # The scanner stopped: no rule matches at pos. What Pygments does:
            if pos >= end_of_text:
                return cuts, opens
            if text[pos] == "\n":
                stack = ["root"]
                state = root
            elif pos == cuts[-1] and last_open is error_open:
                cuts[-1] = pos + 1
            else:
                cuts += (pos, pos + 1)
                opens.append(error_open)
                last_open = error_open
            pos += 1


def _add_lines(
    text: str, start: int, end: int, opener: str, cuts: list[int], opens: list[str], last: str
) -> str:
    """Add a run that holds newlines, line by line (none for an empty line); its last tag."""
    offset = start
    for part in text[start:end].split("\n"):
        if part:
            if offset == cuts[-1] and opener is last:
                cuts[-1] = offset + len(part)
            else:
                cuts += (offset, offset + len(part))
                opens.append(opener)
                last = opener
        offset += len(part) + 1
    return last


def _stops(text: str) -> list[int]:
    """Where plain text stops short of the end of its line, last first."""
    if text.isascii():
        folded = text.lower()
        words = _ASCII_STOP_WORDS
    else:
        # One character for one, so that positions agree: non-ASCII is never a stop's start.
        folded = text.encode("ascii", "replace").decode("ascii").lower()
        words = _STOP_WORDS
    stops = []
    for word in words:
        at = folded.find(word)
        while at >= 0:
            if _STOP.match(text, at):
                stops.append(at)
            at = folded.find(word, at + 1)
    stops.sort(reverse=True)
    return stops


def _preprocessed(text: str) -> str:
    """The text as Lexer.get_tokens sees it with stripnl=False, ensurenl=True."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text


def _formatter_escapes() -> tuple[tuple[str, str], ...]:
    """How the installed Pygments escapes each character HTML may need escaped.

    Asked of HtmlFormatter itself, once: versions differ (2.20 escapes
    quotes in token text, 2.21 only ``&``, ``<`` and ``>``), and the output
    must be the one Pygments would write.
    """
    formatter = HtmlFormatter(nowrap=True)
    pairs = []
    for char in "&<>\"'":
        out = io.StringIO()
        formatter.format(iter([(Text, char + "\n")]), out)
        escaped = out.getvalue().removesuffix("\n")
        if escaped != char:
            pairs.append((char, escaped))
    # "&" first, so that the entities written for the others stay as they are.
    return tuple(sorted(pairs, key=lambda pair: pair[0] != "&"))


_ESCAPES = _formatter_escapes()
_SPECIAL = tuple(char for char, _ in _ESCAPES)


def _escape(text: str) -> str:
    """The text as HtmlFormatter escapes it, with str methods: quicker than translate's dict."""
    # A character that is absent costs a memchr, not a copy of the text.
    for char, entity in _ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def _needs_escaping(text: str) -> bool:
    return any(char in text for char in _SPECIAL)


def _render(text: str, cuts: list[int], opens: list[str], close: str = "</span>") -> str:
    """The text with a span (`opens[i]`, `close`) around each classed run, escaped."""
    cuts.append(len(text))
    # Plain, classed, plain, ..., plain (zip of two lists: quicker than pairwise or map).
    pieces = [text[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]  # noqa: RUF007
    if not _needs_escaping(text):
        escaped = pieces
    elif _SEP in text:
        escaped = [_escape(piece) for piece in pieces]
    else:
        # One escape over the whole text instead of one per piece.
        escaped = _escape(_SEP.join(pieces)).split(_SEP)
    out: list[str] = [""] * (2 * len(escaped) - 1)
    out[0::2] = escaped
    out[1::4] = opens
    out[3::4] = [close] * len(opens)
    return "".join(out)


def compile_lexer(
    lexer_class: type[RegexLexer], formatter: HtmlFormatter, unmarked: frozenset[str] = frozenset()
) -> Compiled | None:
    """The fast path for `lexer_class` and `formatter`, or None when it cannot be exact.

    Runs of the classes in `unmarked` are not marked at all, as if they were
    plain Text: :meth:`Compiled.tokens` with those classes as its `plain`
    gives the same HTML, having skipped them while scanning rather than
    after (whitespace alone was two runs in five of a cable's, and a run
    costs its share of the scan's Python). :meth:`Compiled.spans` is then
    not Pygments' HTML.
    """
    if not _plain_formatter(formatter):
        return None
    tokendefs = lexer_rules(lexer_class)
    if tokendefs is None:
        return None
    flags = lexer_class.flags
    css = _unmarking(_css_classes(formatter), unmarked)
    plain = _plain_plan(tokendefs.get("root", []))
    if plain is None:
        return None
    states: dict[str, _State] = {}
    for name, rules in tokendefs.items():
        # The root regex stops before the plain-text rule: joined with the others, its
        # repeated alternation saves every group at every character (1 ms for a line).
        state = _compile_state(rules[: plain.before] if name == "root" else rules, flags, css)
        if state is None:
            return None
        states[name] = state
    root = tokendefs["root"][: plain.before]
    firsts = [first_chars(rexmatch.__self__) for rexmatch, _, _ in root]
    everywhere = [True] * len(root)
    unanchored = [not anchored_at_line_start(rexmatch.__self__) for rexmatch, _, _ in root]
    line_start_rules = _ByFirstChar(root, firsts, everywhere, flags, css, states["root"])
    mid_line_rules = _ByFirstChar(root, firsts, unanchored, flags, css, states["root"])
    error_class = css(Error)
    return Compiled(
        states,
        plain,
        line_start_rules,
        mid_line_rules,
        error_class,
        {error_class: _opener(error_class)},
    )


class _ByFirstChar(dict[str, _State]):
    """Per character, a regex of the rules (in order) that may match starting with it.

    Made on first use (most characters never start a line that is not plain):
    making them all cost 40 ms, in every process that highlights.
    """

    def __init__(
        self,
        rules: list[Any],
        firsts: list[set[str] | None],
        where: list[bool],
        flags: int,
        css: Callable[[TokenType], str],
        every_rule: _State,
    ) -> None:
        super().__init__()
        self._rules = rules
        self._firsts = firsts
        self._where = where
        self._flags = flags
        self._css = css
        self._every_rule = every_rule  # for a character the first characters do not know
        self._by_rules: dict[tuple[int, ...], _State] = {}

    def __missing__(self, char: str) -> _State:
        if char not in _ASCII:
            state = self._every_rule
        else:
            chosen = tuple(
                i
                for i, (first, there) in enumerate(zip(self._firsts, self._where, strict=True))
                if there and (first is None or char in first)
            )
            state = self._by_rules.get(chosen) or self._compiled(chosen)
            self._by_rules[chosen] = state
        self[char] = state
        return state

    def _compiled(self, chosen: tuple[int, ...]) -> _State:
        if not chosen:
            return _NONE
        rules = [self._rules[i] for i in chosen]
        return _compile_state(rules, self._flags, self._css) or self._every_rule


def _no_match(text: str, pos: int) -> None:
    return None


_NONE = _State(_no_match, {})


def _plain_formatter(formatter: HtmlFormatter) -> bool:
    """Only nowrap=True with classes, no line numbers, anchors or highlighted lines."""
    return bool(
        formatter.nowrap
        and not formatter.noclasses
        and not formatter.hl_lines
        and not formatter.tagsfile
        and not formatter.debug_token_types
        and formatter.lineseparator == "\n"
        and not formatter.encoding
    )


def _css_classes(formatter: HtmlFormatter) -> Callable[[TokenType], str]:
    """The classes the formatter writes for a token type, found by formatting one token:
    the formatter's own answer, by its public API."""

    @cache
    def classes(token: TokenType) -> str:
        out = io.StringIO()
        formatter.format(iter([(token, "x")]), out)
        written = out.getvalue()
        return written[len('<span class="') : written.index('"', 13)] if written[0] == "<" else ""

    return classes


def _unmarking(
    css: Callable[[TokenType], str], unmarked: frozenset[str]
) -> Callable[[TokenType], str]:
    """`css`, with no class (as plain Text has) for the classes in `unmarked`."""
    if not unmarked:
        return css

    @cache
    def classes(token: TokenType) -> str:
        name = css(token)
        return "" if name in unmarked else name

    return classes


def _compile_state(rules: list[Any], flags: int, css: Callable[[TokenType], str]) -> _State | None:
    """One regex for the state's rules, in order, each in a group of its own."""
    patterns: list[str] = []
    table: dict[int, _Rule] = {}
    group = 1
    for rexmatch, action, new_state in rules:
        regex: re.Pattern[str] = rexmatch.__self__
        if regex.flags != re.compile("", flags).flags:
            return None
        if _has_backreference(regex.pattern):
            return None
        tokens = rule_tokens(regex, action)
        if tokens is None:
            return None
        marks = tuple(
            (group + run.offset, _opener(css(run.token)), run.may_hold_newline)
            for run in tokens
            if css(run.token) and not run.just_a_newline
        )
        whole = (
            marks[0][1] if len(marks) == 1 and marks[0][0] == group and not marks[0][2] else None
        )
        table[group] = (marks, new_state, whole)
        patterns.append(f"({regex.pattern})")
        group += 1 + regex.groups
    try:
        compiled = re.compile("|".join(patterns), flags)
    except re.error:
        return None
    if compiled.groups != group - 1:
        return None
    return _State(compiled.match, table, compiled.scanner)


@cache
def _token_tag(opener: str) -> tuple[str, str]:
    """A run's class and its token's opening tag, from its span's: one string per class."""
    css = opener[len('<span class="') : -len('">')]
    return css, f'<b class="{css}">'


@cache
def _opener(css: str) -> str:
    # One string per class: runs are merged when their tags are the same object.
    return f'<span class="{css}">'


def _has_backreference(pattern: str) -> bool:
    # Group numbers change in the joined regex; so would what \1 or (?(1)...) means.
    return bool(re.search(r"\\[1-9]|\(\?P=|\(\?\(", pattern))


def _plain_plan(root: list[Any]) -> _Plain | None:
    """Where the root state's plain-text shortcut is exact, or None if the rules differ.

    The shortcut takes the rest of a line (``pos`` to its newline) as plain
    text when the lexer would: no rule before the plain-text rule matches at
    ``pos`` (checked by its first character, and for the heading rule by the
    next line's), the plain-text rule runs to the newline (no stop on the
    way) and the newline rule, which no earlier rule can match, takes the
    newline. A newline at the start of a line is the blank-line rule's.
    """
    patterns = [rexmatch.__self__.pattern for rexmatch, _, _ in root]
    if _PLAIN not in patterns or r"\n" not in patterns or not patterns:
        return None
    plain = patterns.index(_PLAIN)
    newline = patterns.index(r"\n")
    if patterns[0] != _BLANK_LINES or newline != plain + 1:
        return None
    _, plain_action, plain_state = root[plain]
    if plain_action is not Text or plain_state is not None:
        return None
    if root[0][2] is not None or root[newline][2] is not None:
        return None
    line_start: set[str] = set()
    mid_line: set[str] = set()
    for rexmatch, _, _ in root[:plain]:
        regex = rexmatch.__self__
        if regex.pattern == _HEADING:
            continue  # the caller looks at the next line instead
        first = first_chars(regex)
        if first is None:
            return None
        line_start |= first
        if not anchored_at_line_start(regex):
            mid_line |= first
    return _Plain(_ASCII - line_start - {"\n"}, _ASCII - mid_line - {"\n"}, plain)
