"""The dev corpus imported builds the same site as the dev corpus built directly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.engine.builder import build_site
from generator.importing.command import run_import
from generator.parse import read_cables

# A cable page names the file it was read from; that is the one expected change.
_SOURCE_FILE = re.compile(rb"content/cables/[^<\"'\s]*")


def make_site(root: Path) -> Path:
    (root / "content" / "pages").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Dev corpus"\n', encoding="utf-8")
    return root / "content" / "cables"


def pages(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): _SOURCE_FILE.sub(b"SOURCE", p.read_bytes())
        for p in site.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_sites(dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    direct = tmp_path_factory.mktemp("direct")
    make_site(direct).symlink_to(dev_corpus, target_is_directory=True)
    imported = tmp_path_factory.mktemp("imported")
    report = run_import([dev_corpus], make_site(imported), progress=False)
    assert report.imported == 500
    return build_site(direct).output, build_site(imported).output


def known_parser_gaps(dev_corpus: Path, into: Path) -> set[str]:
    """Cable pages the parser cannot yet give back identically from a text file.

    Viewer pages whose header block is the "partial extract" note (the text
    reader marks those partial, the page reader does not), and cables whose
    routing header the parser cannot tell from the body without a hint.
    """
    gaps = set()
    for source in dev_corpus.rglob("*"):
        for cable in read_cables(source, on_problem=lambda _: None) if source.is_file() else ():
            month = f"{cable.created:%Y/%m}"
            back = next(read_cables(into / month / f"{cable.id}.txt"))
            if (back.header, back.partial) != (cable.header, cable.partial):
                gaps.add(f"cable/{month}/{cable.id}.html")
    return gaps


def test_the_same_pages_are_built(two_sites: tuple[Path, Path]) -> None:
    direct, imported = two_sites

    assert sorted(pages(imported)) == sorted(pages(direct))


def test_index_pages_are_identical(two_sites: tuple[Path, Path]) -> None:
    direct, imported = (pages(site) for site in two_sites)

    differing = [
        name
        for name in direct
        # (data/cables.db records each cable's source file, which importing changes)
        if not name.startswith(("cable/", "diagnostics/", "data/"))
        and direct[name] != imported[name]
    ]
    assert differing == []


def test_cable_pages_are_identical_but_for_their_source_file(
    two_sites: tuple[Path, Path], dev_corpus: Path
) -> None:
    direct, imported = (pages(site) for site in two_sites)
    gaps = known_parser_gaps(dev_corpus, two_sites[1].parent / "content" / "cables")

    differing = [
        name
        for name in direct
        if name.startswith("cable/") and direct[name] != imported[name] and name not in gaps
    ]
    assert differing == []
    assert len(gaps) < 120  # 96 partial extracts and a few headers, out of 500
