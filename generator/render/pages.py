"""Render one planned :class:`Page` to bytes.

The renderer turns a page spec and the archive into a template context;
cable pages also get the full :class:`Cable`, loaded by the caller. It never
touches the file system (templates come through the Jinja loader).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from generator.archive import Archive, Entry
from generator.config import SiteConfig
from generator.model import Cable, Problem
from generator.reference.glossary import tag_kind, tag_meaning
from generator.render import chart
from generator.render.environment import template_error
from generator.render.fragments import badge, when
from generator.render.internals import new_markup
from generator.render.markdown import render_markdown
from generator.render.text import marking_level, raw_html, summary_in_text
from generator.site.documents import Document
from generator.site.plan import Page
from generator.urls import Urls, paged


class ReferenceView(NamedTuple):
    """One REF item as the cable page shows it.

    A named tuple: a frozen dataclass sets each field through
    ``object.__setattr__``, three times as slow to make.
    """

    label: str
    text: str
    id: str | None
    status: str  # "archive", "variants", "missing" or "text"
    entry: Entry | None
    href: str | None

    @property
    def spells_id(self) -> bool:
        """The REF text is the id and nothing else, spaced as telegrams write it
        ("04 DUSHANBE 170" for 04DUSHANBE170): the page shows the id, not both."""
        return self.id is not None and "".join(self.text.split()).upper() == self.id


# Warnings shown on the diagnostics page for each kind of warning.
EXAMPLES_PER_KIND = 20


@dataclass(slots=True)
class WarningKind:
    """The first warnings of one kind, and how many there are.

    `what`: what they say, the cable id left out and numbers as ``#``
    (:meth:`generator.model.Problem.kind`).
    """

    what: str
    examples: list[Problem]
    count: int


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """What the diagnostics page reports, gathered during the build."""

    problems: Sequence[Problem]
    sources: int


class Pager(dict[str, Any]):
    """The links around one page of a paginated index, for the ``pager`` macro.

    A dict (``pager["number"]``, as templates have always had it) whose keys
    are also attributes: ``p.number`` on a plain dict makes Jinja's getattr
    raise and catch an AttributeError before it tries the key, about a
    microsecond each, a dozen times on every list page.
    """

    __slots__ = ()
    number = property(itemgetter("number"))
    count = property(itemgetter("count"))
    previous = property(itemgetter("previous"))
    next = property(itemgetter("next"))
    pages = property(itemgetter("pages"))
    gaps = property(itemgetter("gaps"))


class Renderer:
    def __init__(
        self,
        env: jinja2.Environment,
        config: SiteConfig,
        archive: Archive,
        docs: Mapping[str, Document],
        diagnostics: Diagnostics,
    ) -> None:
        self.env = env
        self.config = config
        self.archive = archive
        self.docs = docs
        self.diagnostics = diagnostics
        self.urls = Urls(config.base_url)
        env.globals.update(self._globals())
        self._contexts: dict[str, Callable[[Page, Any], dict[str, Any]]] = {
            "cable": self._cable,
            "variants": self._variants,
            "redirect": self._redirect,
            "tags": self._terms,
            "origins": self._terms,
            "classifications": self._terms,
            "tag": self._cable_list,
            "origin": self._cable_list,
            "classification": self._cable_list,
            "month": self._cable_list,
            "dates": self._dates,
            "missing": self._missing,
            "doc": self._doc,
            "home": self._home,
            "diagnostics": self._diagnostics,
            "warnings": lambda page, _: {"problems": self.diagnostics.problems},
            "feed": self._feed,
            "sitemap": self._sitemap,
            "not_found": lambda page, _: {},
            "search": lambda page, _: {},
            "robots": lambda page, _: {},
        }

    def render(self, page: Page, extra: Any = None, raw: str | None = None) -> bytes:
        """The page's bytes; `extra` is the Cable for a cable page (with `raw`, its raw
        text highlighted, when the parse cache had it), the cables for the feed."""
        try:
            if raw is not None:
                context = self._cable(page, extra, raw)
            else:
                context = self._contexts[page.kind](page, extra)
            template = self.env.get_template(page.template)
            text = template.render(page=page, **context)
        except jinja2.TemplateError as exc:
            raise template_error(exc) from None
        return text.encode("utf-8")

    # --- helpers exposed to every template -------------------------------------

    def _globals(self) -> dict[str, Any]:
        urls = self.urls
        return {
            "site": self.config,
            "urls": urls,
            "href": urls.href,
            "absolute": urls.absolute,
            "cable_href": self.cable_href,
            "tag_meaning": tag_meaning,
            "tag_kind": tag_kind,
            "marking_level": marking_level,
            "entry": self.archive.entries.get,
            "atom_date": atom_date,
            "badge": badge,
            "when": when,
            "totals": self.archive.totals(),
        }

    def cable_href(self, entry: Entry) -> str:
        return self.urls.href(Urls.entry(entry))

    def id_href(self, cable_id: str) -> str | None:
        """The link for a canonical id in the archive (a duplicated id → its list page)."""
        entry = self.archive.entries.get(cable_id)
        if entry is not None:
            return self.cable_href(entry)
        variants = self.archive.variants.get(cable_id)
        if variants is not None:
            first = self.archive.entries[variants.keys[0]]
            return self.urls.href(Urls.cable(cable_id, first.created))
        return None

    def external_href(self, cable_id: str) -> str | None:
        template = self.config.external_cable_url
        return template.format(id=cable_id) if template else None

    def _entries(self, keys: Sequence[str]) -> list[Entry]:
        return [self.archive.entries[k] for k in keys]

    # --- contexts, one per kind of page ----------------------------------------

    def _cable(self, page: Page, cable: Cable, raw: str | None = None) -> dict[str, Any]:
        if raw is not None:
            # Markup() would first ask the str for __html__ (a caught AttributeError).
            raw = new_markup(Markup, raw)
        archive = self.archive
        entry = archive.entries[page.subject]
        before, after = archive.neighbours.get(entry.key, (None, None))
        variants = archive.variants.get(entry.id)
        return {
            "cable": cable,
            "entry": entry,
            "title": entry.title,
            "summary_in_text": summary_in_text(cable),
            "references": [self._reference(r.label, r.text, r.id) for r in cable.references],
            "cited_by": self._entries(archive.keys_citing(entry.id)),
            "previous": archive.entries.get(before) if before else None,
            "next": archive.entries.get(after) if after else None,
            "variants": self._entries(variants.keys) if variants else [],
            "copies": archive.copies_of(entry.id),
            "text_html": raw if raw is not None else raw_html(cable),
        }

    def _reference(self, label: str, text: str, cable_id: str | None) -> ReferenceView:
        if cable_id is None:
            return ReferenceView(label, text, None, "text", None, None)
        entry = self.archive.entries.get(cable_id)
        if entry is not None:
            return ReferenceView(label, text, cable_id, "archive", entry, self.cable_href(entry))
        if cable_id in self.archive.variants:
            return ReferenceView(label, text, cable_id, "variants", None, self.id_href(cable_id))
        return ReferenceView(label, text, cable_id, "missing", None, self.external_href(cable_id))

    def _variants(self, page: Page, _: Any) -> dict[str, Any]:
        variants = self.archive.variants[page.subject]
        return {
            "title": page.subject,
            "cable_id": page.subject,
            "entries": self._entries(variants.keys),
            "sources": variants.sources,
        }

    def _redirect(self, page: Page, _: Any) -> dict[str, Any]:
        entry = self.archive.entries[page.members[0]]
        return {"title": entry.title, "raw_id": page.subject, "target": entry}

    def _terms(self, page: Page, _: Any) -> dict[str, Any]:
        facets = {
            "tags": self.archive.tags,
            "origins": self.archive.origins,
            "classifications": self.archive.classifications,
        }[page.kind]
        return {"facets": [facets[m] for m in page.members], "pager": self._pager(page)}

    def _cable_list(self, page: Page, _: Any) -> dict[str, Any]:
        archive = self.archive
        if page.kind == "tag":
            facet = archive.tags[page.subject]
        elif page.kind == "origin":
            facet = archive.origins[page.subject]
        elif page.kind == "classification":
            facet = archive.classifications[page.subject]
        else:
            year, month = (int(part) for part in page.subject.split("-"))
            facet = archive.months[(year, month)]
        return {
            "facet": facet,
            "entries": self._entries(page.members),
            "pager": self._pager(page),
        }

    def _dates(self, page: Page, _: Any) -> dict[str, Any]:
        years: dict[int, list[tuple[int, int]]] = {}
        for (year, month), facet in self.archive.months.items():
            years.setdefault(year, []).append((month, len(facet.keys)))
        return {
            "years": [
                (year, sum(n for _, n in months), dict(months))
                for year, months in sorted(years.items(), reverse=True)
            ],
            "timeline": chart.timeline(self.archive, self.urls),
        }

    def _missing(self, page: Page, _: Any) -> dict[str, Any]:
        missing = self.archive.missing
        rows = [(cable_id, self._entries(missing[cable_id])) for cable_id in page.members]
        return {"rows": rows, "pager": self._pager(page), "external": self.external_href}

    def _doc(self, page: Page, _: Any) -> dict[str, Any]:
        doc = self.docs[page.subject]
        return {
            "title": doc.title,
            "description": doc.description,
            "doc": doc,
            "content": render_markdown(doc.body, self.id_href),
        }

    def _home(self, page: Page, _: Any) -> dict[str, Any]:
        first, last = self.archive.date_span()
        return {
            "newest": self._entries(page.members),
            "first": first,
            "last": last,
            "timeline": chart.timeline(self.archive, self.urls),
            "docs": sorted(self.docs.values(), key=lambda d: d.title),
        }

    def _diagnostics(self, page: Page, _: Any) -> dict[str, Any]:
        # Warnings grouped as the terminal groups them (what they say, whatever
        # cable or number they are about), in order of first occurrence, with
        # the first few of each: the page stays the same size whatever the
        # size of the archive; warnings.txt lists them all.
        kinds: dict[str, WarningKind] = {}
        for problem in self.diagnostics.problems:
            kind = kinds.get(key := problem.kind())
            if kind is None:
                kind = kinds[key] = WarningKind(key, [], 0)
            if len(kind.examples) < EXAMPLES_PER_KIND:
                kind.examples.append(problem)
            kind.count += 1
        return {
            "kinds": list(kinds.values()),
            "examples_per_kind": EXAMPLES_PER_KIND,
            "problem_count": len(self.diagnostics.problems),
            "sources": self.diagnostics.sources,
            "copies": self.archive.copies,
            "variants": list(self.archive.variants.values()),
            "unresolved": sorted(self.archive.missing.items()),
            "redirects": self.archive.redirects,
        }

    def _feed(self, page: Page, cables: Mapping[str, Cable] | None) -> dict[str, Any]:
        entries = self._entries(page.members)
        cables = cables or {}
        updated = max((e.created for e in entries if e.created), default=None)
        return {"entries": entries, "cables": cables, "updated": updated}

    def _sitemap(self, page: Page, _: Any) -> dict[str, Any]:
        return {"paths": page.members}

    def _pager(self, page: Page) -> Pager:
        """Links around the current page of a paginated index.

        A window of nearby pages plus first and last, never all of them, so
        an index page's size does not grow with the archive; `gaps`, the
        numbers shown after a gap (the pager draws "…" before them).
        """
        window = range(max(1, page.number - 2), min(page.count, page.number + 2) + 1)
        numbers = sorted({1, page.count, *window})
        return Pager(
            number=page.number,
            count=page.count,
            previous=paged(page.first, page.number - 1) if page.number > 1 else None,
            next=paged(page.first, page.number + 1) if page.number < page.count else None,
            pages=[(n, paged(page.first, n)) for n in numbers],
            gaps=frozenset(n for n, m in zip(numbers[1:], numbers[:-1], strict=True) if n - m > 1),
        )


def atom_date(moment: datetime | None) -> str:
    """RFC 3339 as Atom wants it; cable times are UTC ("281848Z")."""
    if moment is None:
        return "1970-01-01T00:00:00Z"
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%SZ")
