"""Page signatures: a hash of exactly the inputs a page is made from.

The plan records what each page depends on (:meth:`Page.dependencies`);
this module turns each dependency into the facts it stands for and hashes
them together with the page's own spec, the templates it uses and the site
settings:

==================  =====================================================
``entry:K``         every field of the cable page K's metadata (title,
                    date, origin, tags, source…): what a link to K shows
``cable:K``         the digest of everything parsed from K's text
``links:K``         K's neighbours, the cables citing it, its variants and
                    its identical copies: the link structure of K's page
``tag:T`` …         a facet's name and size (``origin:``,
                    ``classification:``, ``month:`` alike)
``doc:SLUG``        the Markdown page's source
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
page of a 250,000-cable archive reads no cable text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields

from generator.archive.assemble import Archive, Entry
from generator.model import Problem
from generator.render.markdown import Document
from generator.render.pages import date_span, totals
from generator.site.plan import Page

_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
_FACET_KINDS = ("tag", "origin", "classification", "month")
# Inputs that (nearly) one page names: their facts are not kept.
_ONCE = ("links:", "cable:")


def digest_text(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Signer:
    """Signs pages against one build's archive; each fact is computed once, when first needed."""

    def __init__(
        self,
        archive: Archive,
        *,
        site: str,
        template: Callable[[str], str],
        cables: Callable[[str], str],
        docs: Mapping[str, Document],
        problems: Sequence[Problem],
        sources: int,
    ) -> None:
        self.archive = archive
        self.site = site
        self._template = template
        self._cables = cables
        self._docs = docs
        self._problems = problems
        self._sources = sources
        self._entries: dict[str, str] = {}
        self._facts: dict[str, str] = {}
        self._global: dict[str, Callable[[], object]] = {
            "totals": lambda: sorted(totals(archive).items()),
            "months": lambda: [(k, f.name, len(f.keys)) for k, f in archive.months.items()],
            "span": lambda: date_span(archive),
            "docs": lambda: sorted(_doc_fact(d) for d in docs.values()),
            "diagnostics": self._diagnostics,
        }

    def sign(self, page: Page) -> bytes:
        spec = (
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
        parts = [self.site, self._template(page.template), repr(spec)]
        parts.extend(self.entry(key) for key in page.entries)
        if page.cable is not None:
            parts.append(self._cables(page.cable))
        parts.extend(self.input(name) for name in page.inputs)
        text = "\x1f".join(parts)
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def entry(self, key: str) -> str:
        fact = self._entries.get(key)
        if fact is None:
            # Kept as a digest: a page names about ten entries, and the full facts of
            # 250,000 of them would be 90 MB of text, hashed again for every page.
            fact = self._entries[key] = digest_text(entry_fact(self.archive.entries[key]))
        return fact

    def input(self, name: str) -> str:
        fact = self._facts.get(name)
        if fact is None:
            fact = self._input(name)
            if not name.startswith(_ONCE):
                self._facts[name] = fact
        return fact

    def _input(self, name: str) -> str:
        made = self._global.get(name)
        if made is not None:
            return digest_text(repr(made()))
        kind, _, value = name.partition(":")
        if kind == "cable":
            return self._cables(value)
        if kind == "doc":
            return _doc_fact(self._docs[value])
        if kind == "links":
            return self._links(value)
        if kind in _FACET_KINDS:
            facet = self._facet(kind, value)
            return repr((facet.name, len(facet.keys)))
        raise ValueError(f"unknown page input {name!r}")

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
            sorted(totals(archive).items()),
        )

    def _facet(self, kind: str, value: str):  # type: ignore[no-untyped-def]
        archive = self.archive
        if kind == "tag":
            return archive.tags[value]
        if kind == "origin":
            return archive.origins[value]
        if kind == "classification":
            return archive.classifications[value]
        year, month = value.split("-")
        return archive.months[(int(year), int(month))]


def _doc_fact(doc: Document) -> str:
    return digest_text(repr((doc.slug, doc.source, doc.title, doc.description, doc.body)))


def entry_fact(entry: Entry) -> str:
    return repr(tuple(getattr(entry, name) for name in _ENTRY_FIELDS))
