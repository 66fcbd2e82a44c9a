#!/usr/bin/env python3
"""Build time and peak memory of `cablesite build`, on the dev corpus and synthetic corpora.

    python3 bench/site_build.py                  # dev corpus + 10,000 synthetic cables
    python3 bench/site_build.py --sizes 1000 50000 --no-dev

Each corpus is built twice in a fresh site folder whose content/cables links
to it: a clean build, then a rebuild of the same input (which rewrites
nothing). Peak RSS comes from /usr/bin/time -v when it is installed, else
from the child's rusage. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEV = SHARED / "corpus" / "dev"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"
GNU_TIME = Path("/usr/bin/time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--no-dev", action="store_true", help="skip the dev corpus")
    parser.add_argument("--work", type=Path, help="folder for corpora and sites (default: temp)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="cablesite-bench-"))
    rows = []
    if not args.no_dev and DEV.is_dir():
        rows.append(("dev corpus", *measure(DEV, work / "site-dev")))
    for size in args.sizes:
        corpus = work / f"corpus-{size}"
        if not corpus.is_dir():
            make = [sys.executable, str(MAKE_CORPUS), "--n", str(size), "--out", str(corpus)]
            subprocess.run(
                [*make, "--format", "cable"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        rows.append((f"{size:,} synthetic", *measure(corpus, work / f"site-{size}")))

    print(f"\ncablesite build on {os.cpu_count()} core(s), Python {sys.version.split()[0]}")
    header = ("corpus", "cables", "pages", "clean build", "CPU", "peak RSS", "rebuild", "output")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def measure(corpus: Path, root: Path) -> tuple[str, ...]:
    (root / "content").mkdir(parents=True, exist_ok=True)
    link = root / "content" / "cables"
    if not link.exists():
        link.symlink_to(corpus.resolve(), target_is_directory=True)
    clean, cpu, rss, summary = run_build(root, "--clean")
    rebuild, _, _, _ = run_build(root)
    found = re.search(r"(\d+) cable\(s\) from \d+ file\(s\), (\d+) page\(s\)", summary)
    cables, pages = found.groups() if found else ("?", "?")
    size = sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file())
    return (
        f"{int(cables):,}" if cables != "?" else cables,
        f"{int(pages):,}" if pages != "?" else pages,
        f"{clean:.1f} s",
        f"{cpu:.1f} s",
        f"{rss / 1024:.0f} MB",
        f"{rebuild:.1f} s",
        f"{size / 1e6:.0f} MB",
    )


def run_build(root: Path, *extra: str) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in KiB, summary line) of one build.

    CPU time is reported too because wall time on a shared machine varies
    with whatever else runs; the CPU the build itself used does much less.
    """
    command = [sys.executable, "-m", "generator.cli", "build", "-q", *extra]
    use_time = GNU_TIME.exists()
    if use_time:
        command = [str(GNU_TIME), "-v", *command]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if use_time:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        rss = int(found.group(1)) if found else 0
    else:
        rss = after.ru_maxrss
    return elapsed, cpu, rss, done.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())
