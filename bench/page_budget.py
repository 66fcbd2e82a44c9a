#!/usr/bin/env python3
"""Page budgets: how many bytes a built site spends per byte of cable text, and the build's time.

    python3 bench/page_budget.py --n 50000 [--cablesite PATH] [--jobs 2] [--work DIR]
    python3 bench/page_budget.py --site DIR/site --content DIR/content/cables   # no build

Builds ``--n`` synthetic cables (``../shared/bench/make_corpus.py --format
cable``, cached in ``$TMPDIR/cablesite-bench-cable-N``, hard-linked into a
fresh site folder) with ``cablesite build --clean`` (any install: ``--cablesite``
takes the command of another venv, for a before/after), then prints

* the clean build's wall and CPU seconds (the build and every worker, from
  wait4) and the machine's load average before and after;
* the whole site's size without ``data/`` and its file count, against the
  cables' text (each cable file's bytes);
* cable pages: their median and largest ratio to ``1.4 × text + 3 KB`` (the
  budget of issue 14), and the median page and text size.

Budgets the figures are compared with (printed, not asserted; the test
``tests/render/test_budgets.py`` checks them on a small corpus): a cable
page at most 1.4 × its cable's text + 3 KB; the site (without ``data/``) at
most 2.2 × the cables' text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchkit import cached_corpus

PAGE_FACTOR, PAGE_ALLOWANCE = 1.4, 3 * 1024
SITE_FACTOR = 2.2


@dataclass(frozen=True)
class Sizes:
    """What a built site weighs against the cables' text."""

    site_bytes: int
    site_files: int
    text_bytes: int
    page_ratios: list[float]  # each cable page's bytes / its budget
    page_bytes: list[int]
    text_sizes: list[int]

    @property
    def site_ratio(self) -> float:
        return self.site_bytes / self.text_bytes


def site_folder(cables: Path, work: Path) -> Path:
    root = work / "site-root"
    if root.exists():
        shutil.rmtree(root)
    target = root / "content" / "cables"
    target.mkdir(parents=True)
    for path in cables.iterdir():
        if path.is_file():
            os.link(path, target / path.name)
    (root / "site.toml").write_text('title = "Budget bench"\n', encoding="utf-8")
    return root


def timed_build(command: str, root: Path, jobs: int | None) -> tuple[float, float]:
    """Wall and CPU seconds of a clean build (CPU of the build and all it waited for)."""
    args = [command, "build", "--clean", "-q", "-C", str(root)]
    if jobs:
        args += ["-j", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(site: Path, cables: Path) -> Sizes:
    """Sizes of `site` (without data/) against the text of the cable files in `cables`."""
    text_by_id = {p.stem: p.stat().st_size for p in cables.iterdir() if p.is_file()}
    site_bytes = site_files = 0
    ratios: list[float] = []
    pages: list[int] = []
    texts: list[int] = []
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(site).parts
        if relative[0] == "data":
            continue
        size = path.stat().st_size
        site_bytes += size
        site_files += 1
        if relative[0] == "cable" and path.suffix == ".html" and path.stem in text_by_id:
            text = text_by_id[path.stem]
            ratios.append(size / (PAGE_FACTOR * text + PAGE_ALLOWANCE))
            pages.append(size)
            texts.append(text)
    return Sizes(site_bytes, site_files, sum(text_by_id.values()), ratios, pages, texts)


def report(sizes: Sizes) -> None:
    mb = 1024 * 1024
    print(
        f"site without data/: {sizes.site_bytes / mb:,.1f} MiB in {sizes.site_files:,} files;"
        f" cables' text {sizes.text_bytes / mb:,.1f} MiB;"
        f" {sizes.site_ratio:.2f}x the text (budget {SITE_FACTOR}x)"
    )
    if sizes.page_ratios:
        print(
            f"cable pages: {len(sizes.page_ratios):,}; median page {statistics.median(sizes.page_bytes):,.0f} B"
            f" for median text {statistics.median(sizes.text_sizes):,.0f} B;"
            f" page / (1.4 x text + 3 KB): median {statistics.median(sizes.page_ratios):.2f},"
            f" largest {max(sizes.page_ratios):.2f} (budget 1.00)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="synthetic cables (default 1000)")
    beside = Path(sys.executable).with_name("cablesite")
    parser.add_argument("--cablesite", default=str(beside) if beside.exists() else "cablesite")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=None, help="folder for the site (kept)")
    parser.add_argument("--site", type=Path, help="measure this built site, no build")
    parser.add_argument("--content", type=Path, help="its cable files (with --site)")
    args = parser.parse_args()
    if args.site:
        report(measure(args.site, args.content))
        return
    cables = cached_corpus(args.n)
    work = args.work or Path(tempfile.mkdtemp(prefix="cablesite-budget-"))
    root = site_folder(cables, work)
    print(f"{args.n:,} synthetic cables, {args.cablesite}, load {os.getloadavg()[0]:.1f}")
    wall, cpu = timed_build(args.cablesite, root, args.jobs)
    print(f"clean build: {wall:.1f} s wall, {cpu:.1f} s CPU; load after {os.getloadavg()[0]:.1f}")
    report(measure(root / "site", root / "content" / "cables"))
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
