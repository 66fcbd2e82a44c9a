#!/usr/bin/env python3
"""The build engine on synthetic corpora: clean, no-op, one-edit and preview rebuilds.

    python3 bench/engine_bench.py                        # 10,000 cables
    python3 bench/engine_bench.py --sizes 10000 50000 251052 --work /tmp/engine-bench

For each size, in a site folder whose content/cables links to a corpus made
by ../shared/bench/make_corpus.py --format cable (made once, kept in WORK):

* ``cablesite build --clean`` in a fresh site: wall time, CPU time (the
  build and its workers) and peak memory, the sum of the proportional set
  sizes (PSS) of the process tree, sampled every 50 ms — PSS counts a page
  shared by the build and its forked workers once, where summing resident
  sets would count it three times;
* a no-op ``cablesite build``;
* one cable's SUBJECT edited, ``cablesite build`` (a new process: the state
  and the last full pass's snapshot come from disk; a quick rebuild);
* the preview's rebuilds: a ``Builder(keep=True)`` (as ``cablesite serve``
  runs it) makes its full pass, then the same cable is saved four times and
  rebuilt with the watcher's list of changed files; the median is shown.

Figures are printed, never asserted. CPU time is shown because the machine
may be shared: wall time depends on what else runs, CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
SUMMARY = re.compile(r"\((\d+) written")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--work", type=Path, help="folder for corpora and sites (default: temp)")
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per CPU)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cablesite-engine-"))
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = [measure(size, work, extra) for size in args.sizes]
    print(f"\ncablesite build engine on {os.cpu_count()} core(s), Python {sys.version.split()[0]}")
    header = (
        "cables",
        "clean build",
        "CPU",
        "peak PSS",
        "no-op",
        "no-op CPU",
        "one edit",
        "one edit CPU",
        "written",
        "preview edit",
        "preview CPU",
    )
    print("| " + " | ".join(header) + " |")
    print("|---:" * len(header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def measure(size: int, work: Path, extra: list[str]) -> tuple[str, ...]:
    corpus = work / f"corpus-{size}"
    if not corpus.is_dir():
        command = [sys.executable, str(MAKE_CORPUS), "--n", str(size), "--out", str(corpus)]
        subprocess.run([*command, "--format", "cable"], check=True, stdout=subprocess.DEVNULL)
    site = work / f"site-{size}"
    subprocess.run(["rm", "-rf", str(site)], check=True)
    (site / "content").mkdir(parents=True)
    (site / "content" / "cables").symlink_to(corpus.resolve(), target_is_directory=True)
    (site / "site.toml").write_text(f'title = "Engine bench, {size:,} cables"\n')
    print(f"{size:,} cables in {site}", file=sys.stderr, flush=True)

    clean = run(site, "--clean", *extra)
    run(site, *extra)  # files written during the clean build are hashed once
    noop = run(site, *extra)
    target = sorted(corpus.iterdir())[len(os.listdir(corpus)) // 3]
    original = target.read_bytes()
    try:
        target.write_bytes(_edited(original, "EDITED"))
        edit = run(site, *extra)
        target.write_bytes(original)
        run(site, *extra)
        preview, preview_cpu = preview_edits(site, target, original)
    finally:
        target.write_bytes(original)
    return (
        f"{size:,}",
        f"{clean.wall:.1f} s",
        f"{clean.cpu:.0f} s",
        f"{clean.pss / 1024:.0f} MB",
        f"{noop.wall:.2f} s",
        f"{noop.cpu:.2f} s",
        f"{edit.wall:.2f} s",
        f"{edit.cpu:.2f} s",
        str(edit.written),
        f"{preview:.3f} s",
        f"{preview_cpu:.3f} s",
    )


class Run:
    def __init__(self, wall: float, cpu: float, pss: int, written: int) -> None:
        self.wall, self.cpu, self.pss, self.written = wall, cpu, pss, written


def run(site: Path, *args: str) -> Run:
    """One `cablesite build` in `site`: wall, CPU (with workers), peak PSS of the tree (KiB)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "generator.cli", "build", "-q", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_pss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode:
        raise SystemExit(f"build failed in {site}")
    found = SUMMARY.search(out)
    return Run(wall, cpu, peak[0], int(found.group(1)) if found else -1)


def tree_pss(pid: int) -> int:
    """The PSS of a process and its descendants, in KiB."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            total += sum(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(child) for child in handle.read().split()]
    except OSError:
        return total
    return total + sum(tree_pss(child) for child in children)


def preview_edits(site: Path, target: Path, original: bytes) -> tuple[float, float]:
    """Median wall and CPU time of a preview's rebuild after one save (in this process)."""
    import warnings

    sys.path.insert(0, str(REPO))
    from generator.engine.builder import Builder, BuildOptions

    warnings.simplefilter("ignore")
    builder = Builder(site, keep=True)
    builder.build(BuildOptions())
    walls, cpus = [], []
    for number in range(4):
        target.write_bytes(_edited(original, f"SAVED {number}"))
        wall, cpu = time.perf_counter(), time.process_time()
        result = builder.build(BuildOptions(), hint=frozenset({target.resolve()}))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert result.kind == "quick", result.kind
    return statistics.median(walls), statistics.median(cpus)


def _edited(text: bytes, word: str) -> bytes:
    return re.sub(rb"^SUBJECT: ", b"SUBJECT: " + word.encode() + b" ", text, count=1, flags=re.M)


if __name__ == "__main__":
    sys.exit(main())
