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

_COLUMNS = {
    "reference id": "id",
    "created": "created",
    "released": "released",
    "classification": "classification",
    "origin": "origin",
}


def is_wikileaks_page(text: str) -> bool:
    return bool(_TABLE.search(text)) and "<pre" in text.lower()


def _text_of(fragment: str) -> str:
    return html.unescape(_TAG.sub("", _PARAGRAPH_ANCHOR.sub("", fragment)))


def read_wikileaks_page(text: str, path: str | None) -> Source | None:
    """The cable on the page, or None when the page has no cable table."""
    table = _TABLE.search(text)
    if not table:
        return None
    cells = _CELL.findall(table.group("table"))
    heads = [_text_of(c).strip().lower() for kind, c in cells if kind.lower() == "h"]
    values = [" ".join(_text_of(c).split()) for kind, c in cells if kind.lower() == "d"]
    meta = {_COLUMNS[h]: v for h, v in zip(heads, values, strict=False) if h in _COLUMNS and v}
    pres = [_text_of(m.group("pre")) for m in _PRE.finditer(text, table.end())][:2]
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
    heading = _HEADING.search(text)
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
