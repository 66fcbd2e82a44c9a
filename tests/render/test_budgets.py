"""Page budgets (issue 14), on a small synthetic corpus built for real.

The issue's budgets: a cable page at most 1.4 × its cable's text + 3 KB; the
whole site (without ``data/``) at most 2.2 × the cables' text at 50,000
cables. ``bench/page_budget.py`` measures both at any size. Here, 300
synthetic cables are built and every cable page is held to its budget; the
whole-site ratio, which falls as the corpus grows (an index page's frame is
shared by more cables), is held to what this corpus gives with the pages the
budget allows (measured: 2.95 at 300 cables, 2.55 at 10,000, 2.58 at 50,000).
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


def test_cable_pages_hold_what_this_branch_reached(built: tuple[Path, Path]) -> None:
    """The text once: a page is about its budget (before: 1.9 times it, median)."""
    ratios = _ratios(*built)
    assert statistics.median(ratios.values()) <= 1.08
    assert max(ratios.values()) <= 1.3, max(ratios.items(), key=lambda item: item[1])


@pytest.mark.xfail(
    strict=True,
    reason="not reached yet: the median page is 1.04 x its budget, the largest 1.25 x"
    " (metadata, references and navigation take 4-5 KB, not 3)",
)
def test_cable_pages_within_the_issue_budget(built: tuple[Path, Path]) -> None:
    ratios = _ratios(*built)
    over = {key: round(ratio, 2) for key, ratio in ratios.items() if ratio > 1}
    assert not over, f"{len(over)} of {len(ratios)} pages over budget"


def test_the_site_is_under_three_times_and_a_tenth_the_text(built: tuple[Path, Path]) -> None:
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
    # 3.04 with the search box in every page's header (#11).
    assert weight <= 3.1 * text, f"{weight / text:.2f} x the text"


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
