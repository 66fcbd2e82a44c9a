"""Pygments: the raw cable text and fenced code in Markdown pages.

Both are rendered with CSS classes, never inline styles, so one stylesheet
(written once to ``static/highlight.css``) colours every page and the HTML
stays small.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from generator.render.highlight.anchored import anchored
from generator.render.highlight.fast import Compiled, compile_lexer
from generator.render.highlight.lexer import CableLexer

STYLE = "friendly"
CSS_CLASS = "highlight"


@cache
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(cssclass=CSS_CLASS, style=STYLE)


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


def stylesheet() -> str:
    """The CSS for every highlighted block, deterministic for a given Pygments version."""
    return _formatter().get_style_defs(f".{CSS_CLASS}") + "\n"
