"""The one place that knows every page's URL.

URLs here are a public contract (documented in the README): cable permalinks
follow the WikiLeaks cable viewer (``cable/YYYY/MM/ID.html``) so existing
citations keep working. Paths are site-relative (``tag/PREL/``); `href`
adds the base path, `absolute` the scheme and host.

Every value that comes from a cable (ids, tags, origins) passes through
:func:`segment`, which maps it to a safe, injective path segment: it can
never contain ``/``, ``..`` or anything else that could make the build write
outside the output folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

_SAFE_CHAR = re.compile(r"[A-Za-z0-9-]")
_SAFE_TEXT = re.compile(r"[A-Za-z0-9-]+")
# Stay well below the 255-byte file name limit of common file systems.
_MAX_SEGMENT = 120

RESERVED_ROOTS = frozenset(
    {
        "cable", "tag", "origin", "date", "classification", "missing", "diagnostics",
        "static", "page", "feed.xml", "sitemap.xml", "robots.txt", "404.html", "index.html",
    }
)  # fmt: skip


class CablePage(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created(self) -> datetime | None: ...
    @property
    def variant(self) -> str: ...


def segment(value: str) -> str:
    """A path segment that is safe on every file system and unique per value.

    Letters, digits and ``-`` are kept (so real ids and tags read as
    themselves); any other byte becomes ``_XX``. Because ``_`` itself is
    escaped, a ``_a`` suffix added later can never collide with an escaped
    value.
    """
    if len(value) <= _MAX_SEGMENT and _SAFE_TEXT.fullmatch(value):
        return value  # the usual id or tag, kept as it is: one match, not one per character
    out = []
    for char in value:
        if _SAFE_CHAR.match(char):
            out.append(char)
        else:
            out.extend(f"_{byte:02X}" for byte in char.encode("utf-8"))
    text = "".join(out) or "_"
    if len(text) > _MAX_SEGMENT:
        digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]
        text = f"{text[: _MAX_SEGMENT - 13]}-{digest}"
    return text


def case_key(path: str) -> str:
    """A site path as a case-insensitive file system (macOS, Windows) compares it.

    Two output files whose keys are equal would be one file there: the plan
    never has two (redirects give way; ids, tags and slugs are each in one
    case already).
    """
    return path.casefold()


def slugify(value: str) -> str:
    """A readable lowercase slug ("Embassy The Hague" → "embassy-the-hague").

    Used for origins and classifications, where several spellings of the same
    name should share one page; anything unreadable falls back to
    :func:`segment` so the slug is never empty.
    """
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_MAX_SEGMENT] if slug else segment(value)


class Urls:
    """URLs for one site, under its base URL."""

    def __init__(self, base_url: str = "/") -> None:
        parts = urlsplit(base_url)
        path = parts.path or "/"
        self.base_path = path if path.endswith("/") else path + "/"
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""

    # --- turning site paths into links ---------------------------------------

    def href(self, path: str) -> str:
        """The link to put in a page: base path + site path."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """The full URL (for canonical links, feeds, sitemaps) when the host is known."""
        return self.origin + self.base_path + path

    # --- pages -----------------------------------------------------------------

    home = ""
    feed = "feed.xml"
    sitemap = "sitemap.xml"
    robots = "robots.txt"
    not_found = "404.html"
    nojekyll = ".nojekyll"
    search = "search/"  # the search page
    database = "data/cables.db"  # the archive database (generator/database)
    tags_index = "tag/"
    origins_index = "origin/"
    dates_index = "date/"
    classifications_index = "classification/"
    missing_index = "missing/"  # the first page of ``missing()``
    diagnostics = "diagnostics/"
    warnings = "diagnostics/warnings.txt"  # every warning, one a line

    @staticmethod
    def cable(cable_id: str, created: datetime | None, variant: str = "") -> str:
        """``cable/2003/01/03OTTAWA49.html``; undated cables live under ``cable/undated/``.

        `variant` is the PlusD suffix of one of several differing cables that
        share an id (``03OTTAWA49_a``); it is added after the id is made safe.
        """
        folder = f"{created.year:04d}/{created.month:02d}" if created else "undated"
        suffix = f"_{segment(variant)}" if variant else ""
        return f"cable/{folder}/{segment(cable_id)}{suffix}.html"

    @staticmethod
    def entry(entry: CablePage) -> str:
        """The permalink of a cable page (anything with an id, variant and created date)."""
        return Urls.cable(entry.id, entry.created, entry.variant)

    @staticmethod
    def sitemap_part(number: int) -> str:
        return f"sitemap-{number}.xml"

    @staticmethod
    def static(name: str) -> str:
        return f"static/{name}"

    @staticmethod
    def tag(tag: str, page: int = 1) -> str:
        return paged(f"tag/{segment(tag)}/", page)

    @staticmethod
    def tags(page: int = 1) -> str:
        return paged("tag/", page)

    @staticmethod
    def origin_page(slug: str, page: int = 1) -> str:
        return paged(f"origin/{slug}/", page)

    @staticmethod
    def origins(page: int = 1) -> str:
        return paged("origin/", page)

    @staticmethod
    def month(year: int, month: int, page: int = 1) -> str:
        return paged(f"date/{year:04d}/{month:02d}/", page)

    @staticmethod
    def classification(slug: str, page: int = 1) -> str:
        return paged(f"classification/{slug}/", page)

    @staticmethod
    def classifications(page: int = 1) -> str:
        return paged("classification/", page)

    @staticmethod
    def missing(page: int = 1) -> str:
        return paged("missing/", page)

    @staticmethod
    def page(slug: str) -> str:
        """A Markdown page: ``about/``. Slugs that would shadow a section go under ``page/``."""
        safe = slugify(slug)
        return f"page/{safe}/" if safe in RESERVED_ROOTS else f"{safe}/"


def paged(path: str, page: int) -> str:
    return path if page <= 1 else f"{path}page/{page}/"


def output_file(path: str) -> str:
    """The file that serves a site path: directories are served by their ``index.html``."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def is_safe_relative(path: str) -> bool:
    """True when `path` stays inside the folder it is joined to: not empty, not
    absolute, no ``..`` segment, no backslash.

    On strings (what `PurePosixPath(path).parts` would say): every output
    file of a build is checked, 280,000 of them at full scale.
    """
    return bool(path) and path[0] != "/" and "\\" not in path and ".." not in path.split("/")
