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
  budget of issue 14), and the median page and text size;
* with ``--breakdown``: where the bytes of the median and the largest cable
  page (by ratio) go, part by part of the page (the head, the site's header,
  the metadata table, the text's characters and its markup…).

Budgets the figures are compared with (printed, not asserted; the test
``tests/render/test_budgets.py`` checks them on a small corpus): a cable
page at most 1.4 × its cable's text + 3 KB; the site (without ``data/``) at
most 2.2 × the cables' text.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
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
    page_paths: list[Path]

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
    paths: list[Path] = []
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
            paths.append(path)
    return Sizes(site_bytes, site_files, sum(text_by_id.values()), ratios, pages, texts, paths)


# --- where a cable page's bytes go ----------------------------------------------
#
# The parts of a cable page, by the element that opens them: its tag, and a
# class, id or aria-labelledby it carries ("" for any). An element of several
# parts takes the last; the innermost part an element is in counts its bytes,
# and an element of no part counts as "page frame". The default theme's parts,
# as it writes them now and as it wrote them before issue 14's cuts.
_PARTS: tuple[tuple[str, str, str], ...] = (
    ("head", "", "head"),
    ("script", "", "scripts"),
    ("a", "skip-link", "site header and navigation"),
    ("a", "skip", "site header and navigation"),
    ("header", "", "site header and navigation"),
    ("form", "", "search box"),
    ("footer", "", "footer"),
    ("header", "cable-header", "cable heading (kicker, title, notices)"),
    ("p", "kicker", "cable heading (kicker, title, notices)"),
    ("h1", "cable-title", "cable heading (kicker, title, notices)"),
    ("p", "notice", "cable heading (kicker, title, notices)"),
    ("table", "metadata", "metadata table"),
    ("ul", "tags", "metadata: tags and their meanings"),
    ("section", "summary", "summary"),
    ("section", "text", "text heading and view switch"),
    ("details", "routing", "routing header"),
    ("div", "cable-text", "text"),
    ("section", "references", "references"),
    ("section", "cited-by", "cited by"),
    ("nav", "neighbours", "neighbours"),
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _Parts(HTMLParser):
    """Bytes of one page by part; inside the text, characters apart from markup."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.stack: list[tuple[str, str]] = []  # (tag, part) of each open element
        self.marks: list[tuple[int, str]] = []  # (offset, part) where each token starts
        self.markup: Counter[str] = Counter()  # text markup bytes by tag.class
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _part(self) -> str:
        return self.stack[-1][1] if self.stack else "page frame"

    def _in_text(self, part: str) -> bool:
        return part in ("text", "routing header")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = set()
        for name, value in attrs:
            if name in ("class", "id", "aria-labelledby") and value:
                names.update(value.split())
        part = self._part()
        for wanted_tag, wanted_name, label in _PARTS:
            if tag == wanted_tag and (not wanted_name or wanted_name in names):
                part = label
        raw = self.get_starttag_text() or ""
        if self._in_text(part):
            self.markup[f"<{tag} {' '.join(sorted(n for n in names if not n[1:].isdigit()))}>"] += (
                len(raw) + (0 if tag in _VOID else len(tag) + 3)
            )
            self.marks.append((self._offset(), f"{part}: markup"))
        else:
            self.marks.append((self._offset(), part))
        if tag not in _VOID:
            self.stack.append((tag, part))

    def handle_endtag(self, tag: str) -> None:
        part = self._part()
        self.marks.append((self._offset(), f"{part}: markup" if self._in_text(part) else part))
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def _data(self) -> None:
        part = self._part()
        self.marks.append((self._offset(), f"{part}: characters" if self._in_text(part) else part))

    def handle_data(self, data: str) -> None:
        self._data()

    def handle_entityref(self, name: str) -> None:
        self._data()

    def handle_charref(self, name: str) -> None:
        self._data()

    def handle_decl(self, decl: str) -> None:
        self.marks.append((self._offset(), "head"))

    def sizes(self) -> Counter[str]:
        """UTF-8 bytes of each part (the offsets are in characters)."""
        out: Counter[str] = Counter()
        ends = [offset for offset, _ in self.marks[1:]] + [len(self.html)]
        for (start, part), end in zip(self.marks, ends, strict=True):
            out[part] += len(self.html[start:end].encode("utf-8"))
        return out


def breakdown(page: Path, text_bytes: int) -> None:
    """Print where the bytes of one cable page go."""
    html = page.read_text(encoding="utf-8")
    parts = _Parts(html)
    sizes = parts.sizes()
    total = sum(sizes.values())
    budget = PAGE_FACTOR * text_bytes + PAGE_ALLOWANCE
    print(f"\n{page.name}: {total:,} B for {text_bytes:,} B of text; budget {budget:,.0f} B")
    for part, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {size:7,} B  {100 * size / total:4.1f} %  {part}")
    print("  markup inside the text, by element:")
    for element, size in parts.markup.most_common(12):
        print(f"  {size:7,} B  {element}")


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


def show_breakdowns(sizes: Sizes) -> None:
    """The byte breakdown of the median page and of the largest, by their ratio to the budget."""
    if not sizes.page_ratios:
        return
    order = sorted(range(len(sizes.page_ratios)), key=sizes.page_ratios.__getitem__)
    for label, index in (("median", order[len(order) // 2]), ("largest", order[-1])):
        print(f"\nthe {label} page, {sizes.page_ratios[index]:.2f} x its budget:", end="")
        breakdown(sizes.page_paths[index], sizes.text_sizes[index])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="synthetic cables (default 1000)")
    beside = Path(sys.executable).with_name("cablesite")
    parser.add_argument("--cablesite", default=str(beside) if beside.exists() else "cablesite")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=None, help="folder for the site (kept)")
    parser.add_argument("--site", type=Path, help="measure this built site, no build")
    parser.add_argument("--content", type=Path, help="its cable files (with --site)")
    parser.add_argument(
        "--breakdown", action="store_true", help="where the median and largest page's bytes go"
    )
    args = parser.parse_args()
    if args.site:
        sizes = measure(args.site, args.content)
        report(sizes)
        if args.breakdown:
            show_breakdowns(sizes)
        return
    cables = cached_corpus(args.n)
    work = args.work or Path(tempfile.mkdtemp(prefix="cablesite-budget-"))
    root = site_folder(cables, work)
    print(f"{args.n:,} synthetic cables, {args.cablesite}, load {os.getloadavg()[0]:.1f}")
    wall, cpu = timed_build(args.cablesite, root, args.jobs)
    print(f"clean build: {wall:.1f} s wall, {cpu:.1f} s CPU; load after {os.getloadavg()[0]:.1f}")
    sizes = measure(root / "site", root / "content" / "cables")
    report(sizes)
    if args.breakdown:
        show_breakdowns(sizes)
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
