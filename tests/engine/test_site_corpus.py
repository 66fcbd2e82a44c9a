"""The dev corpus (500 real cables in four formats) built into a site.

Built once per session, at the domain root and under a project base path,
then checked the way a reader would: every cable at its permalink, every
reference a link both ways, every index listing exactly its cables, no
broken link.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from generator.check.checker import check_links
from generator.engine.builder import BuildOptions, BuildResult, build_site
from generator.urls import Urls

BASE = "https://user.github.io/repo/"
_HREF = re.compile(r'href="([^"]+)"')


def build_corpus(root: Path, corpus: Path, base_url: str | None = None) -> BuildResult:
    (root / "content").mkdir(parents=True)
    # A link, not a copy: the corpus stays in ../shared.
    (root / "content" / "cables").symlink_to(corpus, target_is_directory=True)
    (root / "site.toml").write_text('title = "Dev corpus"\nper_page = 40\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_site(root, BuildOptions(base_url=base_url))


@pytest.fixture(scope="session")
def built(dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("dev-site")
    return root / "site", build_corpus(root, dev_corpus)


@pytest.fixture(scope="session")
def built_under_base(dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dev-site-base")
    build_corpus(root, dev_corpus, BASE)
    return root / "site"


@pytest.fixture(scope="session")
def catalog(dev_corpus: Path) -> list[dict[str, str]]:
    with (dev_corpus / "CATALOG.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def pages(built: tuple[Path, BuildResult]) -> dict[str, str]:
    """Every cable page of the built site, by its site path."""
    site, _ = built
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((site / "cable").rglob("*.html"))
    }


def month_of(created: str) -> tuple[int, int]:
    """The catalog's dates: "2003-01-07 21:02", "1/7/2003 21:02" or "191558Z MAR 07"."""
    for pattern in ("%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%d%H%MZ %b %y"):
        try:
            moment = datetime.strptime(created.strip(), pattern)
            return moment.year, moment.month
        except ValueError:
            continue
    raise AssertionError(f"unexpected catalog date {created!r}")


def section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def cable_path(href: str) -> str:
    return href.removeprefix("/")


def listed_cables(site: Path, index: str) -> set[str]:
    """Cable pages listed on an index page and all its later pages."""
    found: set[str] = set()
    for path in [
        site / index / "index.html",
        *sorted((site / index / "page").glob("*/index.html")),
    ]:
        html = path.read_text(encoding="utf-8")
        listing = html[html.index('<ol class="cable-list">') : html.index("</ol>")]
        found |= {cable_path(h) for h in _HREF.findall(listing)}
    return found


def test_every_catalogued_cable_has_its_page_or_a_reason(
    built: tuple[Path, BuildResult], catalog: list[dict[str, str]]
) -> None:
    site, result = built
    reported = {p.path for p in result.problems}
    diagnostics = (site / "diagnostics/index.html").read_text(encoding="utf-8")
    unaccounted = []
    for row in catalog:
        year, month = month_of(row["created"])
        if (site / f"cable/{year:04d}/{month:02d}/{row['id']}.html").is_file():
            continue
        source = f"content/cables/{row['file']}"
        # "Every input file is accounted for": no page means the diagnostics say why.
        if source not in reported or source not in diagnostics:
            unaccounted.append(row["id"])
    assert unaccounted == []
    assert result.cables >= 495


def test_every_reference_inside_the_corpus_links_both_ways(pages: dict[str, str]) -> None:
    pairs = 0
    for path, html in pages.items():
        if 'id="references"' not in html:
            continue
        for href in _HREF.findall(section(html, 'id="references"')):
            target = cable_path(href)
            if target not in pages:
                continue  # outward link to a missing cable
            pairs += 1
            cited_by = section(pages[target], 'id="cited-by"')
            assert f'href="/{path}"' in cited_by, (path, target)
    assert pairs >= 100


def test_catalogued_references_in_the_corpus_are_links(
    pages: dict[str, str], catalog: list[dict[str, str]]
) -> None:
    by_id = {Path(p).stem: p for p in pages}
    linked = missed = 0
    for row in catalog:
        citing = by_id.get(row["id"])
        for cited in row["references"].split():
            if citing is None or cited not in by_id:
                continue
            refs = section(pages[citing], 'id="references"')
            if f'href="/{by_id[cited]}"' in refs:
                linked += 1
            else:
                missed += 1
    # The catalog's references come from another parser checked against real ids;
    # a few differ in the year given to a year-less reference, so allow a sliver.
    assert linked >= 140 and missed <= 3


def test_indexes_list_exactly_the_right_cables(
    built: tuple[Path, BuildResult], pages: dict[str, str]
) -> None:
    site, _ = built
    expected: dict[str, set[str]] = defaultdict(set)
    for path, html in pages.items():
        if 'class="metadata"' not in html:
            continue  # a page listing the variants of a shared id
        # The kicker above the text links the classification and the origin;
        # the metadata table, the tags and the date.
        table = html[html.index('class="kicker"') : html.index("</table>")]
        for href in set(_HREF.findall(table)):
            if href.startswith(("/tag/", "/origin/", "/classification/", "/date/")):
                expected[cable_path(href)].add(path)
    kinds = {index.split("/")[0] for index in expected}
    assert kinds == {"tag", "origin", "classification", "date"}
    for index, members in expected.items():
        assert listed_cables(site, index) == members, index
    # … and there are no index pages beyond those the cables point to.
    for kind in ("tag", "origin", "classification"):
        built_indexes = {
            p.parent.relative_to(site).as_posix() + "/" for p in (site / kind).glob("*/index.html")
        }
        assert built_indexes == {i for i in expected if i.startswith(f"{kind}/")}


def test_no_broken_internal_links(built: tuple[Path, BuildResult]) -> None:
    site, _ = built
    report = check_links(site, Urls("/"))
    assert report.problems == []
    assert report.pages > 900


def test_under_a_base_path(built_under_base: Path) -> None:
    site = built_under_base
    report = check_links(site, Urls(BASE))
    assert report.problems == []
    sample = (site / "cable/2003/01").glob("*.html")
    for path in [site / "index.html", site / "tag/PREL/index.html", *list(sample)[:5]]:
        for link in _HREF.findall(path.read_text(encoding="utf-8")):
            assert link.startswith(("/repo/", BASE, "#", "https://wikileaks.org/")), (path, link)


def test_the_same_input_builds_byte_identical_sites(
    built: tuple[Path, BuildResult], dev_corpus: Path, tmp_path: Path
) -> None:
    site, _ = built
    build_corpus(tmp_path, dev_corpus)
    again = tmp_path / "site"
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
