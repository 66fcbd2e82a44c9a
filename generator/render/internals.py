"""Every private internal of CPython or of a dependency that cablesite reads: here, and nowhere else.

The render layer is fast because it skips work the libraries do in general
and cablesite never needs. A few of those shortcuts read what the
libraries do not promise to keep: this module holds all of them (a test,
``tests/render/test_internals.py``, fails if another module reads one).
Each is checked against the public behaviour it stands for before it is
used (a probe), and each has a fallback to the public path, so an upgrade
of Python, Pygments, MarkupSafe or Jinja that changes an internal makes a
build slower, never wrong and never broken. :func:`speedups` says which
ones are on.

=====================  ========================================  ===========================
internal               what it buys                              without it
=====================  ========================================  ===========================
``re._parser``,        the cable lexer's rules analysed (first   Pygments' own
``re._constants``      characters, groups, newlines): the fast   ``highlight()`` for the
                       highlighter, 0.36 → 0.08 ms a cable       raw text
``RegexLexer._tokens`` the lexer's compiled rules, for both the  the same (the anchored
                       fast highlighter and the anchored loop    loop: Pygments' own loop)
``bygroups`` closure   the token types of a ``bygroups`` rule    the same
``markupsafe.          the C escaper without a ``Markup`` made   ``str(markupsafe.escape())``
_escape_inner``        around its result: a fifth of a page
``str.__new__`` for    a ``Markup`` of safe text without         ``Markup(text)``
``Markup``             ``Markup.__new__``'s check: 0.3 µs each
Jinja's code           a run of template output yields one       Jinja's own code generator
generator's            string (``frame.buffer``), and a          and ``Template``: about a
``frame.buffer``, a    compiled template's ``escape`` is         fifth of a cable page's
template's module      :func:`generator.render.fragments.        time
globals                html_text`
=====================  ========================================  ===========================
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from functools import cache
from types import CodeType
from typing import Any, ClassVar, NamedTuple

import jinja2
import markupsafe
from jinja2 import nodes
from markupsafe import Markup
from pygments.lexer import RegexLexer, bygroups
from pygments.token import Name, Text, Token

try:  # CPython's regex parser: no promise to keep it (it moved in 3.11).
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - a Python without it: the public paths
    _sre = _sre_parse = None  # type: ignore[assignment]

try:  # MarkupSafe 3's C escaper, under the Markup that escape() wraps it in.
    from markupsafe import _escape_inner  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - MarkupSafe 2: escape() is C already
    _escape_inner = None

try:  # Jinja's code generator: the class is an extension point, its frames are not.
    from jinja2.compiler import CodeGenerator, Frame
except ImportError:  # pragma: no cover
    CodeGenerator = Frame = None  # type: ignore[assignment, misc]

# The class of Pygments' token types (``pygments.token._TokenType``), by a public route.
TokenType = type(Token)


# --- CPython's regex parser: what the cable lexer's rules can match ---------------------------

_ASCII = frozenset(map(chr, range(128)))


class TokenRun(NamedTuple):
    """One token a rule yields: its group (from the rule's own), type, and what it holds."""

    offset: int
    token: Any
    may_hold_newline: bool  # False only when it never holds one
    just_a_newline: bool  # it matches a newline alone (whose class never shows)


def first_chars(regex: re.Pattern[str]) -> set[str] | None:
    """The ASCII characters a match of `regex` may start with; None when it may start with
    any character, or be empty, or the parser cannot tell (more is safe, never fewer)."""
    if not _REGEX_ANALYSIS:
        return None
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
        first, nullable = _first_of_sequence(parsed, bool(regex.flags & re.IGNORECASE))
    except Exception:
        return None
    return None if first is None or nullable else first


def rule_tokens(regex: re.Pattern[str], action: Any) -> list[TokenRun] | None:
    """The tokens a lexer rule yields, when its action is a token type, or a ``bygroups``
    of token types whose groups cover the match in order; None otherwise (Pygments would
    drop or repeat text, or this cannot tell): then no shortcut can be exact."""
    if not _REGEX_ANALYSIS or (type(action) is not TokenType and not _BYGROUPS_ARGS):
        return None
    return _rule_tokens(regex, action)


@cache  # (a state's rules are compiled again for each first character that starts a run)
def _rule_tokens(regex: re.Pattern[str], action: Any) -> list[TokenRun] | None:
    try:
        if type(action) is TokenType:
            items = _sre_parse.parse(regex.pattern, regex.flags)
            return [_run(0, action, items)]
        args = _bygroups_args(action)
        if args is None or not all(type(a) is TokenType for a in args):
            return None
        groups = _groups_covering(regex)
        if groups is None or len(groups) != len(args):
            return None
        return [
            _run(i + 1, token, items)
            for i, (token, items) in enumerate(zip(args, groups, strict=True))
        ]
    except Exception:
        return None


def _run(offset: int, token: Any, items: Any) -> TokenRun:
    return TokenRun(offset, token, _may_hold_newline(items), _just_a_newline(items))


def _groups_covering(regex: re.Pattern[str]) -> list[Any] | None:
    """The parsed groups 1, 2, ... when the pattern is them in order, each at most once,
    and assertions; else None."""
    c = _sre
    groups = []
    for op, av in _sre_parse.parse(regex.pattern, regex.flags):
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1 and len(av[2]) == 1:
            op, av = av[2][0]
        if op is not c.SUBPATTERN or av[0] != len(groups) + 1 or av[1] & re.DOTALL:
            return None
        groups.append(av[3])
    return groups if len(groups) == regex.groups else None


def _just_a_newline(items: Any) -> bool:
    """True for a pattern that matches a newline alone: its class never shows."""
    c = _sre
    consuming = [(op, av) for op, av in items if op not in (c.AT, c.ASSERT, c.ASSERT_NOT)]
    return consuming == [(c.LITERAL, 10)]


def _may_hold_newline(items: Any) -> bool:
    """False when a parsed pattern cannot match a newline (more True is safe, never less)."""
    c = _sre
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT, c.ANY):
            continue  # zero-width, or "." without DOTALL (a flag Pygments does not set)
        if op is c.LITERAL:
            found = av == 10
        elif op is c.NOT_LITERAL:
            found = av != 10
        elif op is c.IN:
            found = _in_class_newline(av)
        elif op is c.SUBPATTERN:
            found = bool(av[1] & re.DOTALL) or _may_hold_newline(av[3])
        elif op is c.BRANCH:
            found = any(_may_hold_newline(branch) for branch in av[1])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            found = _may_hold_newline(av[2])
        elif op is c.ATOMIC_GROUP:
            found = _may_hold_newline(av)
        else:
            found = True
        if found:
            return True
    return False


def _in_class_newline(items: Any) -> bool:
    """Whether a parsed character class matches a newline."""
    c = _sre
    negated = False
    found = False
    for op, av in items:
        if op is c.NEGATE:
            negated = True
        elif op is c.LITERAL:
            found = found or av == 10
        elif op is c.RANGE:
            found = found or av[0] <= 10 <= av[1]
        elif op is c.CATEGORY and av in _NEWLINE_CATEGORIES:
            found = found or _NEWLINE_CATEGORIES[av]
        else:
            return True
    return found != negated


def _first_of_sequence(items: Any, ignorecase: bool) -> tuple[set[str] | None, bool]:
    """(first characters, may match empty) of a sequence of parsed items."""
    c = _sre
    chars: set[str] = set()
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the next item's characters come first
        if op is c.LITERAL:
            chars |= _cased(chr(av), ignorecase)
            return chars, False
        if op is c.IN:
            return chars | _charset(av, ignorecase), False
        if op in (c.NOT_LITERAL, c.ANY):
            return chars | _ASCII, False
        if op is c.SUBPATTERN:
            sub_flags = av[1] & ~av[2]
            sub_first, nullable = _first_of_sequence(av[3], ignorecase or bool(sub_flags & re.I))
        elif op is c.BRANCH:
            sub_first, nullable = set(), False
            for branch in av[1]:
                branch_first, branch_nullable = _first_of_sequence(branch, ignorecase)
                if branch_first is None:
                    return None, False
                sub_first |= branch_first
                nullable = nullable or branch_nullable
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            sub_first, nullable = _first_of_sequence(av[2], ignorecase)
            nullable = nullable or av[0] == 0
        elif op is c.ATOMIC_GROUP:
            sub_first, nullable = _first_of_sequence(av, ignorecase)
        else:
            return None, False  # any character, or more than this knows
        if sub_first is None:
            return None, False
        chars |= sub_first
        if not nullable:
            return chars, False
    return chars, True


def _charset(items: Any, ignorecase: bool) -> set[str]:
    """The ASCII characters a parsed character class may match (more is safe, never fewer)."""
    c = _sre
    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars |= _cased(chr(av), ignorecase)
        elif op is c.RANGE and not (ignorecase and av[1] > 127):
            for code in range(av[0], min(av[1], 127) + 1):
                chars |= _cased(chr(code), ignorecase)
        elif op is c.CATEGORY and av in _CATEGORIES:
            chars |= _CATEGORIES[av]
        else:
            # A negated class, or "[\u0100-\u017f]" that matches an s as "ſ" does
            # when case is ignored: say any character.
            return set(_ASCII)
    return chars


@cache
def _cased(char: str, ignorecase: bool) -> frozenset[str]:
    """The ASCII characters a literal matches (the regex engine's own answer, case ignored)."""
    if not ignorecase:
        return frozenset({char}) & _ASCII
    literal = re.compile(re.escape(char), re.IGNORECASE)
    return frozenset(other for other in _ASCII if literal.fullmatch(other))


def _categories() -> tuple[dict[Any, bool], dict[Any, frozenset[str]]]:
    """Whether \\d, \\s, \\w and their negations match a newline, and the ASCII characters
    of \\d, \\s, \\w: as the regex engine has them."""
    names = {
        "CATEGORY_DIGIT": r"\d",
        "CATEGORY_SPACE": r"\s",
        "CATEGORY_WORD": r"\w",
        "CATEGORY_NOT_DIGIT": r"\D",
        "CATEGORY_NOT_SPACE": r"\S",
        "CATEGORY_NOT_WORD": r"\W",
    }
    newline = {
        getattr(_sre, name): bool(re.fullmatch(regex, "\n")) for name, regex in names.items()
    }
    chars = {
        getattr(_sre, name): frozenset(ch for ch in _ASCII if re.fullmatch(regex, ch))
        for name, regex in list(names.items())[:3]
    }
    return newline, chars


def _regex_analysis_works() -> bool:
    """The analysis gives the known answers on a few patterns (its probe)."""
    if _sre_parse is None:
        return False
    try:
        global _NEWLINE_CATEGORIES, _CATEGORIES
        _NEWLINE_CATEGORIES, _CATEGORIES = _categories()
        word = re.compile(r"(?i)end\b|[B-C]x*")
        if _first_of_sequence(_sre_parse.parse(word.pattern, word.flags), True) != (
            {"e", "E", "b", "B", "c", "C"},
            False,
        ):
            return False
        pair = re.compile(r"^(\w+)(\n)")
        groups = _groups_covering(pair)
        if groups is None or len(groups) != 2:
            return False
        if _may_hold_newline(groups[0]) or not _just_a_newline(groups[1]):
            return False
        return not _may_hold_newline(_sre_parse.parse(r"[^\n]+", 0))
    except Exception:
        return False


_NEWLINE_CATEGORIES: dict[Any, bool] = {}
_CATEGORIES: dict[Any, frozenset[str]] = {}


# --- Pygments: a RegexLexer's compiled rules, a bygroups action's token types ---------------------

Rule = tuple[Callable[..., Any], Any, Any]  # (the regex's match, action, new state)


def lexer_rules(lexer_class: type[RegexLexer]) -> dict[str, list[Rule]] | None:
    """Each state's compiled rules, as a RegexLexer tries them; None when they cannot be had."""
    if not _LEXER_RULES:
        return None
    return _rules_of(lexer_class)


@cache
def _rules_of(lexer_class: type[RegexLexer]) -> dict[str, list[Rule]] | None:
    try:
        rules = lexer_class()._tokens  # compiled when the first lexer is made
    except Exception:
        return None
    if not isinstance(rules, dict) or not all(
        isinstance(rule, tuple) and len(rule) == 3 and callable(rule[0])
        for state in rules.values()
        for rule in state
    ):
        return None
    return rules


def bygroups_tokens(action: Any) -> tuple[Any, ...] | None:
    """The actions a ``bygroups(...)`` callback was made with; None for anything else."""
    return _bygroups_args(action) if _BYGROUPS_ARGS else None


def _bygroups_args(action: Any) -> tuple[Any, ...] | None:
    code = getattr(action, "__code__", None)
    if code is not _BYGROUPS_CODE:
        return None
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in action.__closure__), strict=True))
    args = cells.get("args")
    return args if isinstance(args, tuple) else None


_BYGROUPS_CODE: CodeType | None = getattr(bygroups(Text), "__code__", None)


def _lexer_rules_work() -> bool:
    class Probe(RegexLexer):
        tokens: ClassVar[dict[str, list[Any]]] = {"root": [(r"a", Name), (r"\n", Text)]}

    rules = _rules_of(Probe)
    return rules is not None and [rule[1] for rule in rules["root"]] == [Name, Text]


def _bygroups_args_work() -> bool:
    try:
        return _bygroups_args(bygroups(Name, Text)) == (Name, Text)
    except Exception:
        return False


# --- MarkupSafe: escaping without the Markup around it; Markup without its check ----------------


def _plain_escape(text: str) -> str:
    return str(markupsafe.escape(text))


def _escape_works() -> bool:
    probe = "<a href=\"x\">'&'</a> \u00e9\U0001f600"
    try:
        return _escape_inner is not None and _escape_inner(probe) == _plain_escape(probe)
    except Exception:
        return False


def _plain_markup(cls: type[Markup], text: str) -> Markup:
    return cls(text)


def _markup_works() -> bool:
    # str.__new__ runs no __init__: Markup must have none of its own.
    if any("__init__" in vars(cls) for cls in Markup.__mro__ if cls not in (str, object)):
        return False
    made = str.__new__(Markup, "<b>x</b>")
    return type(made) is Markup and made == Markup("<b>x</b>") and made.__html__() == "<b>x</b>"


# --- Jinja: output joined at compile time; the escape a compiled template calls ---------------

_JOINED_OUTPUT = "_joined_output"
# Below this many nodes, one yield each is as fast as joining them first.
_JOIN_FROM = 3


def _one_piece(piece: str) -> str:
    return piece


class _JoinedOutput:
    """``_joined_output.extend((a, b, c))`` is ``"".join((a, b, c))``, and
    ``_joined_output.append(a)`` is ``a``: see :class:`JoiningCodeGenerator`."""

    __slots__ = ()
    extend = "".join
    append = staticmethod(_one_piece)


if CodeGenerator is not None:

    class JoiningCodeGenerator(CodeGenerator):
        """Jinja's code generator, but a run of output yields one string.

        Jinja compiles ``<p id="{{ a }}">{{ b }}</p>`` in a page or block to
        one ``yield`` per piece; each goes up through every generator between
        the block and ``render`` (a cable page's blocks are three deep), about
        45 ns a piece. A run of three or more pieces is compiled as Jinja
        compiles it inside a macro, where it extends a list, but with a join
        the run yields once: ``yield _joined_output.extend((…))``. The same
        pieces, escaped the same way, in the same order: the same text.
        """

        def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
            # Jinja writes a run whose pieces fold into one constant as
            # ``.append(piece)``, which yields the piece itself here.
            if frame.buffer is not None or len(node.nodes) < _JOIN_FROM:
                super().visit_Output(node, frame)
                return
            frame.buffer = f"yield {_JOINED_OUTPUT}"
            try:
                super().visit_Output(node, frame)
            finally:
                frame.buffer = None


def template_class(escape: Callable[[object], str]) -> type[jinja2.Template]:
    """A Template class whose compiled templates escape ``{{ }}`` output with `escape`.

    A compiled template calls the name ``escape`` of its module for every
    ``{{ }}`` with autoescape on, and only there (filters such as ``|e``
    are looked up among the filters): rebinding that name changes how fast
    the text is escaped, not what it becomes (when `escape` gives the text
    markupsafe.escape gives). Its module also has the joiner the joining
    code generator writes.
    """

    class FastTemplate(jinja2.Template):
        @classmethod
        def from_code(
            cls,
            environment: jinja2.Environment,
            code: CodeType,
            globals: MutableMapping[str, Any],
            uptodate: Callable[[], bool] | None = None,
        ) -> jinja2.Template:
            template = super().from_code(environment, code, globals, uptodate)
            namespace = template.root_render_func.__globals__
            namespace["escape"] = escape
            namespace[_JOINED_OUTPUT] = _JoinedOutput()
            return template

    return FastTemplate


def jinja_classes(escape: Callable[[object], str]) -> tuple[type[jinja2.Template], type[Any]]:
    """The Template and code generator classes of a build's environment: the fast ones
    when they render a probe as Jinja's own do, else Jinja's own."""
    if _JINJA_FAST and _jinja_probe(escape):
        return template_class(escape), JoiningCodeGenerator
    return jinja2.Template, jinja2.Environment.code_generator_class


_PROBE_TEMPLATE = (
    '{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}<p id="{{ a }}">{{ b }}{{ m(b) }}-{{ a|e }}'
    "{% for i in c %}<b>{{ i }}</b>{{ i }}!{% endfor %}</p>{% block z %}{{ a }}{{ b }}.{% endblock %}"
)


@cache
def _jinja_probe(escape: Callable[[object], str]) -> bool:
    """The fast classes render the probe template as Jinja's own classes do."""
    try:
        plain = jinja2.Environment(autoescape=True)

        class Fast(jinja2.Environment):
            template_class = template_class(escape)
            code_generator_class = JoiningCodeGenerator

        fast = Fast(autoescape=True)
        if f"yield {_JOINED_OUTPUT}.extend((" not in fast.compile(_PROBE_TEMPLATE, raw=True):
            return False  # (the output would be right, but not joined: say so)
        context = {"a": "<\"&'>", "b": Markup("<em>ok</em>"), "c": ["<x>", 1, Markup("&amp;")]}
        return fast.from_string(_PROBE_TEMPLATE).render(context) == plain.from_string(
            _PROBE_TEMPLATE
        ).render(context)
    except Exception:
        return False


# --- what is on ----------------------------------------------------------------------------

_REGEX_ANALYSIS = _regex_analysis_works()
_LEXER_RULES = _lexer_rules_work()
_BYGROUPS_ARGS = _bygroups_args_work()
_JINJA_FAST = CodeGenerator is not None and Frame is not None

escape_text: Callable[[str], str] = _escape_inner if _escape_works() else _plain_escape
# ``new_markup(Markup, html)`` is ``Markup(html)`` for a str, without Markup.__new__'s
# Python frame (which asks a str for ``__html__`` and then makes this call).
new_markup: Callable[[type[Markup], str], Markup] = (
    str.__new__ if _markup_works() else _plain_markup  # type: ignore[assignment]
)


def speedups() -> dict[str, bool]:
    """Which shortcuts through internals are on (each off means the public path)."""
    return {
        "regex analysis (re._parser)": _REGEX_ANALYSIS,
        "lexer rules (RegexLexer._tokens)": _LEXER_RULES,
        "bygroups token types": _BYGROUPS_ARGS,
        "escape without Markup (markupsafe._escape_inner)": escape_text is not _plain_escape,
        "Markup without its check": new_markup is not _plain_markup,
        "joined template output (Jinja code generator)": _JINJA_FAST
        and _jinja_probe(_plain_escape),
    }
