"""Incremental builds on hand-built cables: exactly the pages whose inputs changed.

Each test builds a small archive, changes one thing, builds again, and
checks both the set of files the second build rewrote and that the output
is byte for byte what a clean build of the new state gives.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from repo import DEFAULT_THEME
from sitekit import build, cable, make_site, ref, tree

from generator.engine.builder import BuildResult
from generator.parse import title_case

A_DATE = datetime(2003, 1, 7, 21, 2)


def archive() -> dict[str, list]:
    """A cites B, C cites A, D is A's neighbour (same origin), E stands apart."""
    return {
        "a.txt": [cable("03OTTAWA49", A_DATE, references=(ref("A", "02OTTAWA3442"),))],
        "b.txt": [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",))],
        "c.txt": [
            cable(
                "03OTTAWA311",
                datetime(2003, 2, 3),
                tags=("MARR",),
                references=(ref("A", "03OTTAWA49"),),
            )
        ],
        "d.txt": [cable("03OTTAWA20", datetime(2003, 1, 3), tags=("MARR",))],
        "e.txt": [
            cable(
                "04PARIS1",
                datetime(2004, 5, 1),
                origin="Embassy Paris",
                station="PARIS",
                classification="SECRET",
                tags=("KPAL",),
            )
        ],
    }


def rebuild_and_compare(root: Path, files: dict[str, list], tmp_path: Path) -> BuildResult:
    """Build `root` incrementally; check it against a clean build of the same files."""
    result = build(root, files)
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    make_site(clean, files, (root / "site.toml").read_text(encoding="utf-8"))
    if (root / "templates").is_dir():
        shutil.copytree(root / "templates", clean / "templates")
    build(clean, files, clean=True)
    assert tree(root / "site") == tree(clean / "site")
    return result


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site-root"
    files = archive()
    make_site(root, files)
    first = build(root, files)
    assert first.kind == "full"
    return root


def test_the_first_build_is_full_and_the_next_incremental(site: Path) -> None:
    result = build(site, archive())
    assert result.kind == "incremental"
    assert (result.written, result.rendered, result.removed) == (0, 0, 0)
    assert result.changed == frozenset()


def test_an_edited_subject_rewrites_its_page_and_the_pages_that_show_it(
    site: Path, tmp_path: Path
) -> None:
    files = archive()
    files["a.txt"] = [
        cable(
            "03OTTAWA49",
            A_DATE,
            subject="A NEW SUBJECT",
            references=(ref("A", "02OTTAWA3442"),),
        )
    ]
    result = rebuild_and_compare(site, files, tmp_path)
    assert result.changed == {
        "cable/2003/01/03OTTAWA49.html",  # the cable itself
        "cable/2002/12/02OTTAWA3442.html",  # cited by it: shows it under "Referenced by"
        "cable/2003/02/03OTTAWA311.html",  # cites it, and is its next neighbour
        "cable/2003/01/03OTTAWA20.html",  # its previous neighbour
        "tag/PREL/index.html",
        "tag/CA/index.html",
        "origin/embassy-ottawa/index.html",
        "date/2003/01/index.html",
        "classification/confidential/index.html",
        "index.html",  # the newest cables
        "feed.xml",
        "data/cables.db",  # its row
    }
    assert title_case("A NEW SUBJECT") in (site / "site/tag/PREL/index.html").read_text()


def test_an_edited_text_rewrites_the_cable_page_alone(site: Path, tmp_path: Path) -> None:
    files = archive()
    files["e.txt"] = [
        cable(
            "04PARIS1",
            datetime(2004, 5, 1),
            origin="Embassy Paris",
            station="PARIS",
            classification="SECRET",
            tags=("KPAL",),
            body="1. (S) Another text altogether.",
        )
    ]
    result = rebuild_and_compare(site, files, tmp_path)
    # The feed shows summaries; this cable has none, so only its page (and its row) changes.
    assert result.changed == {"cable/2004/05/04PARIS1.html", "data/cables.db"}


def test_a_deleted_cable_disappears_everywhere(site: Path, tmp_path: Path) -> None:
    files = archive()
    del files["a.txt"]
    (site / "content/cables/a.txt").unlink()
    result = rebuild_and_compare(site, files, tmp_path)
    assert "cable/2003/01/03OTTAWA49.html" in result.changed
    assert not (site / "site/cable/2003/01/03OTTAWA49.html").exists()
    for path, data in tree(site / "site").items():
        if (
            path.startswith(("missing/", "diagnostics/"))
            or path == "cable/2003/02/03OTTAWA311.html"
        ):
            continue  # where a cited cable that is not in the archive is named
        if path == "data/cables.db":
            assert b"('03OTTAWA311', '03OTTAWA49', 0)" in data  # cited, not in the archive
            data = data.replace(b"('03OTTAWA311', '03OTTAWA49', 0)", b"")
        assert b"03OTTAWA49" not in data, path
    citing = (site / "site/cable/2003/02/03OTTAWA311.html").read_text()
    assert 'href="/cable/2003/01/03OTTAWA49.html"' not in citing
    assert "03OTTAWA49" in (site / "site/missing/index.html").read_text()


def test_a_renamed_tag_moves_the_cable_and_removes_the_empty_page(
    site: Path, tmp_path: Path
) -> None:
    files = archive()
    files["e.txt"] = [
        cable(
            "04PARIS1",
            datetime(2004, 5, 1),
            origin="Embassy Paris",
            station="PARIS",
            classification="SECRET",
            tags=("KISL",),
        )
    ]
    result = rebuild_and_compare(site, files, tmp_path)
    assert not (site / "site/tag/KPAL").exists()
    assert "04PARIS1" in (site / "site/tag/KISL/index.html").read_text()
    assert {"tag/KPAL/index.html", "tag/KISL/index.html"} <= result.changed
    assert result.removed == 1


def test_a_template_change_rewrites_the_pages_that_use_it(site: Path, tmp_path: Path) -> None:
    (site / "templates").mkdir()
    source = DEFAULT_THEME / "templates/list.html"
    text = source.read_text(encoding="utf-8")
    (site / "templates/list.html").write_text(text.replace("newest first", "newest on top"))
    result = rebuild_and_compare(site, archive(), tmp_path)
    lists = {
        p
        for p in tree(site / "site")
        if p.startswith(("tag/", "origin/", "date/2", "classification/"))
    }
    lists -= {"tag/index.html", "origin/index.html", "classification/index.html"}
    assert result.changed == lists


def test_a_config_change_rewrites_what_shows_it(site: Path, tmp_path: Path) -> None:
    (site / "site.toml").write_text('title = "Renamed archive"\n', encoding="utf-8")
    result = rebuild_and_compare(site, archive(), tmp_path)
    # The title is in every page's <title> and header.
    assert {p for p in result.changed if p.endswith(".html")} == {
        p for p in tree(site / "site") if p.endswith(".html")
    }


def test_a_new_cable_with_a_new_tag(site: Path, tmp_path: Path) -> None:
    files = archive()
    files["f.txt"] = [cable("05PARIS9", datetime(2005, 1, 1), tags=("ZZNEW",))]
    (site / "content/cables/f.txt").write_text("placeholder\n")
    result = rebuild_and_compare(site, files, tmp_path)
    assert "tag/ZZNEW/index.html" in result.changed
    assert "cable/2005/01/05PARIS9.html" in result.changed
    # Cables unrelated to it keep their pages.
    assert "cable/2002/12/02OTTAWA3442.html" not in result.changed


def test_duplicates_and_variants_come_and_go(site: Path, tmp_path: Path) -> None:
    files = archive()
    # An identical copy of E: E's page lists it; then a differing one: E_a and E_b.
    files["z-copy.txt"] = list(files["e.txt"])
    (site / "content/cables/z-copy.txt").write_text("placeholder\n")
    rebuild_and_compare(site, files, tmp_path)
    assert "z-copy.txt" in (site / "site/cable/2004/05/04PARIS1.html").read_text()
    files["z-copy.txt"] = [
        cable("04PARIS1", datetime(2004, 5, 1), tags=("KPAL",), body="1. (U) A different text.")
    ]
    rebuild_and_compare(site, files, tmp_path)
    assert (site / "site/cable/2004/05/04PARIS1_a.html").is_file()
    assert (site / "site/cable/2004/05/04PARIS1_b.html").is_file()
    del files["z-copy.txt"]
    (site / "content/cables/z-copy.txt").unlink()
    rebuild_and_compare(site, files, tmp_path)
    assert not (site / "site/cable/2004/05/04PARIS1_a.html").exists()
    assert (site / "site/cable/2004/05/04PARIS1.html").is_file()


def test_clean_ignores_the_state(site: Path) -> None:
    result = build(site, archive(), clean=True)
    assert result.kind == "full" and result.rendered == result.pages
    assert result.written == 0  # the same bytes: the files are kept as they are
