"""``cablesite check``: verify a built site.

* every internal link (``href``, ``src``, meta refresh) resolves to a file,
  and every ``#anchor`` to an element with that id;
* no link leaves the site's base path or uses a ``javascript:`` URL;
* every cable in ``content/`` has its page (when run in a site folder).

The base URL is read from the built home page's canonical link unless given,
so a site built with ``--base-url`` is checked as it was built.

It has to be fast enough for the whole Cablegate (280,000 pages, eleven
million links), so: the output's file list is read once (one walk, then
set lookups instead of a ``stat`` per link); a link's resolution is cached
(most links are the same on every page); pages are read by a scanner that
looks only at the tags that carry a link or an id (:mod:`generator.check.html_links`);
and the pages are shared out among worker processes.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from generator.check.html_links import scan_html
from generator.config import load_config
from generator.engine.discover import find_files
from generator.engine.full_pass import read_archive
from generator.engine.workers import default_jobs, run_tasks
from generator.errors import UserError
from generator.model import Problem
from generator.urls import Urls, output_file

# Pages per task: enough to make a task's overhead small, few enough that
# both workers stay busy to the end.
_CHUNK = 512


@dataclass(slots=True)
class CheckReport:
    pages: int = 0
    links: int = 0
    problems: list[Problem] = field(default_factory=list)


def check_site(
    root: Path, *, output: Path | None = None, base_url: str | None = None, jobs: int | None = None
) -> CheckReport:
    config = load_config(root)
    folder = output or config.output_dir
    if not (folder / "index.html").is_file():
        raise UserError(str(folder), None, "no built site here; run `cablesite build` first")
    urls = Urls(base_url or detected_base_url(folder) or config.base_url)
    jobs = jobs or default_jobs()
    report = check_links(folder, urls, jobs=jobs)
    if config.cables_dir.is_dir():
        report.problems.extend(check_cable_pages(root, folder, jobs=jobs))
    return report


def detected_base_url(folder: Path) -> str | None:
    """The base URL a site was built with: its home page's canonical link."""
    text = (folder / "index.html").read_text(encoding="utf-8", errors="replace")
    found = re.search(r'<link rel="canonical" href="([^"]*)"', text)
    return found.group(1).replace("&amp;", "&") if found else None


# --- links ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Site:
    """What every worker needs, inherited when it is forked."""

    folder: Path
    urls: Urls
    files: frozenset[str]  # every file of the output, site-relative
    folders: frozenset[str]  # every folder of the output, site-relative, "" for the top


@dataclass(slots=True)
class _Checked:
    """One task's result: its counts, its problems and the anchors it wants elsewhere."""

    pages: int = 0
    links: int = 0
    problems: list[Problem] = field(default_factory=list)
    wanted: list[tuple[str, str, str, int]] = field(default_factory=list)  # target, #, page, line


_SITE: _Site | None = None


def check_links(folder: Path, urls: Urls, *, jobs: int = 1) -> CheckReport:
    global _SITE
    files, folders = _walk(folder)
    pages = sorted(path for path in files if path.endswith(".html"))
    _SITE = _Site(folder, urls, frozenset(files), frozenset(folders))
    report = CheckReport()
    wanted: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    try:
        tasks = [pages[i : i + _CHUNK] for i in range(0, len(pages), _CHUNK)]
        for checked in run_tasks(_check_pages, tasks, jobs):
            report.pages += checked.pages
            report.links += checked.links
            report.problems.extend(checked.problems)
            for target, fragment, page, line in checked.wanted:
                wanted[target].append((fragment, page, line))
        targets = sorted(wanted)
        tasks = [targets[i : i + _CHUNK] for i in range(0, len(targets), _CHUNK)]
        for ids_of in run_tasks(_ids_of, tasks, jobs):
            for target, ids in ids_of:
                for fragment, page, line in sorted(set(wanted[target])):
                    if fragment not in ids:
                        report.problems.append(Problem(page, line, f"no #{fragment} in {target}"))
    finally:
        _SITE = None
    return report


def _check_pages(pages: Sequence[str]) -> _Checked:
    site = _SITE
    assert site is not None
    checked = _Checked()
    resolved: dict[tuple[str, str], tuple[str | None, str, str | None]] = {}
    for page in pages:
        ids, links = scan_html(_read(site.folder / page))
        checked.pages += 1
        checked.links += len(links)
        here = posixpath.dirname(page)
        for href, line in links:
            # Only the page's folder matters to a link, unless it is relative to
            # the page itself ("#x", "?q", "").
            key = (page if href[:1] in ("", "#", "?") else here, href)
            found = resolved.get(key)
            if found is None:
                found = resolved[key] = _resolve(page, href, site)
            target, fragment, problem = found
            if problem:
                checked.problems.append(Problem(page, line, f"{problem}: {href}"))
            elif target is not None and fragment:
                if target == page:
                    if fragment not in ids:
                        checked.problems.append(Problem(page, line, f"no #{fragment} here: {href}"))
                else:
                    checked.wanted.append((target, fragment, page, line))
    return checked


def _ids_of(targets: Sequence[str]) -> list[tuple[str, frozenset[str]]]:
    site = _SITE
    assert site is not None
    return [
        (
            target,
            frozenset(scan_html(_read(site.folder / target))[0])
            if target.endswith(".html")
            else frozenset(),
        )
        for target in targets
    ]


def _resolve(page: str, href: str, site: _Site) -> tuple[str | None, str, str | None]:
    """(site file the link points to or None for external, fragment, problem)."""
    urls = site.urls
    href = href.strip()
    parts = urlsplit(href)
    if parts.scheme.lower() in ("javascript", "vbscript", "data"):
        return None, "", "unsafe link"
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None, "", None  # mailto:, tel: …
    if parts.scheme or href.startswith("//"):
        prefix = urls.origin + urls.base_path
        if not urls.origin or not href.startswith(prefix):
            return None, "", None  # an external site
        path = urls.base_path + href[len(prefix) :]
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
    if target in site.files:
        return target, unquote(fragment), None
    folder = relative.strip("/")
    if folder in site.folders and _join(folder, "index.html") in site.files:
        return _join(folder, "index.html"), unquote(fragment), None
    return None, "", "broken link"


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _walk(folder: Path) -> tuple[set[str], set[str]]:
    """Every file and every folder under `folder`, site-relative, in one walk."""
    files: set[str] = set()
    folders: set[str] = {""}
    top = str(folder)
    for dirpath, dirnames, filenames in os.walk(top):
        base = os.path.relpath(dirpath, top)
        prefix = "" if base == "." else base.replace(os.sep, "/") + "/"
        files.update(prefix + name for name in filenames)
        folders.update(prefix + name for name in dirnames)
    # A symlink to a folder is listed as a folder by the walk, to a file as a file:
    # both are what a web server would serve, as before.
    return files, folders


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


# --- cable pages -----------------------------------------------------------------------


def check_cable_pages(root: Path, folder: Path, *, jobs: int = 1) -> list[Problem]:
    """Every cable the content holds has its page in the built site."""
    config = load_config(root)
    archive, _ = read_archive(find_files(config.cables_dir, root)[0], jobs=jobs)
    problems = []
    for key, entry in archive.entries.items():
        path = Urls.entry(entry)
        if not (folder / path).is_file():
            problems.append(Problem(entry.source, None, f"{key} has no page at {path}"))
    return problems
