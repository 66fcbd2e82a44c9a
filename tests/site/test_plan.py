"""The plan records what each page is made from, for incremental builds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sitekit import cable, ref

from generator.archive import ArchiveBuilder, entry_of
from generator.config import SiteConfig
from generator.site import keys
from generator.site.plan import plan_site
from generator.urls import case_key, output_file


def planned() -> dict:  # type: ignore[type-arg]
    builder = ArchiveBuilder()
    cables = [
        cable("03OTTAWA49", datetime(2003, 1, 7), references=(ref("A", "02OTTAWA3442"),)),
        cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("PREL", "MARR")),
        cable("03OTTAWA311", datetime(2003, 2, 3), references=(ref("A", "03OTTAWA49"),)),
        cable("03STATE9002", datetime(2003, 1, 9), origin="Secretary of State"),
    ]
    for ordinal, item in enumerate(cables):
        builder.add(entry_of(item, source="content/cables/x.txt", ordinal=ordinal))
    pages = plan_site(builder.build(), SiteConfig(root=Path(), per_page=2), [])
    return {page.path: page for page in pages}


def test_every_path_is_planned_once() -> None:
    builder = ArchiveBuilder()
    builder.add(entry_of(cable("03OTTAWA49", datetime(2003, 1, 7)), source="a"))
    pages = plan_site(builder.build(), SiteConfig(root=Path()), [])
    paths = [page.path for page in pages]
    assert len(paths) == len(set(paths))


def test_a_cable_page_depends_on_its_text_and_its_neighbours_metadata() -> None:
    page = planned()["cable/2003/01/03OTTAWA49.html"]
    assert page.cable == "03OTTAWA49"
    # cited, citing, and the same origin's previous and next cable
    assert set(page.entries) == {"02OTTAWA3442", "03OTTAWA311"}
    assert keys.links("03OTTAWA49") in page.inputs


def test_an_index_page_depends_on_its_members_and_its_facet() -> None:
    pages = planned()
    first, second = pages["tag/PREL/"], pages["tag/PREL/page/2/"]
    assert first.entries == ("03OTTAWA311", "03STATE9002")  # newest first
    assert second.entries == ("03OTTAWA49", "02OTTAWA3442")
    assert keys.facet("tag", "PREL") in second.inputs
    assert (first.number, first.count, second.number) == (1, 2, 2)


def test_corpus_wide_pages_depend_on_the_figures_they_show() -> None:
    pages = planned()
    assert {keys.TOTALS, keys.MONTHS, keys.SPAN, keys.DOCS} <= set(pages[""].inputs)
    assert set(pages[""].entries) == set(pages[""].members)  # the newest cables
    tags = {keys.TOTALS, keys.facet("tag", "CA"), keys.facet("tag", "MARR")}
    assert tags <= set(pages["tag/"].inputs)
    assert pages["date/"].inputs == (keys.MONTHS,)
    assert pages["diagnostics/"].inputs == (keys.DIAGNOSTICS,)
    assert keys.cable_text("03OTTAWA311") in pages["feed.xml"].inputs


def test_a_missing_page_depends_on_the_cables_citing_its_rows() -> None:
    builder = ArchiveBuilder()
    cited = cable("03OTTAWA49", datetime(2003, 1, 7), references=(ref("A", "02OTTAWA9999"),))
    builder.add(entry_of(cited, source="a"))
    builder.add(entry_of(cable("03OTTAWA50", datetime(2003, 1, 8)), source="b"))
    pages = {p.path: p for p in plan_site(builder.build(), SiteConfig(root=Path()), [])}
    assert pages["missing/"].members == ("02OTTAWA9999",)
    assert pages["missing/"].entries == ("03OTTAWA49",)


def test_a_sitemap_depends_on_its_paths_only() -> None:
    pages = planned()
    sitemap = pages["sitemap.xml"]
    assert sitemap.inputs == () and "cable/2003/01/03OTTAWA49.html" in sitemap.members


def test_a_cable_page_depends_on_its_link_structure() -> None:
    page = planned()["cable/2003/01/03OTTAWA49.html"]
    assert page.inputs == (keys.links("03OTTAWA49"),)


def test_no_two_output_files_are_one_on_a_case_insensitive_file_system() -> None:
    """A source id `index` (canonical `INDEX`) would put its redirect at
    `cable/undated/index.html` beside the cable's `cable/undated/INDEX.html`: one file
    on macOS and Windows. The redirect gives way; every output path differs in more
    than case (the rule: `urls.case_key` of every planned file is unique)."""
    builder = ArchiveBuilder()
    cables = [
        cable("INDEX", None, raw_id="index"),
        cable("03OTTAWA49", datetime(2003, 1, 7), raw_id="03ottawa49"),
        cable("03OTTAWA50", datetime(2003, 1, 8), raw_id="3OTTAWA50"),
    ]
    for ordinal, item in enumerate(cables):
        builder.add(entry_of(item, source="content/cables/x.txt", ordinal=ordinal))
    pages = plan_site(builder.build(), SiteConfig(root=Path()), [])
    files = [output_file(page.path) for page in pages]
    assert len({case_key(path) for path in files}) == len(files)
    assert "cable/undated/INDEX.html" in files
    assert "cable/undated/index.html" not in files
    # A redirect that differs in more than case is still made.
    assert "cable/2003/01/3OTTAWA50.html" in files
