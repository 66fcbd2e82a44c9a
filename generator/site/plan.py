"""The plan: every output page, with its URL, template and inputs.

A :class:`Page` says what to render, not how: the renderer builds its
context from the archive. Each page records what it was made from (its
cable, the entries it shows, and typed keys for the rest: see
:mod:`generator.site.keys`), so an incremental build can re-render exactly
the pages an edit affects; the templates a page uses follow from its
template name (:func:`generator.render.environment.template_closure`).
Planning reads no files. Every URL comes from :class:`generator.urls.Urls`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from generator.archive import Archive, Facet
from generator.config import SiteConfig
from generator.site import keys
from generator.site.documents import Document, mentioned_ids
from generator.site.keys import Dep, FacetKind
from generator.urls import Urls, case_key


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    template: str
    kind: str
    subject: str = ""
    number: int = 1
    count: int = 1
    first: str = ""  # page 1 of a paginated index, which the later pages are under
    members: tuple[str, ...] = ()
    cable: str | None = None
    entries: tuple[str, ...] = ()
    inputs: tuple[Dep, ...] = ()


def plan_site(archive: Archive, config: SiteConfig, docs: Sequence[Document]) -> list[Page]:
    """All pages of the site, in a deterministic order, each path once."""
    pages = [
        *cable_pages(archive),
        *variant_pages(archive),
        *redirect_pages(archive),
        *index_pages(archive, config),
        *doc_pages(archive, docs),
        *special_pages(archive, config),
    ]
    pages.extend(sitemap_pages(pages))
    return pages


# The sitemap protocol's limit of URLs per file.
SITEMAP_LIMIT = 50_000
INDEXED_KINDS = frozenset(
    {"cable", "home", "tags", "tag", "origins", "origin", "dates", "month", "doc", "missing"}
    | {"classifications", "classification"}
)


def sitemap_pages(pages: Sequence[Page]) -> Iterator[Page]:
    """``sitemap.xml``; past 50,000 URLs it becomes an index of ``sitemap-N.xml`` files."""
    # A sitemap shows nothing but its paths, which are its members.
    paths = sorted(p.path for p in pages if p.kind in INDEXED_KINDS)
    if len(paths) <= SITEMAP_LIMIT:
        yield Page(Urls.sitemap, "sitemap.xml", "sitemap", members=tuple(paths))
        return
    parts = []
    for number, chunk, _ in _chunks(paths, SITEMAP_LIMIT):
        part = Urls.sitemap_part(number)
        parts.append(part)
        yield Page(part, "sitemap.xml", "sitemap", members=tuple(chunk))
    yield Page(Urls.sitemap, "sitemap-index.xml", "sitemap", members=tuple(parts))


def cable_pages(archive: Archive) -> Iterator[Page]:
    for key, entry in archive.entries.items():
        before, after = archive.neighbours.get(key, (None, None))
        related = {*entry.references, *archive.keys_citing(entry.id), before, after}
        related |= set(archive.variants[entry.id].keys) if entry.id in archive.variants else set()
        related.discard(key)
        yield Page(
            path=Urls.entry(entry),
            template="cable.html",
            kind="cable",
            subject=key,
            members=(key,),
            cable=key,
            entries=tuple(sorted(_entry_keys(archive, related))),
            # Which of those cables are neighbours, citing, variants: and the copies.
            inputs=(keys.links(key),),
        )


def variant_pages(archive: Archive) -> Iterator[Page]:
    """A page at the shared id listing the differing cables (``ID_a``, ``ID_b``)."""
    for cable_id, variants in archive.variants.items():
        first = archive.entries[variants.keys[0]]
        yield Page(
            path=Urls.cable(cable_id, first.created),
            template="variants.html",
            kind="variants",
            subject=cable_id,
            members=variants.keys,
            entries=variants.keys,
        )


def redirect_pages(archive: Archive) -> Iterator[Page]:
    """Old permalinks of malformed source ids land on the cable's page."""
    if not archive.redirects:
        return  # (and spare the permalink of every cable)
    # Compared as a case-insensitive file system (macOS, Windows) compares names: a
    # raw id `index` must not give `cable/undated/index.html` beside `INDEX.html`.
    taken = {case_key(Urls.entry(e)) for e in archive.entries.values()}
    for cable_id, variants in archive.variants.items():
        taken.add(case_key(Urls.cable(cable_id, archive.entries[variants.keys[0]].created)))
    for raw_id, key in archive.redirects.items():
        path = Urls.cable(raw_id, archive.entries[key].created)
        if case_key(path) not in taken:
            taken.add(case_key(path))
            yield Page(
                path=path,
                template="redirect.html",
                kind="redirect",
                subject=raw_id,
                members=(key,),
                entries=(key,),
            )


def index_pages(archive: Archive, config: SiteConfig) -> Iterator[Page]:
    per_page = config.per_page
    yield from _term_index(archive.tags, "tag", "tags.html", Urls.tags, per_page)
    yield from _term_index(archive.origins, "origin", "origins.html", Urls.origins, per_page)
    yield from _term_index(
        archive.classifications,
        "classification",
        "classifications.html",
        Urls.classifications,
        per_page,
    )
    for tag, facet in archive.tags.items():
        yield from _cable_list(facet, "tag", tag, lambda n, t=tag: Urls.tag(t, n), per_page)
    for slug, facet in archive.origins.items():
        yield from _cable_list(
            facet, "origin", slug, lambda n, s=slug: Urls.origin_page(s, n), per_page
        )
    for slug, facet in archive.classifications.items():
        yield from _cable_list(
            facet, "classification", slug, lambda n, s=slug: Urls.classification(s, n), per_page
        )
    months = [f"{y:04d}-{m:02d}" for (y, m) in archive.months]
    yield Page(
        path=Urls.dates_index,
        template="dates.html",
        kind="dates",
        members=tuple(months),
        inputs=(keys.MONTHS,),
    )
    for (year, month), facet in archive.months.items():
        yield from _cable_list(
            facet,
            "month",
            f"{year:04d}-{month:02d}",
            lambda n, y=year, m=month: Urls.month(y, m, n),
            per_page,
        )
    missing = list(archive.missing)
    ordered = sorted(missing, key=lambda i: (-len(archive.missing[i]), i))
    for number, chunk, count in _chunks(ordered, per_page, allow_empty=True):
        # Each row lists the cables citing the missing one: their metadata
        # (references included) says which rows they are in, and in what order.
        citing = {key for cable_id in chunk for key in archive.missing[cable_id]}
        yield Page(
            path=Urls.missing(number),
            template="missing.html",
            kind="missing",
            number=number,
            count=count,
            first=Urls.missing(1),
            members=tuple(chunk),
            entries=tuple(sorted(citing)),
            inputs=(keys.TOTALS,),
        )


def doc_pages(archive: Archive, docs: Sequence[Document]) -> Iterator[Page]:
    for doc in docs:
        yield Page(
            path=Urls.page(doc.slug),
            template="page.html",
            kind="doc",
            subject=doc.slug,
            # A cable id in the text is a link when the cable is in the archive.
            entries=tuple(sorted(_entry_keys(archive, mentioned_ids(doc.body)))),
            inputs=(keys.doc(doc.slug),),
        )


def special_pages(archive: Archive, config: SiteConfig) -> Iterator[Page]:
    newest = tuple(e.key for e in archive.newest(config.feed_size))
    yield Page(
        Urls.home,
        "home.html",
        "home",
        members=newest,
        entries=newest,
        inputs=(keys.TOTALS, keys.MONTHS, keys.SPAN, keys.DOCS),
    )
    # It links the variants of duplicated ids and the targets of redirects.
    linked = {key for v in archive.variants.values() for key in v.keys}
    linked |= set(archive.redirects.values())
    yield Page(
        Urls.diagnostics,
        "diagnostics.html",
        "diagnostics",
        entries=tuple(sorted(linked)),
        inputs=(keys.DIAGNOSTICS,),
    )
    # Every warning, one `path:line: message` a line: the diagnostics page
    # shows each kind of warning with a few examples, so that it does not
    # grow with the archive (82 MB at 251,052 synthetic cables, a warning each).
    yield Page(Urls.warnings, "warnings.txt", "warnings", inputs=(keys.DIAGNOSTICS,))
    yield Page(Urls.not_found, "404.html", "not_found")
    # The search page: the same bytes whatever the archive holds (it reads data/cables.db).
    yield Page(Urls.search, "search.html", "search")
    yield Page(
        Urls.feed,
        "feed.xml",
        "feed",
        members=newest,
        entries=newest,
        # The feed shows its cables' summaries, so it depends on their text too.
        inputs=tuple(keys.cable_text(k) for k in newest),
    )
    yield Page(Urls.robots, "robots.txt", "robots")


def _term_index(  # type: ignore[no-untyped-def]
    facets: dict, facet_kind: FacetKind, template: str, url, per_page: int
) -> Iterator[Page]:
    """The table of every tag (origin, classification): page kind "tags" lists "tag" facets."""
    terms = list(facets)
    kind = facet_kind + "s"
    for number, chunk, count in _chunks(terms, per_page, allow_empty=True):
        members = tuple(str(t) for t in chunk)
        yield Page(
            path=url(number),
            template=template,
            kind=kind,
            number=number,
            count=count,
            first=url(1),
            members=members,
            # Each term's name and size, and how many terms there are.
            inputs=(keys.TOTALS, *(keys.facet(facet_kind, m) for m in members)),
        )


def _cable_list(  # type: ignore[no-untyped-def]
    facet: Facet, kind: FacetKind, subject: str, url, per_page: int
) -> Iterator[Page]:
    for number, chunk, count in _chunks(facet.keys, per_page):
        listed = tuple(chunk)
        yield Page(
            path=url(number),
            template="list.html",
            kind=kind,
            subject=subject,
            number=number,
            count=count,
            first=url(1),
            members=listed,
            entries=listed,
            inputs=(keys.facet(kind, subject),),
        )


def _chunks(
    items: Sequence, per_page: int, *, allow_empty: bool = False
) -> Iterator[tuple[int, Sequence, int]]:
    """(page number, items on it, number of pages); an index with nothing still gets page 1."""
    count = max(1, -(-len(items) // per_page))
    if not items and not allow_empty:
        return
    for number in range(1, count + 1):
        yield number, items[(number - 1) * per_page : number * per_page], count


def _entry_keys(archive: Archive, ids: Iterable[str | None]) -> list[str]:
    """Keys of the pages that the given ids or keys resolve to (a duplicated id → its variants)."""
    keys: list[str] = []
    for item in ids:
        if item is None:
            continue
        if item in archive.entries:
            keys.append(item)
        elif item in archive.variants:
            keys.extend(archive.variants[item].keys)
    return keys
