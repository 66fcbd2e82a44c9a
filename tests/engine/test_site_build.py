"""The site layer on hand-built cables: pages, links, duplicates, safety, atomicity."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from sitekit import HOSTILE, build, cable, make_site, read, ref, tree

from generator.check.checker import check_links
from generator.errors import UserError
from generator.parse import title_case
from generator.urls import Urls

JAN = datetime(2003, 1, 7, 21, 2)
DEC = datetime(2002, 12, 2, 10, 0)


def small_archive() -> dict[str, list]:
    return {
        "a.txt": [
            cable(
                "03OTTAWA49",
                JAN,
                references=(
                    ref("A", "02OTTAWA3442", "02 OTTAWA 3442"),
                    ref("B", "02OTTAWA9999", "02 OTTAWA 9999"),
                    ref("C", None, "E-MAIL FROM POLOFF"),
                ),
                summary="Canada will decide later.",
            )
        ],
        "b.txt": [cable("02OTTAWA3442", DEC, tags=("PREL", "MARR"))],
    }


@pytest.fixture
def site(tmp_path: Path) -> Path:
    files = small_archive()
    make_site(tmp_path, files)
    build(tmp_path, files)
    return tmp_path


def test_cable_pages_at_their_permalinks(site: Path) -> None:
    assert (site / "site/cable/2003/01/03OTTAWA49.html").is_file()
    assert (site / "site/cable/2002/12/02OTTAWA3442.html").is_file()


def test_references_link_both_ways(site: Path) -> None:
    citing = read(site, "cable/2003/01/03OTTAWA49.html")
    cited = read(site, "cable/2002/12/02OTTAWA3442.html")
    assert 'href="/cable/2002/12/02OTTAWA3442.html"' in citing
    assert "02OTTAWA9999" in citing and "not in this archive" in citing
    assert "E-MAIL FROM POLOFF" in citing
    referenced_by = cited.split('id="cited-by"')[1]
    assert 'href="/cable/2003/01/03OTTAWA49.html"' in referenced_by


def test_missing_page_lists_cited_cables_not_in_the_archive(site: Path) -> None:
    missing = read(site, "missing/index.html")
    assert "02OTTAWA9999" in missing
    assert 'href="/cable/2003/01/03OTTAWA49.html"' in missing
    assert "02OTTAWA3442" not in missing


def test_external_link_only_when_configured(tmp_path: Path) -> None:
    files = small_archive()
    config = 'external_cable_url = "https://example.org/plusd/{id}_a.html"\n'
    make_site(tmp_path, files, config)
    build(tmp_path, files)
    page = read(tmp_path, "cable/2003/01/03OTTAWA49.html")
    assert 'href="https://example.org/plusd/02OTTAWA9999_a.html"' in page


def test_indexes_list_the_right_cables(site: Path) -> None:
    prel = read(site, "tag/PREL/index.html")
    marr = read(site, "tag/MARR/index.html")
    assert "03OTTAWA49" in prel and "02OTTAWA3442" in prel
    assert "02OTTAWA3442" in marr and "03OTTAWA49" not in marr
    assert "03OTTAWA49" in read(site, "date/2003/01/index.html")
    assert "03OTTAWA49" not in read(site, "date/2002/12/index.html")
    assert "03OTTAWA49" in read(site, "origin/embassy-ottawa/index.html")
    assert "03OTTAWA49" in read(site, "classification/confidential/index.html")
    tags = read(site, "tag/index.html")
    assert "External political relations" in tags  # the glossary's meaning of PREL


def test_previous_and_next_cable_of_the_same_origin(site: Path) -> None:
    newer = read(site, "cable/2003/01/03OTTAWA49.html")
    older = read(site, "cable/2002/12/02OTTAWA3442.html")
    assert 'rel="prev" href="/cable/2002/12/02OTTAWA3442.html"' in newer
    assert 'rel="next" href="/cable/2003/01/03OTTAWA49.html"' in older


def test_paragraph_anchors_and_markings(site: Path) -> None:
    page = read(site, "cable/2003/01/03OTTAWA49.html")
    assert 'id="p1"' in page and 'href="#p1"' in page
    assert '<b class="C">(C)</b>' in page


def test_special_files(site: Path) -> None:
    for name in ("index.html", "404.html", "robots.txt", ".nojekyll", "feed.xml", "sitemap.xml"):
        assert (site / "site" / name).is_file(), name
    feed = ET.fromstring(read(site, "feed.xml"))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [
        title_case("SUBJECT OF 03OTTAWA49"),
        title_case("SUBJECT OF 02OTTAWA3442"),
    ]
    sitemap = ET.fromstring(read(site, "sitemap.xml"))
    locs = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "/cable/2003/01/03OTTAWA49.html" in locs


def test_every_page_has_title_canonical_and_description(site: Path) -> None:
    for path in (site / "site").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert re.search(r"<title>[^<]+</title>", text), path
        assert '<link rel="canonical" href="' in text, path
        assert '<meta name="description" content="' in text, path


def test_no_broken_internal_links(site: Path) -> None:
    report = check_links(site / "site", Urls("/"))
    assert report.problems == []
    assert report.links > 50


def test_build_is_deterministic(tmp_path: Path) -> None:
    files = small_archive()
    first, second = tmp_path / "one", tmp_path / "two"
    for root in (first, second):
        make_site(root, files)
        build(root, files)
    assert tree(first / "site") == tree(second / "site")


def test_unchanged_files_are_not_rewritten(site: Path) -> None:
    files = small_archive()
    page = site / "site/cable/2003/01/03OTTAWA49.html"
    inode = page.stat().st_ino
    result = build(site, files)
    assert result.written == 0 and result.unchanged > 0
    assert page.stat().st_ino == inode
    # A clean build renders every page again, and still keeps the unchanged files.
    clean = build(site, files, clean=True)
    assert clean.rendered == clean.pages and clean.written == 0
    assert page.stat().st_ino == inode


def test_stale_pages_are_removed(site: Path) -> None:
    files = small_archive()
    files["b.txt"] = [cable("02OTTAWA3442", DEC, tags=("PREL",))]
    build(site, files)
    assert not (site / "site/tag/MARR").exists()


def test_a_failed_build_leaves_the_previous_site(site: Path) -> None:
    before = tree(site / "site")
    (site / "templates").mkdir()
    (site / "templates" / "list.html").write_text("{% for x in %}\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        build(site, small_archive())
    assert "list.html:1:" in str(caught.value)
    assert tree(site / "site") == before
    assert not list(site.glob(".site.*"))


def test_site_templates_override_the_theme(site: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block title %}Lost{% endblock %}'
        "{% block main %}<p>Custom 404</p>{% endblock %}",
        encoding="utf-8",
    )
    (site / "static").mkdir()
    (site / "static" / "extra.css").write_text("p{}", encoding="utf-8")
    build(site, small_archive())
    assert "Custom 404" in read(site, "404.html")
    assert read(site, "static/extra.css") == "p{}"
    assert "Tags" in read(site, "404.html")  # base.html still comes from the theme


def test_strict_fails_on_warnings_and_writes_nothing(tmp_path: Path) -> None:
    files = {**small_archive(), "broken.txt": []}
    make_site(tmp_path, files)
    with pytest.raises(UserError, match="strict"):
        build(tmp_path, files, strict=True)
    assert not (tmp_path / "site" / "index.html").exists()


def test_unreadable_files_are_reported_on_the_diagnostics_page(tmp_path: Path) -> None:
    files = {**small_archive(), "broken.txt": []}
    make_site(tmp_path, files)
    (tmp_path / "content/cables/notes.pdf").write_bytes(b"%PDF")
    result = build(tmp_path, files)
    messages = [str(p) for p in result.problems]
    assert "content/cables/broken.txt:3: cannot read this file" in messages
    assert any(m.startswith("content/cables/notes.pdf: not a supported") for m in messages)
    diagnostics = read(tmp_path, "diagnostics/index.html")
    assert "content/cables/broken.txt:3: cannot read this file" in diagnostics
    assert "notes.pdf" in diagnostics


def test_diagnostics_page_groups_warnings_and_warnings_txt_lists_them_all(tmp_path: Path) -> None:
    # The page shows each kind of warning with its first examples, so that it
    # does not grow with the archive; warnings.txt has every one, a line each.
    files = {
        f"w{n:02d}.txt": [cable(f"03OTTAWA{n}", JAN, warnings=(f"no DTG in line {n}",))]
        for n in range(1, 31)
    }
    files["odd.txt"] = [cable("03OTTAWA99", JAN, warnings=("subject <b>unclosed",))]
    make_site(tmp_path, files)
    result = build(tmp_path, files)
    listed = read(tmp_path, "diagnostics/warnings.txt").splitlines()
    assert listed == [str(p) for p in result.problems] and len(listed) == 31
    page = read(tmp_path, "diagnostics/index.html")
    shown = re.findall(r"<li><code>content/cables/w\d\d\.txt: 03OTTAWA\d+: no DTG", page)
    assert len(shown) == 20
    assert "and 10 more like these" in page and 'href="/diagnostics/warnings.txt"' in page
    assert "03OTTAWA99: subject &lt;b&gt;unclosed" in page  # escaped on the page
    assert "(31)" not in page and "(30)" in page and "(1)" in page


# --- duplicates and malformed ids ----------------------------------------------


def test_identical_copies_make_one_page(tmp_path: Path) -> None:
    same = cable("03OTTAWA49", JAN)
    flattened = cable("03OTTAWA49", JAN, body="1.   (C)   The text of\n03OTTAWA49.")
    files = {"a.txt": [same], "b.txt": [flattened]}
    make_site(tmp_path, files)
    result = build(tmp_path, files)
    assert result.cables == 1 and result.copies == 1
    assert not list((tmp_path / "site/cable/2003/01").glob("*_a.html"))
    diagnostics = read(tmp_path, "diagnostics/index.html")
    assert "content/cables/b.txt</code> is the same as <code>content/cables/a.txt" in diagnostics


def test_differing_duplicates_are_kept_the_plusd_way(tmp_path: Path) -> None:
    files = {
        "b.txt": [cable("03OTTAWA49", JAN, body="1. (C) Second text.")],
        "a.txt": [cable("03OTTAWA49", JAN, body="1. (C) First text.")],
        "c.txt": [cable("03OTTAWA50", JAN, references=(ref("A", "03OTTAWA49"),))],
    }
    make_site(tmp_path, files)
    result = build(tmp_path, files)
    folder = tmp_path / "site/cable/2003/01"
    assert "First text" in (folder / "03OTTAWA49_a.html").read_text()  # a.txt sorts first
    assert "Second text" in (folder / "03OTTAWA49_b.html").read_text()
    listing = (folder / "03OTTAWA49.html").read_text()
    assert "03OTTAWA49_a.html" in listing and "03OTTAWA49_b.html" in listing
    warning = [str(p) for p in result.problems if "differs" in p.message]
    assert warning and "a.txt" in warning[0] and "b.txt" in warning[0]
    citing = (folder / "03OTTAWA50.html").read_text()
    assert 'href="/cable/2003/01/03OTTAWA49.html"' in citing
    assert 'href="/cable/2003/01/03OTTAWA50.html"' in (folder / "03OTTAWA49_a.html").read_text()
    assert check_links(tmp_path / "site", Urls("/")).problems == []


def test_malformed_source_id_gets_a_redirect(tmp_path: Path) -> None:
    files = {"a.txt": [cable("09LIBREVILLE1895", JAN, raw_id="7575LIBREVILLE1895")]}
    make_site(tmp_path, files)
    build(tmp_path, files)
    redirect = read(tmp_path, "cable/2003/01/7575LIBREVILLE1895.html")
    assert 'content="0; url=/cable/2003/01/09LIBREVILLE1895.html"' in redirect
    assert "7575LIBREVILLE1895" in read(tmp_path, "diagnostics/index.html")
    assert check_links(tmp_path / "site", Urls("/")).problems == []


# --- safety ---------------------------------------------------------------------


def hostile_files() -> dict[str, list]:
    nasty = cable(
        "03OTTAWA49",
        JAN,
        subject=f"SUBJECT {HOSTILE}",
        tags=("PREL", "<script>", 'A"B', "../../etc", "javascript:x"),
        origin=f"Embassy {HOSTILE}",
        classification=f"SECRET {HOSTILE}",
        body=f"1. (C) {HOSTILE}",
        header=f"HEADER {HOSTILE}",
        summary=f"SUMMARY {HOSTILE}",
        references=(ref("A", None, f"REF {HOSTILE}"),),
        signers=(HOSTILE,),
        classified_by=(HOSTILE,),
        reasons=HOSTILE,
        declassify_on=HOSTILE,
    )
    return {"a.txt": [nasty]}


def test_hostile_cable_is_escaped_everywhere(tmp_path: Path) -> None:
    files = hostile_files()
    make_site(tmp_path, files)
    build(tmp_path, files)
    output = tmp_path / "site"
    for path, data in tree(output).items():
        if path.endswith((".db", ".wasm")):
            continue  # data and the vendored WebAssembly SQLite, not markup
        text = data.decode("utf-8")
        assert "<script>" not in text.lower(), path
        # in a real tag's attribute; escaped text showing such a link is fine
        assert not re.search(r"""<[a-z][^<>]*\shref\s*=\s*["']?\s*javascript:""", text.lower()), (
            path
        )
        # A raw quote may stand in text (Pygments 2.21 no longer escapes it
        # there); what matters is that no tag or attribute comes from input.
        if path.endswith(".xml"):
            ET.fromstring(data)  # still well-formed XML
        if path.endswith(".json"):
            json.loads(text)
    page = read(tmp_path, "cable/2003/01/03OTTAWA49.html")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;" in page
    feed = ET.fromstring(read(tmp_path, "feed.xml"))
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and summary.text == f"SUMMARY {HOSTILE}"
    assert check_links(output, Urls("/")).problems == []


def test_ids_and_tags_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    files = {
        "a.txt": [
            cable("../../../evil", JAN, tags=("../../x", "/etc/passwd", "..")),
            cable("..", None, tags=("a/b",)),
        ]
    }
    make_site(tmp_path / "s", files)
    build(tmp_path / "s", files)
    outside = {p for p in tmp_path.rglob("*") if "s" not in p.relative_to(tmp_path).parts[:1]}
    assert outside == set()
    for path in tree(tmp_path / "s" / "site"):
        assert ".." not in path.split("/"), path
    assert check_links(tmp_path / "s" / "site", Urls("/")).problems == []


def test_output_folder_that_would_wipe_the_site_is_refused(tmp_path: Path) -> None:
    files = small_archive()
    make_site(tmp_path, files)
    for output in (tmp_path, tmp_path / "content", tmp_path.parent):
        with pytest.raises(UserError, match="output"):
            build(tmp_path, files, output=output)


# --- base path --------------------------------------------------------------------


def test_base_path_everywhere(tmp_path: Path) -> None:
    files = small_archive()
    make_site(tmp_path, files)
    build(tmp_path, files, base_url="https://user.github.io/repo/")
    output = tmp_path / "site"
    for path, data in tree(output).items():
        if not path.endswith(".html"):
            continue
        text = data.decode()
        for link in re.findall(r'(?:href|src)="([^"]+)"', text):
            ok = link.startswith(("/repo/", "https://user.github.io/repo/", "#"))
            assert ok, (path, link)
    assert check_links(output, Urls("https://user.github.io/repo/")).problems == []
    assert "<loc>https://user.github.io/repo/cable/2003/01/03OTTAWA49.html</loc>" in read(
        tmp_path, "sitemap.xml"
    )
    assert "Sitemap: https://user.github.io/repo/sitemap.xml" in read(tmp_path, "robots.txt")


def test_pagination(tmp_path: Path) -> None:
    many = [cable(f"03OTTAWA{n}", datetime(2003, 1, 1 + n % 28)) for n in range(1, 8)]
    files = {"a.txt": many}
    make_site(tmp_path, files, "per_page = 3\n")
    build(tmp_path, files)
    assert (tmp_path / "site/tag/PREL/page/3/index.html").is_file()
    assert not (tmp_path / "site/tag/PREL/page/4").exists()
    second = read(tmp_path, "tag/PREL/page/2/index.html")
    assert 'rel="prev" href="/tag/PREL/"' in second
    assert 'rel="next" href="/tag/PREL/page/3/"' in second
    listed = sum(
        read(tmp_path, p).split('<ol class="cable-list">')[1].split("</ol>")[0].count("<li>")
        for p in ("tag/PREL/index.html", "tag/PREL/page/2/index.html", "tag/PREL/page/3/index.html")
    )
    assert listed == 7
    assert check_links(tmp_path / "site", Urls("/")).problems == []


def test_empty_site_builds(tmp_path: Path) -> None:
    make_site(tmp_path, {})
    result = build(tmp_path, {})
    assert result.cables == 0
    assert "No cables yet" in read(tmp_path, "index.html")
    assert check_links(tmp_path / "site", Urls("/")).problems == []
