"""``cablesite check``: verify a built site.

* every internal link (``href``, ``src``, meta refresh) resolves to a file,
  and every ``#anchor`` to an element with that id;
* no link leaves the site's base path or uses a ``javascript:`` URL;
* every cable in ``content/`` has its page (when run in a site folder).

The base URL is read from the built home page's canonical link unless given,
so a site built with ``--base-url`` is checked as it was built.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from generator.build import scan
from generator.config import load_config
from generator.errors import UserError
from generator.model import Problem
from generator.sources import find_sources
from generator.urls import Urls, output_file

_REFRESH_URL = re.compile(r"url\s*=\s*(\S+)", re.IGNORECASE)
_LINK_ATTRS = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src"}
_LINK_ATTRS |= {"iframe": "src", "source": "src", "audio": "src", "video": "src"}


@dataclass(slots=True)
class CheckReport:
    pages: int = 0
    links: int = 0
    problems: list[Problem] = field(default_factory=list)


def check_site(
    root: Path, *, output: Path | None = None, base_url: str | None = None
) -> CheckReport:
    config = load_config(root)
    folder = output or config.output_dir
    if not (folder / "index.html").is_file():
        raise UserError(str(folder), None, "no built site here; run `cablesite build` first")
    urls = Urls(base_url or detected_base_url(folder) or config.base_url)
    report = check_links(folder, urls)
    if config.cables_dir.is_dir():
        report.problems.extend(check_cable_pages(root, folder))
    return report


def detected_base_url(folder: Path) -> str | None:
    """The base URL a site was built with: its home page's canonical link."""
    text = (folder / "index.html").read_text(encoding="utf-8", errors="replace")
    found = re.search(r'<link rel="canonical" href="([^"]*)"', text)
    return found.group(1).replace("&amp;", "&") if found else None


def check_links(folder: Path, urls: Urls) -> CheckReport:
    report = CheckReport()
    wanted: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    for path in _html_files(folder):
        page = path.relative_to(folder).as_posix()
        links = _parse(path)
        report.pages += 1
        for href, line in links.links:
            report.links += 1
            target, fragment, problem = _resolve(page, href, urls, folder)
            if problem:
                report.problems.append(Problem(page, line, f"{problem}: {href}"))
            elif target is not None and fragment:
                if target == page:
                    if fragment not in links.ids:
                        report.problems.append(Problem(page, line, f"no #{fragment} here: {href}"))
                else:
                    wanted[target].add((fragment, page, line))
    for target, requests in sorted(wanted.items()):
        ids = _parse(folder / target).ids if target.endswith(".html") else set()
        for fragment, page, line in sorted(requests):
            if fragment not in ids:
                report.problems.append(Problem(page, line, f"no #{fragment} in {target}"))
    return report


def check_cable_pages(root: Path, folder: Path) -> list[Problem]:
    """Every cable the content holds has its page in the built site."""
    config = load_config(root)
    archive, _ = scan(find_sources(config.cables_dir, root))
    problems = []
    for key, entry in archive.entries.items():
        path = Urls.entry(entry)
        if not (folder / path).is_file():
            problems.append(Problem(entry.source, None, f"{key} has no page at {path}"))
    return problems


def _html_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.html") if p.is_file())


def _resolve(page: str, href: str, urls: Urls, folder: Path) -> tuple[str | None, str, str | None]:
    """(site file the link points to or None for external, fragment, problem)."""
    href = href.strip()
    parts = urlsplit(href)
    if parts.scheme.lower() in ("javascript", "vbscript", "data"):
        return None, "", "unsafe link"
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None, "", None  # mailto:, tel: …
    if parts.scheme or href.startswith("//"):
        site = urls.origin + urls.base_path
        if not urls.origin or not href.startswith(site):
            return None, "", None  # an external site
        path = urls.base_path + href[len(site) :]
    else:
        path = urljoin(urls.base_path + page, href)
    fragment = urlsplit(path).fragment
    path = urlsplit(path).path
    if not path.startswith(urls.base_path):
        return None, "", "link outside the site's base path"
    relative = unquote(path[len(urls.base_path) :])
    target = output_file(relative)
    if ".." in target.split("/"):
        return None, "", "link outside the site"
    if (folder / target).is_file():
        return target, unquote(fragment), None
    if (folder / relative).is_dir() and (folder / relative / "index.html").is_file():
        return f"{relative.rstrip('/')}/index.html", unquote(fragment), None
    return None, "", "broken link"


@dataclass(slots=True)
class _Links:
    ids: set[str]
    links: list[tuple[str, int]]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        attr = _LINK_ATTRS.get(tag)
        if attr and attr in values:
            self.links.append((values[attr], line))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            found = _REFRESH_URL.search(values.get("content", ""))
            if found:
                self.links.append((found.group(1), line))

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _Links:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return _Links(collector.ids, collector.links)
