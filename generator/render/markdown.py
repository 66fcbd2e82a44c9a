"""Markdown pages (``content/pages/*.md``) → HTML.

markdown-it-py in CommonMark mode with raw HTML switched off: a page's
``<script>`` is shown as text, like anything from a cable. Fenced code is
highlighted by Pygments, and cable ids in running text (``03OTTAWA49``)
become links when the cable is in the archive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

from generator.errors import UserError
from generator.render.highlight import highlight_code

CABLE_ID = re.compile(r"\b\d{2}[A-Z][A-Z-]*[A-Z]\d+\b")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.DOTALL | re.MULTILINE)

LinkFor = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown page: its slug (file stem), front matter and body."""

    slug: str
    source: str
    title: str
    description: str
    body: str
    body_line: int


def read_document(path: Path, display: str) -> Document:
    text = path.read_text(encoding="utf-8", errors="replace")
    meta, body, body_line = split_front_matter(text, display)
    title = str(meta.get("title") or first_heading(body) or path.stem.replace("-", " ").title())
    return Document(
        slug=str(meta.get("slug") or path.stem),
        source=display,
        title=title,
        description=str(meta.get("description") or ""),
        body=body,
        body_line=body_line,
    )


def split_front_matter(text: str, display: str) -> tuple[dict, str, int]:
    found = _FRONT_MATTER.match(text)
    if not found:
        return {}, text, 1
    try:
        meta = yaml.safe_load(found.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        message = f"invalid front matter: {getattr(exc, 'problem', exc)}"
        raise UserError(display, line, message) from None
    if not isinstance(meta, dict):
        raise UserError(display, 2, "front matter must be a mapping of keys to values")
    return meta, text[found.end() :], found.group(0).count("\n") + 1


def first_heading(body: str) -> str | None:
    found = re.search(r"^#\s+(.+?)\s*#*\s*$", body, re.MULTILINE)
    return found.group(1) if found else None


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
