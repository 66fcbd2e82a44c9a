"""Small HTML fragments that many pages repeat: a date, a badge, a link to a cable.

They are template filters (``{{ e.created|when }}``, ``{{ e|cable_link }}``)
because a filter is called directly by the compiled template, where a
function call in a template goes through ``Context.call`` (its checks cost
more than most of these helpers) and a macro costs more again. Each returns
Markup with every value that comes from a cable escaped; the page around
them stays in the templates, so a theme restyles a page by overriding its
template and can still build any of these pieces itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import markupsafe
from markupsafe import Markup

from generator.reference.glossary import tag_meaning as glossary_meaning
from generator.render.internals import escape_text, new_markup
from generator.render.text import level_class
from generator.urls import CablePage, Urls

# The text of markupsafe.escape(), without the Markup around it (see render/internals).
_escape_str = escape_text

# Above this length, a text is searched for what to escape before it is escaped.
_PROSE_CHECK_FROM = 160

_UNDATED = Markup('<span class="undated">undated</span>')


# ``_markup(Markup, html)`` is ``Markup(html)`` for a str, 0.3 µs less for every date
# and cable link on a page (see render/internals).
_markup = new_markup

# Distinct classification strings are few; a hostile corpus could make many.
_BADGE_CACHE_LIMIT = 4096
_badges: dict[str, Markup] = {}
_marking_badges: dict[tuple[str, str], str] = {}


def html_text(value: object) -> str:
    """A value's text as HTML: escaped, unless it is Markup.

    The same text as :func:`markupsafe.escape`, without wrapping it in a new
    Markup (a Python-level ``Markup.__new__``, as slow as the escaping).
    Templates use it for every ``{{ value }}`` (see
    :func:`generator.render.internals.template_class`): their output is
    joined into one string, where the wrapper was a fifth of a cable page's
    time. Anything other than a str or a Markup (a number, Undefined, an
    object with ``__html__``) goes through escape() itself.
    """
    kind = type(value)
    if kind is str:
        return _escape_str(value)  # type: ignore[no-any-return]
    if kind is Markup:
        return value  # type: ignore[return-value]
    return markupsafe.escape(value)


def _prose_html(value: object) -> str:
    """:func:`html_text` for running text, where most lines have no character to escape.

    Looking for each of the five characters is a fast search of the string;
    the escaper looks at every character in turn: a 600-character line is
    checked in a third of the time it is escaped.
    """
    if type(value) is str and len(value) > _PROSE_CHECK_FROM:
        if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
            return _escape_str(value)  # type: ignore[no-any-return]
        return value
    return html_text(value)


def when(moment: datetime | None) -> Markup:
    """A creation date as a ``<time>`` element: ``<time>2003-01-28</time>``.

    No ``datetime`` attribute: the date shown is a valid date string, which
    is the element's value without one (HTML's rule), and a list page has
    one per line. The text of ``strftime("%Y-%m-%d")``, taken from isoformat
    where that is the same text, several times faster: not for a year before
    1000 (strftime does not pad it everywhere) nor for an aware datetime
    (isoformat adds the offset).
    """
    if moment is None:
        return _UNDATED
    if type(moment) is datetime and moment.tzinfo is None and moment.year >= 1000:
        day = moment.isoformat()[:10]
    else:
        day = moment.strftime("%Y-%m-%d")
    return _markup(Markup, f"<time>{day}</time>")


def day(moment: datetime | None) -> str:
    """A creation date as text, "2003-01-28" (or "undated"): for a date inside a
    line of small print, where :func:`when`'s element would mark up little."""
    if moment is None:
        return "undated"
    if type(moment) is datetime and moment.tzinfo is None and moment.year >= 1000:
        return moment.isoformat()[:10]
    return moment.strftime("%Y-%m-%d")


def badge(text: str) -> Markup:
    """A classification badge: its colour says the level, its text says it too."""
    if type(text) is not str:  # Markup (not escaped again) or anything else: no cache
        return _badge(text)
    found = _badges.get(text)
    if found is None:
        if len(_badges) >= _BADGE_CACHE_LIMIT:
            _badges.clear()
        found = _badges[text] = _badge(text)
    return found


def _badge(text: Any) -> Markup:
    """``<b class="C">CONFIDENTIAL</b>``: the class is the level's (render/text.py, LEVEL_CLASSES)."""
    return Markup('<b class="{}">{}</b>').format(level_class(text), text)


def paragraph(p: Any) -> Markup:
    """A paragraph of a cable's text (a :class:`~generator.render.text.ShownParagraph`) as HTML.

    ``<p id="p3" class="para">``: its link, its marking as a small badge, its
    first line as it is and the others each in a ``<span class="line">``,
    ruled titles in ``<strong>``; or ``<h3 class="para-heading">`` for a
    block that is only a ruled title. The markup the default theme's loop
    over ``p.anchor``, ``p.label``, ``p.lines``… wrote, in one call: that
    loop was a third of a cable page's time (about a dozen attribute
    look-ups, escapes and yields per paragraph, and two loops per line).
    """
    anchor = html_text(p.anchor)
    lines = p.lines
    if p.is_heading:
        return _markup(
            Markup, f'<h3 id="{anchor}" class="para-heading">{html_text(lines[0].text)}</h3>'
        )
    ordinal = p.ordinal
    number = str(ordinal) if type(ordinal) is int else html_text(ordinal)
    html = (
        f'<p id="{anchor}" class="para"><a class="para-link" href="#{anchor}"'
        f' aria-label="Link to paragraph {number}">{html_text(p.label)}</a> '
    )
    marking = p.marking
    if marking:
        html += _marking_badge(p.level, marking)
    if len(lines) == 1:  # most paragraphs: no list to join
        return _markup(Markup, f"{html}{_line_html(lines[0])}</p>")
    parts = [html]
    span = False
    for line in lines:
        parts.append(f'<span class="line">{_line_html(line)}</span>' if span else _line_html(line))
        span = True
    parts.append("</p>")
    return _markup(Markup, "".join(parts))


def _line_html(line: Any) -> str:
    text = _prose_html(line.text)
    return f"<strong>{text}</strong>" if line.heading else text


def _marking_badge(level: Any, marking: Any) -> str:
    """A paragraph's marking as a small badge; the few there are kept, as badges are."""
    key = (level, marking)
    try:
        return _marking_badges[key]
    except (KeyError, TypeError):
        pass
    found = (
        f'<span class="badge small level-{html_text(level)}"'
        f' title="Paragraph classification">({html_text(marking)})</span> '
    )
    if type(level) is str and type(marking) is str:
        if len(_marking_badges) >= _BADGE_CACHE_LIMIT:
            _marking_badges.clear()
        _marking_badges[key] = found
    return found


def strftime(moment: datetime, fmt: str) -> str:
    """``{{ moment|strftime("%Y-%m-%d") }}``: a filter, so no ``Context.call`` per date.

    The formats of the default theme are cut from isoformat, as :func:`when`
    does and when it does (the same text, about four times faster).
    """
    cut = _ISO_CUTS.get(fmt)
    if (
        cut is not None
        and type(moment) is datetime
        and moment.tzinfo is None
        and moment.year >= 1000
    ):
        return cut(moment.isoformat(timespec="minutes"))
    return moment.strftime(fmt)


# Formats whose strftime text is a cut of ``isoformat(timespec="minutes")``
# ("2003-01-28T18:48") for a naive datetime whose year has four digits.
_ISO_CUTS: dict[str, Callable[[str], str]] = {
    "%Y-%m-%d": lambda stamp: stamp[:10],
    "%Y-%m-%dT%H:%M": lambda stamp: stamp,
    "%Y-%m-%d %H:%M": lambda stamp: f"{stamp[:10]} {stamp[11:]}",
}


class Links:
    """Links for one site, as filters; the ones a build repeats are kept.

    Tag, origin and classification links, and what tags mean, are few and
    used on many pages: they are kept for the life of the environment (a
    build). Cable links are
    made each time (one per cable in a worker's share of pages would be
    kept for little reuse).
    """

    def __init__(self, urls: Urls) -> None:
        self.urls = urls
        self._base = urls.base_path
        self._tags: dict[str, str] = {}
        self._origins: dict[str, str] = {}
        self._classifications: dict[str, str] = {}
        self._meanings: dict[str, str | None] = {}

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "href": self.urls.href,
            "absolute": self.urls.absolute,
            "static": Urls.static,
            "cable_href": self.cable_href,
            "cable_link": self.cable_link,
            "tag_href": self.tag_href,
            "origin_href": self.origin_href,
            "classification_href": self.classification_href,
            "month_href": self.month_href,
            "tag_meaning": self.tag_meaning,
            "when": when,
            "day": day,
            "badge": badge,
            "paragraph": paragraph,
            "strftime": strftime,
        }

    def cable_href(self, entry: CablePage) -> str:
        return self._base + Urls.entry(entry)

    def cable_link(self, entry: Any) -> Markup:
        """``<a href="…">title</a>``, as the ``cable_link`` macro wrote it."""
        href = html_text(self._base + Urls.entry(entry))
        return _markup(Markup, f'<a href="{href}">{html_text(entry.title)}</a>')

    def tag_href(self, tag: str) -> str:
        found = self._tags.get(tag)
        if found is None:
            found = self._tags[tag] = self._base + Urls.tag(tag)
        return found

    def tag_meaning(self, tag: str) -> str | None:
        """:func:`generator.reference.glossary.tag_meaning`, kept per tag (its look-up strips and upper-cases)."""
        try:
            return self._meanings[tag]
        except KeyError:
            found = self._meanings[tag] = glossary_meaning(tag)
            return found
        except TypeError:  # not hashable: the glossary's own error, not kept
            return glossary_meaning(tag)

    def origin_href(self, slug: str) -> str:
        found = self._origins.get(slug)
        if found is None:
            found = self._origins[slug] = self._base + Urls.origin_page(slug)
        return found

    def classification_href(self, slug: str) -> str:
        found = self._classifications.get(slug)
        if found is None:
            found = self._classifications[slug] = self._base + Urls.classification(slug)
        return found

    def month_href(self, moment: datetime) -> str:
        """The link to the month list of a creation time."""
        return self._base + Urls.month(moment.year, moment.month)
