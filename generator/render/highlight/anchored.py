"""A faster way to run a Pygments ``RegexLexer``: skip the rules that cannot match.

Pygments tries a state's rules one after another at each position, a
Python-level ``match`` call per rule: for the cable lexer, about twenty
calls per token, and lexing cost as much as parsing the cable. Most of
those rules are anchored at the start of a line (``^``, in multi-line
mode), and most positions are not: there, only the unanchored rules can
match, so only they are tried, in their order. The first rule that
matches is the one Pygments would find, so the tokens are exactly those of
:meth:`RegexLexer.get_tokens_unprocessed` (``tests/render/test_anchored_lexer.py``
compares the two on real and random text).

(Joining a state's rules into one alternation was tried: the regex engine
then saves and restores every rule's groups at every position, which made
it slower than the calls it saved.)

The cable pages no longer go through it: ``render/highlight/fast.py`` writes the
same HTML without a token stream. It remains the fallback of
``highlight_cable`` and the lexer that ``pygments_cable``, the reference the
fast path is tested against, runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import RegexLexer
from pygments.token import Error, Whitespace

from generator.render.internals import TokenType, lexer_rules

Rule = tuple[Callable[..., Any], Any, Any]  # (regex match, action, new state)


class AnchoredRulesMixin:
    """Mix into a RegexLexer subclass (before it) to skip line-anchored rules mid-line."""

    def get_tokens_unprocessed(
        self, text: str, stack: tuple[str, ...] = ("root",)
    ) -> Iterator[tuple[int, Any, str]]:
        tokendefs = lexer_rules(type(self))
        if tokendefs is None:
            # The rules cannot be had: Pygments' own loop, every rule at every position.
            yield from super().get_tokens_unprocessed(text, stack)  # type: ignore[misc]
            return
        mid_line = _mid_line_rules(type(self), tokendefs)
        pos = 0
        statestack = list(stack)
        state = statestack[-1]
        while True:
            at_line_start = pos == 0 or text[pos - 1] == "\n"
            rules = tokendefs[state] if at_line_start else mid_line[state]
            for rule in rules:
                m = rule[0](text, pos)
                if m:
                    break
            else:
                # No rule matches: what Pygments does.
                if pos >= len(text):
                    return
                if text[pos] == "\n":
                    statestack = ["root"]
                    state = "root"
                    yield pos, Whitespace, "\n"
                else:
                    yield pos, Error, text[pos]
                pos += 1
                continue
            _, action, new_state = rule
            if action is not None:
                if type(action) is TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(self, m)
            pos = m.end()
            if new_state is not None:
                transition(statestack, new_state)
                state = statestack[-1]


def _mid_line_rules(cls: type, tokendefs: dict[str, list[Rule]]) -> dict[str, list[Rule]]:
    """Per state, the rules that can match where a line does not start."""
    cached = cls.__dict__.get("_mid_line")
    if cached is None:
        cached = {
            name: [rule for rule in rules if not anchored_at_line_start(rule[0].__self__)]
            for name, rules in tokendefs.items()
        }
        cls._mid_line = cached  # type: ignore[attr-defined]
    return cached


def anchored_at_line_start(regex: re.Pattern[str]) -> bool:
    """True when the regex matches only at the start of a line (``^`` first, multi-line)."""
    return regex.pattern.startswith("^") and bool(regex.flags & re.MULTILINE)


def transition(statestack: list[str], new_state: Any) -> None:
    """Pygments' state transitions, as in RegexLexer.get_tokens_unprocessed."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif state == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(state)
    elif isinstance(new_state, int):
        # Pop, but keep at least one state on the stack.
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise AssertionError(f"wrong state def: {new_state!r}")


def anchored(lexer_class: type[RegexLexer]) -> type[RegexLexer]:
    """A subclass of `lexer_class` that skips line-anchored rules mid-line."""
    return type(lexer_class.__name__, (AnchoredRulesMixin, lexer_class), {"__module__": __name__})
