"""Golden files: the exact HTML of a few pages, pinned.

A change to a template or to the page context shows up here as a diff to
review. When the change is intended, regenerate the files with

    CABLESITE_UPDATE_GOLDEN=1 python -m pytest tests/render/test_golden.py

and commit them with the change.
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime
from pathlib import Path

import pytest
from repo import GOLDEN
from sitekit import build, cable, make_site, ref

from generator.model import Paragraph

PAGES = [
    "cable/2003/01/03OTTAWA49.html",
    "tag/PREL/index.html",
    "index.html",
    "date/index.html",
    "feed.xml",
]


def golden_files() -> dict[str, list]:
    ottawa = cable(
        "03OTTAWA49",
        datetime(2003, 1, 7, 21, 2),
        subject="YOUR MEETING WITH CANADIAN DEFENSE MINISTER",
        tags=("PREL", "MARR", "CA"),
        references=(
            ref("A", "02OTTAWA3442", "(A) 02 OTTAWA 3442"),
            ref("B", "02OTTAWA3556", "(C) 02 OTTAWA 3556"),
            ref("C", None, "E-MAIL FROM POL/MIL OFFICER, JANUARY 3"),
        ),
        summary="Canada would join a UN-blessed operation against Iraq.",
        classified_by=("Charge d'Affaires Michael Gallagher",),
        reasons="1.5 (b) and (d)",
        declassify_on="2012-01-07",
        signers=("GALLAGHER",),
        header="C O N F I D E N T I A L SECTION 01 OF 02 OTTAWA 000049\n\nSIPDIS",
        body="1. (C) Canadian Defense Minister John McCallum is looking\nforward to your "
        "meeting.\n\n2. (U) -- first point;\n-- second point.",
        paragraphs=(
            Paragraph(
                1,
                "C",
                "Canadian Defense Minister John McCallum is looking\nforward to your meeting.",
            ),
            Paragraph(2, "U", "-- first point;\n-- second point."),
        ),
        partial=True,
    )
    cited = cable(
        "02OTTAWA3442",
        datetime(2002, 12, 16, 18, 30),
        tags=("PREL", "CA"),
        subject="NORAD PLANNING GROUP",
        classification="SECRET",
    )
    later = cable(
        "03OTTAWA311",
        datetime(2003, 2, 3, 15, 30),
        tags=("PREL", "IZ"),
        subject="CANADA WEIGHS ITS IRAQ OPTIONS",
        references=(ref("A", "03OTTAWA49"),),
        classification="UNCLASSIFIED",
    )
    return {"ottawa.txt": [ottawa], "older.txt": [cited], "later.txt": [later]}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    files = golden_files()
    make_site(root, files, 'title = "Golden archive"\nbase_url = "https://example.org/cables/"\n')
    build(root, files)
    return root / "site"


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_its_golden_file(site: Path, page: str) -> None:
    actual = (site / page).read_text(encoding="utf-8")
    golden = GOLDEN / page.replace("/", "__")
    if os.environ.get("CABLESITE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    if not golden.exists():
        pytest.fail(f"no golden file {golden.name}; run with CABLESITE_UPDATE_GOLDEN=1")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), "golden", "built", n=2
            )
        )
        pytest.fail(f"{page} differs from {golden.name}:\n{diff[:4000]}")
