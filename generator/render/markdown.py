"""Markdown pages (``content/pages/*.md``, read by :mod:`generator.site.documents`) → HTML.

markdown-it-py in CommonMark mode with raw HTML switched off: a page's
``<script>`` is shown as text, like anything from a cable. Fenced code is
highlighted by Pygments, and cable ids in running text (``03OTTAWA49``)
become links when the cable is in the archive.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

from generator.render.highlight import highlight_code
from generator.site.documents import CABLE_ID

LinkFor = Callable[[str], str | None]


def render_markdown(text: str, link_for: LinkFor) -> Markup:
    return Markup(_parser(link_for).render(text))


def _parser(link_for: LinkFor) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")
    md.core.ruler.push("cable_links", lambda state: _link_cable_ids(state, link_for))
    return md


def _highlight(code: str, language: str, _attrs: object) -> str:
    return str(highlight_code(code, language.strip()))


def _link_cable_ids(state: StateCore, link_for: LinkFor) -> None:
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _linked(block.children, link_for)


def _linked(children: list[Token], link_for: LinkFor) -> list[Token]:
    out: list[Token] = []
    inside_link = 0
    for token in children:
        if token.type == "link_open":
            inside_link += 1
        elif token.type == "link_close":
            inside_link -= 1
        if token.type != "text" or inside_link:
            out.append(token)
            continue
        out.extend(_split_text(token, link_for))
    return out


def _split_text(token: Token, link_for: LinkFor) -> list[Token]:
    text = token.content
    pieces: list[Token] = []
    position = 0
    for found in CABLE_ID.finditer(text):
        href = link_for(found.group(0))
        if href is None:
            continue
        if found.start() > position:
            pieces.append(_text(text[position : found.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": href, "class": "cable-ref"}
        pieces.extend([link, _text(found.group(0)), Token("link_close", "a", -1)])
        position = found.end()
    if not pieces:
        return [token]
    if position < len(text):
        pieces.append(_text(text[position:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
