"""Pygments: the raw cable text and fenced code in Markdown pages.

Both are rendered with CSS classes, never inline styles, so one stylesheet
(``stylesheet()``, written once to ``static/highlight.css`` and at the end
of the theme's ``static/style.css``, the one stylesheet every page links)
colours every page and the HTML stays small.
"""

from __future__ import annotations

import re
from functools import cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.style import Style
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from generator.render.highlight.anchored import anchored
from generator.render.highlight.fast import Compiled, compile_lexer
from generator.render.highlight.lexer import CableLexer

STYLE = "friendly"
CSS_CLASS = "highlight"
# WCAG 2.1 AA asks 4.5:1 for text; the darkest background a block has is the style's own.
_CONTRAST = 4.6


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _rgb(color: str) -> tuple[float, float, float]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def readable(color: str, background: str) -> str:
    """`color`, darkened just enough to be read on `background` (AA contrast)."""
    rgb = _rgb(color)
    back = _luminance(_rgb(background))
    while (back + 0.05) / (_luminance(rgb) + 0.05) < _CONTRAST and any(rgb):
        rgb = (rgb[0] * 0.93, rgb[1] * 0.93, rgb[2] * 0.93)
    return "#{:02x}{:02x}{:02x}".format(*(round(v) for v in rgb))


@cache
def _style() -> type[Style]:
    """The Pygments style STYLE with every text colour made readable (axe: color-contrast).

    Friendly's pale tokens (constants, numbers, comments) fall under 4.5:1 on
    white; only their lightness changes, so the hues still tell them apart.
    """
    base = get_style_by_name(STYLE)
    background = base.background_color or "#ffffff"
    styles = {}
    for token, rule in base.styles.items():
        words = [
            readable(word, background) if word.startswith("#") else word for word in rule.split()
        ]
        styles[token] = " ".join(words)
    return type("ReadableStyle", (base,), {"styles": styles})


@cache
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(cssclass=CSS_CLASS, style=_style())


@cache
def _bare_formatter() -> HtmlFormatter:
    # Tokens only: we write the <pre> ourselves, so Markdown keeps it as the block.
    return HtmlFormatter(nowrap=True)


def _block(code: str, lexer: Lexer, language: str = "") -> Markup:
    spans = highlight(code, lexer, _bare_formatter())
    label = f' class="language-{escape(language)}"' if language else ""
    return Markup(f'<pre class="{CSS_CLASS}"><code{label}>{spans}</code></pre>\n')


@cache
def _cable_lexer() -> Lexer:
    # The same tokens as CableLexer, found faster (see highlight/anchored.py).
    return anchored(CableLexer)(stripnl=False, ensurenl=True)


@cache
def _fast_cable() -> Compiled | None:
    # The same HTML as _block(text, _cable_lexer()), found 4-5 times faster (see highlight/fast.py);
    # None if CableLexer's rules ever stop fitting its shortcuts.
    return compile_lexer(CableLexer, _bare_formatter())


def highlight_cable(text: str) -> Markup:
    """The raw telegram (routing header and body) as highlighted HTML."""
    fast = _fast_cable()
    if fast is None:
        return pygments_cable(text)
    return Markup(
        f'<pre class="{CSS_CLASS}"><code class="language-cable">{fast.spans(text)}</code></pre>\n'
    )


def highlight_lines(text: str) -> str:
    """The cable lexer's spans for a text, without the block around them.

    A span never crosses a line end (the formatter closes it there), so the
    HTML splits at ``\n`` into the text's lines.
    """
    fast = _fast_cable()
    if fast is None:
        return highlight(text, _cable_lexer(), _bare_formatter())
    return fast.spans(text)


def highlight_tokens(text: str) -> str:
    """The cable lexer's tokens for a text as the cable page writes them.

    ``<b class="k">SUBJECT</b>``: :func:`highlight_lines` with ``b`` for
    ``span`` (six bytes less on each of the few dozen tokens a page has, and
    ``<b>`` is HTML's element for key words set off from the text; the
    stylesheet gives each the weight of its class), no tag around a token of
    a class the stylesheet gives no rule (:func:`plain_classes`), and one tag
    around tokens of one class with only spaces between them. A token never
    crosses a line end, so the HTML splits at ``\n`` into the text's lines.
    """
    fast = _fast_cable_tokens()
    if fast is None:
        return tokens_from_spans(highlight(text, _cable_lexer(), _bare_formatter()))
    return fast.tokens(text, plain_classes())


@cache
def _fast_cable_tokens() -> Compiled | None:
    # _fast_cable for highlight_tokens only: the plain classes' runs are not marked at all
    # (whitespace alone was 40% of a cable's runs): the same tokens in 279 µs a cable, not 318.
    return compile_lexer(CableLexer, _bare_formatter(), unmarked=plain_classes())


@cache
def plain_classes() -> frozenset[str]:
    """Token classes shown as plain text: whitespace, and those the stylesheet gives no rule."""
    return frozenset((set(STANDARD_TYPES.values()) - styled_classes() | {"w"}) - {""})


@cache
def _plain_span() -> re.Pattern[str]:
    plain = sorted(plain_classes())
    return re.compile(rf'<span class="(?:{"|".join(map(re.escape, plain))})">([^<]*)</span>')


# Spans of one class with only spaces between them, and the seams inside such a run.
_SPAN_RUN = re.compile(
    r'<span class="([a-z0-9]+)">[^<\n]*</span>(?:[ \t]+<span class="\1">[^<\n]*</span>)+'
)
_SPAN_SEAM = re.compile(r'</span>([ \t]+)<span class="[a-z0-9]+">')


def _one_span(run: re.Match[str]) -> str:
    return _SPAN_SEAM.sub(r"\1", run.group())


def tokens_from_spans(spans: str) -> str:
    """:func:`highlight_tokens` made from Pygments' HTML (``<span class="…">`` runs):
    the fallback of the fast path, and what its tests compare it with."""
    spans = _plain_span().sub(r"\1", spans)
    spans = _SPAN_RUN.sub(_one_span, spans)
    return spans.replace('<span class="', '<b class="').replace("</span>", "</b>")


def pygments_cable(text: str) -> Markup:
    """highlight_cable through Pygments' own highlight(): the reference it is tested against."""
    return _block(text, _cable_lexer(), "cable")


def highlight_code(code: str, language: str) -> Markup:
    """A fenced code block; an unknown language is shown as plain text, not an error."""
    if language.lower() == "cable":
        return highlight_cable(code)
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return _block(code, lexer, language)


@cache
def styled_classes() -> frozenset[str]:
    """The token classes the stylesheet gives a rule (a span of any other changes nothing)."""
    return frozenset(re.findall(rf"^\.{CSS_CLASS} \.([\w-]+) \{{", stylesheet(), re.MULTILINE))


def stylesheet() -> str:
    """The CSS for every highlighted block, deterministic for a given Pygments version."""
    return _formatter().get_style_defs(f".{CSS_CLASS}") + "\n"


def with_stylesheet(theme_css: bytes) -> bytes:
    """The theme's stylesheet with :func:`stylesheet` after it.

    Every page then links one stylesheet, not two: a link less on each page
    (cable pages are counted to the byte, issue 14) and a request less. The
    theme's rules come first, as when highlight.css was linked after them.
    """
    generated = "/* The highlighter's colours (generator/render/highlight). */\n" + stylesheet()
    return theme_css.rstrip(b"\n") + b"\n\n" + generated.encode("utf-8")
