"""Page budgets (issue 14), on a small synthetic corpus built for real.

The issue's budgets: a cable page at most 1.4 × its cable's text + 3 KB; the
whole site (without ``data/``) at most 2.2 × the cables' text at 50,000
cables. ``bench/page_budget.py`` measures both at any size. Here, 300
synthetic cables are built and every cable page is held to its budget; the
whole-site ratio, which falls as the corpus grows (an index page's frame is
shared by more cables), is held to what this corpus gives with the pages the
budget allows (measured: 2.47 at 300 cables, 2.14 at 10,000; the issue's
2.2 is for 50,000, see bench/README.md).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from repo import synthetic_cables

from generator.engine.builder import BuildOptions, build_site

CABLES = 300
PAGE_FACTOR, PAGE_ALLOWANCE = 1.4, 3 * 1024


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("budget")
    cables = synthetic_cables(root / "content" / "cables", CABLES)
    (root / "site.toml").write_text('title = "Budget"\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(root, BuildOptions())
    return root / "site", cables


def _ratios(site: Path, cables: Path) -> dict[str, float]:
    """Each cable page's bytes over its budget (1.4 × the cable file's bytes + 3 KB)."""
    text = {p.stem: p.stat().st_size for p in cables.iterdir()}
    return {
        page.stem: page.stat().st_size / (PAGE_FACTOR * text[page.stem] + PAGE_ALLOWANCE)
        for page in (site / "cable").rglob("*.html")
        if page.stem in text
    }


def test_every_cable_page_is_measured(built: tuple[Path, Path]) -> None:
    site, cables = built
    assert len(_ratios(site, cables)) == CABLES


def test_the_median_cable_page_keeps_its_margin(built: tuple[Path, Path]) -> None:
    """A typical page is well inside its budget (0.88 of it; 1.9 times it when the
    text was on the page twice, 1.06 with the frame before issue 14's cuts)."""
    assert statistics.median(_ratios(*built).values()) <= 0.9


def test_cable_pages_within_the_issue_budget(built: tuple[Path, Path]) -> None:
    """Every page, the ones with most references, citing cables and tags included
    (the largest is 0.998 of its budget: a frame that grows shows here first)."""
    ratios = _ratios(*built)
    over = {key: round(ratio, 3) for key, ratio in ratios.items() if ratio > 1}
    assert not over, f"{len(over)} of {len(ratios)} pages over budget: {over}"


def test_the_site_is_under_two_and_a_half_times_the_text(built: tuple[Path, Path]) -> None:
    site, cables = built
    text = sum(p.stat().st_size for p in cables.iterdir())
    weight = sum(
        p.stat().st_size
        for p in site.rglob("*")
        # Without data/ (the issue's budget) and static/: the theme's files (1.3 MB,
        # most of it the search page's WebAssembly SQLite) are the same for any
        # archive, and would swamp 300 cables' pages.
        if p.is_file() and p.relative_to(site).parts[0] not in ("data", "static")
    )
    # 2.47 (3.04 before issue 14's cuts to the frame).
    assert weight <= 2.5 * text, f"{weight / text:.2f} x the text"


def test_budget_bench_runs_on_this_site(built: tuple[Path, Path]) -> None:
    site, cables = built
    bench = Path(__file__).resolve().parents[2] / "bench" / "page_budget.py"
    out = subprocess.run(
        [sys.executable, str(bench), "--site", str(site), "--content", str(cables)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"cable pages: {CABLES:,};" in out and "x the text" in out
