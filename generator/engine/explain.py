"""``cablesite build --explain``: for each file a build rewrites, the input that made it stale.

A page is rewritten when its signature (:mod:`generator.engine.signatures`)
is not the one recorded for its file. The signature is a hash, so it cannot
say which input moved; this module finds out the way Sphinx says why a
document is outdated, by asking the inputs themselves:

* a full pass compares each input of the page, in the order the signature
  takes them (settings and code, template, the page's own spec, the
  entries it shows, its cable, its other keys), with the same input in the
  memory of the last full pass (:mod:`generator.engine.memory`), and names
  the first that differs: ``cable/2008/01/08MANAMA2.html: cited cable
  07MANAMA1110 changed its subject``;
* a quick rebuild knows why it touched each page (the entry, the text, the
  template or the Markdown page that changed) and says that.

Without a memory of the last build (the first build, ``--clean``, a cache
deleted or from other code) every page is new to it, and the line says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from generator.archive import Archive, Entry
from generator.archive.entry import LINKED
from generator.engine.memory import Memory
from generator.engine.signatures import Signer, page_spec
from generator.engine.state import BuildState
from generator.site.keys import Dep, Kind
from generator.site.plan import Page

Why = Callable[[int], str]

# What a changed field of an entry is called on a page that shows it.
FIELD_WORDS: dict[str, str] = {
    "key": "page",
    "id": "id",
    "title": "subject",
    "created": "date",
    "released": "release date",
    "origin": "origin",
    "origin_slug": "origin",
    "classification": "classification",
    "classification_slug": "classification",
    "tags": "tags",
    "references": "references",
    "source": "file",
    "ordinal": "place in its file",
    "raw_id": "source id",
    "partial": "partial-extract mark",
    "variant": "variant letter",
}
# What changed, when a key of each kind changed (tests/site/test_keys.py: one for each kind).
DEP_WORDS: dict[Kind, str] = {
    "links": "the cables it links to besides its references changed "
    "(neighbours, citing cables, variants or copies)",
    "cable": "the text of cable {subject} changed",
    "tag": "tag {subject} changed its name or its number of cables",
    "origin": "origin {subject} changed its name or its number of cables",
    "classification": "classification {subject} changed its name or its number of cables",
    "month": "month {subject} changed its number of cables",
    "doc": "its Markdown source changed",
    "totals": "the archive's totals changed",
    "months": "a month's number of cables changed",
    "span": "the archive's first or last date changed",
    "docs": "the site's Markdown pages changed",
    "diagnostics": "the warnings, copies, variants or missing cables changed",
}
# How a page relates to the cables it shows, by kind of page (cable pages are worked out).
_RELATIONS: dict[str, str] = {
    "tag": "listed cable",
    "origin": "listed cable",
    "classification": "listed cable",
    "month": "listed cable",
    "home": "newest cable",
    "feed": "newest cable",
    "variants": "variant",
    "redirect": "target cable",
    "doc": "cable named in the text",
    "missing": "citing cable",
    "diagnostics": "cable it lists",
}
_SPEC_WORDS: dict[str, str] = {
    "path": "its URL",
    "template": "its template",
    "kind": "its kind",
    "subject": "its subject",
    "number": "its page number",
    "count": "its index's number of pages",
    "first": "its index's first page",
    "members": "the items it lists",
    "cable": "the cable it shows",
    "entries": "the cables it shows",
    "inputs": "what it is made of",
}


def entry_change(page: Page, key: str, old: Entry | None, new: Entry, archive: Archive) -> str:
    """``cited cable 07MANAMA1110 changed its subject``."""
    relation = relation_of(page, key, archive)
    if old is None:
        return f"{relation} {key} is new"
    changed = [name for name in LINKED if getattr(old, name) != getattr(new, name)]
    words = list(dict.fromkeys(FIELD_WORDS.get(name, name) for name in changed))
    if not words:
        return f"{relation} {key} changed"
    return f"{relation} {key} changed its {_and(words)}"


def relation_of(page: Page, key: str, archive: Archive) -> str:
    """What cable `key` is to the page: cited, citing, a neighbour, listed…"""
    if page.kind != "cable" or page.cable is None:
        return _RELATIONS.get(page.kind, "cable")
    entries = archive.entries
    shown, other = entries.get(page.cable), entries.get(key)
    if shown is None or other is None:
        return "linked cable"
    if other.id in shown.references:
        return "cited cable"
    if shown.id in other.references:
        return "citing cable"
    if key in (archive.neighbours.get(page.cable) or ()):
        return "neighbouring cable from the same origin"
    if other.id == shown.id:
        return "variant"
    return "linked cable"


def dep_change(dep: Dep) -> str:
    return DEP_WORDS[dep.kind].format(subject=dep.subject)


def spec_change(old: Page, new: Page) -> str:
    names = [f.name for f in fields(Page) if getattr(old, f.name) != getattr(new, f.name)]
    if "members" in names and not {"path", "template", "kind"} & set(names):
        # (What it shows and is made of follows from what it lists.)
        added = len(set(new.members) - set(old.members))
        removed = len(set(old.members) - set(new.members))
        if added or removed:
            return f"the items it lists changed ({added} added, {removed} removed)"
        return "the order of the items it lists changed"
    return f"{_and([_SPEC_WORDS.get(name, name) for name in names])} changed"


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def site_change(old: Mapping[str, str], new: Mapping[str, str]) -> str | None:
    """Which settings, code or output folder differ; None when none does."""
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    if not changed:
        return None
    words = []
    for name in changed:
        if name == "code":
            words.append("the code (cablesite or a library it uses)")
        elif name == "output":
            words.append("the output folder")
        elif name == "reader":
            words.append("the reader of the cable files")
        else:
            words.append(name)
    return f"{_and(words)} changed"


@dataclass(slots=True)
class Explainer:
    """Why the pages of a full pass are rewritten; see :func:`against_memory`."""

    unknown: str = "no record of the last build to compare with"
    old: Memory | None = None
    old_state: BuildState | None = None
    new_site_parts: Mapping[str, str] = field(default_factory=dict)

    def bind(self, signer: Signer, pages: Sequence[Page], files: Sequence[str]) -> Why:
        """The reason for each page of this build, by index."""
        if self.old is None or self.old_state is None:
            unknown = self.unknown
            return lambda index: unknown
        return _Comparison(self.old, self.old_state, self.new_site_parts, signer, pages, files)


def against_memory(
    memory: Memory | None, state: BuildState, site_parts: Mapping[str, str]
) -> Explainer:
    if memory is None:
        return Explainer(unknown="an input changed (no memory of the last full pass to say which)")
    return Explainer(old=memory, old_state=state, new_site_parts=site_parts)


class _Comparison:
    """Each input of a page against the last full pass's, in the signature's order."""

    def __init__(
        self,
        old: Memory,
        old_state: BuildState,
        new_site_parts: Mapping[str, str],
        signer: Signer,
        pages: Sequence[Page],
        files: Sequence[str],
    ) -> None:
        self.old = old
        self.pages = pages
        self.files = files
        self.new = signer
        self.site = site_change(old_state.site_parts, new_site_parts)
        self.old_signer = Signer(
            old.archive,
            site=old_state.site,
            template=lambda name: old.templates.get(name, ""),
            docs=old.docs,
            problems=old.problems,
            sources=len(old_state.identities),
        )
        self._old_index: dict[str, int] | None = None

    def __call__(self, index: int) -> str:
        page, file = self.pages[index], self.files[index]
        if self.site is not None:
            return self.site
        if self._old_index is None:
            self._old_index = {path: i for i, path in enumerate(self.old.files)}
        at = self._old_index.get(file)
        if at is None:
            return "new page"
        old_page = self.old.pages[at]
        try:
            return self._first_change(page, old_page)
        except KeyError:
            # An input the last build did not have (a new tag, a new cable):
            # its page's spec changed with it, so this is rare.
            return "one of its inputs is new"

    def _first_change(self, page: Page, old_page: Page) -> str:
        new, old = self.new, self.old_signer
        if new.template(page.template) != self.old.templates.get(page.template):
            return f"template {page.template} changed (or a template it pulls in)"
        if page_spec(page) != page_spec(old_page):
            return spec_change(old_page, page)
        old_entries = self.old.archive.entries
        for key in page.entries:
            if key not in old_entries:
                return entry_change(page, key, None, new.archive.entries[key], new.archive)
            if new.entry(key) != old.entry(key):
                return entry_change(
                    page, key, old_entries[key], new.archive.entries[key], new.archive
                )
        if page.cable is not None and new.cable(page.cable) != old.cable(page.cable):
            return "its cable's text changed"
        for dep in page.inputs:
            if new.input(dep) != old.input(dep):
                return dep_change(dep)
        return "its file's record was void (an earlier build stopped while writing it)"


@dataclass(slots=True)
class Reasons:
    """Why a quick rebuild touched each page: the first reason noted for it."""

    pages: Sequence[Page]
    archive: Archive
    noted: dict[int, tuple[str, Any]] = field(default_factory=dict)

    def note(self, indices: Sequence[int], what: str, detail: Any = None) -> None:
        for index in indices:
            self.noted.setdefault(index, (what, detail))

    def __call__(self, index: int) -> str:
        what, detail = self.noted.get(index, ("", None))
        page = self.pages[index]
        if what == "entry":
            key, old, new = detail
            return entry_change(page, key, old, new, self.archive)
        if what == "cable":
            if page.cable == detail:
                return "its cable's text changed"
            return f"the text of cable {detail} changed"
        if what == "template":
            return f"template {detail} changed (or a template it pulls in)"
        if what == "dep":
            return dep_change(detail)
        return "its file's record was void (an earlier build stopped while writing it)"
