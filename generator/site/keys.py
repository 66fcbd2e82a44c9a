"""What a page is made of, as typed keys: the plan writes them, the engine signs and indexes them.

A planned page (:class:`generator.site.plan.Page`) names its inputs in
three fields. Two hold the archive's own key strings, because at 250,000
pages the plan's memory is mostly these:

* ``cable`` — the cable whose parsed text the page shows (a cable page);
* ``entries`` — the cables whose metadata (title, date, tags…) it shows.

Everything else is a :class:`Dep` in ``inputs``: a kind and a subject.

==================  =====================================================
``LINKS``, key      what a cable page links to besides its references:
                    its neighbours, the cables citing it, its variants
                    and its identical copies
``CABLE``, key      the parsed text of a cable shown on a page that is
                    not its own (the feed shows its cables' summaries)
``TAG`` …, value    a facet's name and size (``ORIGIN``,
                    ``CLASSIFICATION``, ``MONTH`` alike)
``DOC``, slug       a Markdown page's source
``TOTALS``          the corpus-wide counts
``MONTHS``          every month's count
``SPAN``            the first and last date
``DOCS``            the Markdown pages' slugs and titles
``DIAGNOSTICS``     every problem, copy, variant, missing cable, redirect
==================  =====================================================

The engine turns each kind into the facts it stands for in one place
(:mod:`generator.engine.signatures`), indexes pages by these keys for quick
rebuilds, and names them when it explains why a page was rebuilt.
``tests/site/test_keys.py`` checks that every kind is signed and
explained, so a new kind cannot be forgotten.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal[
    "links",
    "cable",
    "tag",
    "origin",
    "classification",
    "month",
    "doc",
    "totals",
    "months",
    "span",
    "docs",
    "diagnostics",
]
FacetKind = Literal["tag", "origin", "classification", "month"]

FACET_KINDS: tuple[FacetKind, ...] = ("tag", "origin", "classification", "month")
# Facts about the whole corpus, each one key (no subject).
CORPUS_KINDS: tuple[Kind, ...] = ("totals", "months", "span", "docs", "diagnostics")
KINDS: tuple[Kind, ...] = ("links", "cable", *FACET_KINDS, "doc", *CORPUS_KINDS)


class Dep(NamedTuple):
    """One input of a page besides its cable, the entries it shows, its template and
    the site's settings."""

    kind: Kind
    subject: str = ""

    # A page's spec is hashed as its repr, a dozen keys a page, 280,000 pages a
    # build: the tuple's own repr, in C, says the same ("('tag', 'PREL')").
    __repr__ = tuple.__repr__

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}" if self.subject else self.kind


TOTALS = Dep("totals")
MONTHS = Dep("months")
SPAN = Dep("span")
DOCS = Dep("docs")
DIAGNOSTICS = Dep("diagnostics")


def links(key: str) -> Dep:
    return Dep("links", key)


def cable_text(key: str) -> Dep:
    return Dep("cable", key)


def facet(kind: FacetKind, value: str) -> Dep:
    return Dep(kind, value)


def doc(slug: str) -> Dep:
    return Dep("doc", slug)
