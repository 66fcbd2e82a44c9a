"""A page of the WikiLeaks cable viewer (cablegate-era `cable/YYYY/MM/ID.html`).

The page holds a table (Reference ID, Created, Released, Classification,
Origin) and, after it, two `<pre>` blocks: the routing header and the body,
with newlines as `&#x000A;` and the viewer's own links (tags, paragraph
anchors) inside.  Everything else on the page is navigation.
"""

from __future__ import annotations

import html
import re

from generator.parse.source import Source

_TABLE = re.compile(r"<table\s+class=['\"]cable['\"][^>]*>(?P<table>.*?)</table>", re.S | re.I)
_CELL = re.compile(r"<t([hd])[^>]*>(.*?)</t\1>", re.S | re.I)
_PARTIAL_NOTE = re.compile(r"\s*This record is a partial extract of the original cable", re.I)
_HEADING = re.compile(r"<h3>\s*Viewing cable\s+[^,<]*,(?P<subject>[^<]*)</h3>", re.I)
_PRE = re.compile(r"<pre[^>]*>(?P<pre>.*?)</pre>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
# The viewer links every paragraph-like line with a pilcrow anchor of its own.
_PARAGRAPH_ANCHOR = re.compile(
    r"<a\s+id=['\"]par[0-9A-Za-z]+['\"][^>]*>\s*(?:¶|&para;|&#182;)?\s*</a>", re.I
)
# Pages are 60-70 KB of navigation, and each scan of one costs some 50 µs: the
# table and the heading are looked for in one scan for where they can start,
# then matched there.
_TABLE_OR_HEADING = re.compile(r"<(?:table|h3>)", re.I)
_PRE_OPEN = re.compile(r"<pre", re.I)
_PRE_CLOSE = re.compile(r"</pre>", re.I)
# The viewer writes every newline of a cable as this reference.
_NEWLINE_REFERENCE = "&#x000A;"

_COLUMNS = {
    "reference id": "id",
    "created": "created",
    "released": "released",
    "classification": "classification",
    "origin": "origin",
}


def is_wikileaks_page(text: str) -> bool:
    return bool(_TABLE.search(text)) and "<pre" in text.lower()


def _strip_tags(text: str) -> str:
    """`_TAG.sub("", text)` in time linear in the text's length.

    A "<" with no ">" after it fails the match only at the end of the text,
    so the regex alone is quadratic in such "<"s (400,000 of them took 97 s).
    None after the last ">" can match: the text after it is kept as it is.
    """
    end = text.rfind(">") + 1
    return _TAG.sub("", text[:end]) + text[end:] if end < len(text) else _TAG.sub("", text)


def _text_of(fragment: str) -> str:
    text = _strip_tags(_PARAGRAPH_ANCHOR.sub("", fragment))
    # Unescaped first, the newlines spare `html.unescape` a Python call each.  The
    # same text results: no character reference spans an "&" or a newline.
    return html.unescape(text.replace(_NEWLINE_REFERENCE, "\n"))


def _table_and_heading(text: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """`_TABLE.search(text)` and `_HEADING.search(text)`, from one scan of the page."""
    table = heading = None
    for candidate in _TABLE_OR_HEADING.finditer(text):
        start = candidate.start()
        if candidate.group().lower() == "<h3>":
            heading = heading or _HEADING.match(text, start)
        else:
            table = table or _TABLE.match(text, start)
        if table and heading:
            break
    return table, heading


def _pres(text: str, pos: int, count: int) -> list[str]:
    """The contents of the first `count` matches of `_PRE` from pos.

    A match opens at the first "<pre" (any case) and its tag's first ">",
    and ends at the first "</pre>" after it: if that fails, so does every
    later "<pre".  So the lazy pattern need not be run over the cable.
    """
    contents = []
    while len(contents) < count:
        opening = _PRE_OPEN.search(text, pos)
        if not opening:
            break
        start = text.find(">", opening.end()) + 1
        closing = _PRE_CLOSE.search(text, start) if start else None
        if not closing:
            break
        contents.append(text[start : closing.start()])
        pos = closing.end()
    return contents


def read_wikileaks_page(text: str, path: str | None) -> Source | None:
    """The cable on the page, or None when the page has no cable table."""
    table, heading = _table_and_heading(text)
    if not table:
        return None
    cells = _CELL.findall(table.group("table"))
    heads = [_text_of(c).strip().lower() for kind, c in cells if kind.lower() == "h"]
    values = [" ".join(_text_of(c).split()) for kind, c in cells if kind.lower() == "d"]
    meta = {_COLUMNS[h]: v for h, v in zip(heads, values, strict=False) if h in _COLUMNS and v}
    pres = [_text_of(pre) for pre in _pres(text, table.end(), 2)]
    if len(pres) == 2:
        header, body = pres
    elif pres:
        header, body = "", pres[0]
    else:
        header, body = "", ""
    # Pages of cables released only in part carry the viewer's note where
    # the routing header would be.
    partial = bool(_PARTIAL_NOTE.match(header))
    if partial:
        header = ""
    return Source(
        body=body,
        header=header,
        source_format="wikileaks-html",
        source_path=path,
        meta=meta,
        partial=partial,
        # The viewer's own title: used when the text has no SUBJECT line.
        fallback_subject=" ".join(_text_of(heading.group("subject")).split()) if heading else "",
    )
