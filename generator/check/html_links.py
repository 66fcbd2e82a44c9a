"""The links and ids of an HTML page, found fast.

``cablesite check`` reads every page of the site: 280,000 of them for the
whole Cablegate. :class:`html.parser.HTMLParser` calls back into Python for
every tag, and a cable page has hundreds (the highlighted raw text alone is
mostly ``<span class>``); this scanner lets one regular expression skip,
in C, every tag that has no ``id``, ``name``, ``href``, ``src`` or
``http-equiv`` attribute, and parses only the others. It reads what
HTMLParser reads: attribute values with character references resolved,
tag and attribute names in lower case, nothing inside comments or inside
``<script>``/``<style>``, the line a tag starts on (the tests compare the
two on real pages).
"""

from __future__ import annotations

import re
from html import unescape

# Tags whose attribute is a link, as the checker follows them.
LINK_ATTRS = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src"}
LINK_ATTRS |= {"iframe": "src", "source": "src", "audio": "src", "video": "src"}

# An attribute list, quoted values kept whole: a ">" inside quotes does not end the tag.
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
# A start tag worth reading: one of the attributes we want comes before its end.
_TAG = re.compile(
    r"<([a-zA-Z][^\s/>]*)"
    r"""(?=(?:[^>"']|"[^"]*"|'[^']*')*?[\s"'/](?:id|name|href|src|http-equiv)\s*=)"""
    r"(" + _ATTRS + r")>",
    re.IGNORECASE,
)
_ATTR = re.compile(r"""([^\s"'>/=][^\s"'>/=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")
# What HTMLParser does not read as tags: comments, declarations, processing
# instructions and the text of script and style elements.
_OPAQUE = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>"
    r"|(<(script|style)\b" + _ATTRS + r">).*?(?=</\2\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
# Whether a page has any of those (a doctype is harmless: no tag starts "<!").
_NEEDS_BLANKING = re.compile(r"<(?:!--|!\[|\?|script\b|style\b)", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*(\S+)", re.IGNORECASE)


def scan_html(text: str) -> tuple[set[str], list[tuple[str, int]]]:
    """The ids a page defines, and its links with the line each is on."""
    if _NEEDS_BLANKING.search(text):
        text = _OPAQUE.sub(_blank, text)
    ids: set[str] = set()
    links: list[tuple[str, int]] = []
    line, counted = 1, 0
    for match in _TAG.finditer(text):
        start = match.start()
        line += text.count("\n", counted, start)
        counted = start
        tag = match.group(1).lower()
        values = _attributes(match.group(2))
        if "id" in values:
            ids.add(values["id"])
        if tag == "a" and "name" in values:
            ids.add(values["name"])
        attr = LINK_ATTRS.get(tag)
        if attr and attr in values:
            links.append((values[attr], line))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            found = _REFRESH_URL.search(values.get("content", ""))
            if found:
                links.append((found.group(1), line))
    return ids, links


def _attributes(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, double, single, bare in _ATTR.findall(text):
        value = double or single or bare
        values[name.lower()] = unescape(value) if "&" in value else value
    return values


def _blank(match: re.Match[str]) -> str:
    """What is not read, replaced by its line breaks (line numbers stay right);
    a script's or style's own start tag is kept, for its ``src``."""
    kept = match.group(1) or ""
    return kept + "\n" * match.group(0).count("\n", len(kept))
