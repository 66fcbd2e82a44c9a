"""Page signatures: a hash of exactly the inputs a page is made from.

The plan records what each page is made of (:class:`generator.site.plan.Page`:
its cable, the entries it shows, and typed keys for the rest,
:mod:`generator.site.keys`); a :class:`Signer` turns each into the facts it
stands for and hashes them with the page's own spec, the templates it uses
and the site's settings:

==================  =====================================================
entry K             what a link to cable page K shows: every field of its
                    entry but the digests of its text (``LINKED``)
cable K             the digest of everything parsed from K's text
``links`` K         K's neighbours, the cables citing it, its variants and
                    its identical copies: the link structure of K's page
``tag`` … T         a facet's name and size (``origin``,
                    ``classification``, ``month`` alike)
``doc`` SLUG        the Markdown page's source
``totals`` …        corpus-wide figures: the counts (``totals``), every
                    month's count (``months``), the first and last date
                    (``span``), the Markdown pages (``docs``), and what the
                    diagnostics page lists (``diagnostics``)
template            the page's template and every template it extends,
                    includes or imports, by content
site                the configuration and the code (base URL, title…)
==================  =====================================================

Two builds give a page the same signature exactly when they would render
it the same way, so a build re-renders the pages whose signature changed
and nothing else. The facts are computed from metadata only: signing every
page of a 250,000-cable archive reads no cable text. :meth:`Signer.facts`
names each fact, which is how :mod:`generator.engine.explain` tells what
changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any

from generator.archive import Archive, Entry, Facet
from generator.archive.entry import LINKED
from generator.digests import raw_digest, text_hex_digest
from generator.model import Problem
from generator.site.documents import Document
from generator.site.keys import Dep, Kind
from generator.site.plan import Page

_LINKED = attrgetter(*LINKED)
# Keys that (nearly) one page names: their facts are not kept.
_ONCE: frozenset[Kind] = frozenset({"links", "cable"})


class Signer:
    """Signs pages against one build's archive; each fact is computed once, when first needed.

    `template` gives a template's fingerprint (of everything it pulls in),
    `cables` the digest of a cable page's parsed cable, by key.
    """

    def __init__(
        self,
        archive: Archive,
        *,
        site: str,
        template: Callable[[str], str],
        docs: Mapping[str, Document],
        problems: Sequence[Problem],
        sources: int,
    ) -> None:
        self.archive = archive
        self.site = site
        self.template = template
        self._docs = docs
        self._problems = problems
        self._sources = sources
        self._entries: dict[str, str] = {}
        self._facts: dict[Dep, str] = {}
        # One function per kind of key: tests/site/test_keys.py signs one of each.
        self._kinds: dict[Kind, Callable[[str], object]] = {
            "links": self._links,
            "cable": self.cable,
            "tag": lambda value: _facet_fact(archive.tags[value]),
            "origin": lambda value: _facet_fact(archive.origins[value]),
            "classification": lambda value: _facet_fact(archive.classifications[value]),
            "month": lambda value: _facet_fact(archive.months[_month(value)]),
            "doc": lambda slug: _doc_fact(docs[slug]),
            "totals": lambda _: sorted(archive.totals().items()),
            "months": lambda _: [(k, f.name, len(f.keys)) for k, f in archive.months.items()],
            "span": lambda _: archive.date_span(),
            "docs": lambda _: sorted(_doc_fact(d) for d in docs.values()),
            "diagnostics": lambda _: self._diagnostics(),
        }

    def sign(self, page: Page) -> bytes:
        parts = [self.site, self.template(page.template), repr(page_spec(page))]
        parts.extend(self.entry(key) for key in page.entries)
        if page.cable is not None:
            parts.append(self.cable(page.cable))
        parts.extend(self.input(dep) for dep in page.inputs)
        return raw_digest("\x1f".join(parts).encode("utf-8", "surrogatepass"))

    def facts(self, page: Page) -> Iterator[tuple[str, object, str]]:
        """Every input of the page as (what it is, which one, its fact), in signing order:
        ("site", None, …), ("template", name, …), ("spec", None, …), ("entry", key, …),
        ("cable", key, …), then ("input", dep, …)."""
        yield "site", None, self.site
        yield "template", page.template, self.template(page.template)
        yield "spec", None, repr(page_spec(page))
        for key in page.entries:
            yield "entry", key, self.entry(key)
        if page.cable is not None:
            yield "cable", page.cable, self.cable(page.cable)
        for dep in page.inputs:
            yield "input", dep, self.input(dep)

    def entry(self, key: str) -> str:
        fact = self._entries.get(key)
        if fact is None:
            # Kept as a digest: a page names about ten entries, and the full facts of
            # 250,000 of them would be 90 MB of text, hashed again for every page.
            fact = self._entries[key] = text_hex_digest(entry_fact(self.archive.entries[key]))
        return fact

    def cable(self, key: str) -> str:
        return self.archive.entries[key].cable_digest

    def input(self, dep: Dep) -> str:
        fact = self._facts.get(dep)
        if fact is None:
            made = self._kinds[dep.kind](dep.subject)
            fact = made if isinstance(made, str) else text_hex_digest(repr(made))
            if dep.kind not in _ONCE:
                self._facts[dep] = fact
        return fact

    def _links(self, key: str) -> str:
        archive = self.archive
        entry = archive.entries[key]
        variants = archive.variants.get(entry.id)
        return repr(
            (
                archive.neighbours.get(key),
                archive.keys_citing(entry.id),
                variants.keys if variants else (),
                archive.copies_of(entry.id),
            )
        )

    def _diagnostics(self) -> object:
        archive = self.archive
        return (
            [(p.path, p.line, p.message) for p in self._problems],
            self._sources,
            archive.copies,
            list(archive.variants.values()),
            sorted(archive.missing.items()),
            archive.redirects,
            sorted(archive.totals().items()),
        )


def page_spec(page: Page) -> tuple[Any, ...]:
    """What the page itself is: its path, template, kind, members and inputs."""
    return (
        page.path,
        page.template,
        page.kind,
        page.subject,
        page.number,
        page.count,
        page.first,
        page.members,
        page.cable,
        page.entries,
        page.inputs,
    )


def entry_fact(entry: Entry) -> str:
    return repr(_LINKED(entry))


def _facet_fact(facet: Facet) -> str:
    return repr((facet.name, len(facet.keys)))


def _doc_fact(doc: Document) -> str:
    return text_hex_digest(repr((doc.slug, doc.source, doc.title, doc.description, doc.body)))


def _month(value: str) -> tuple[int, int]:
    year, month = value.split("-")
    return (int(year), int(month))
