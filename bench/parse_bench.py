#!/usr/bin/env python3
"""Parse throughput: cables per second and MB per second, one process.

    python bench/parse_bench.py [--n 10000] [--repeat 3]

Measures `read_cables` (read, decode, detect, parse) over the dev corpus
(../shared/corpus/dev, four formats) and over a synthetic corpus made by
../shared/bench/make_corpus.py --format cable (cached in a temp folder).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from generator.parse import read_cables  # noqa: E402


def corpus_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".txt", ".html", ".csv", ".jsonl"}
    )


def synthetic(n: int) -> Path:
    out = Path(tempfile.gettempdir()) / f"cablesite-bench-cable-{n}"
    if not out.exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "bench" / "make_corpus.py"),
                "--n",
                str(n),
                "--out",
                str(out),
                "--format",
                "cable",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def measure(files: list[Path], repeat: int) -> tuple[int, int, float]:
    size = sum(f.stat().st_size for f in files)
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = sum(1 for f in files for _ in read_cables(f, on_problem=lambda p: None))
        best = min(best, time.perf_counter() - start)
    return count, size, best


def report(name: str, files: list[Path], repeat: int) -> None:
    count, size, seconds = measure(files, repeat)
    print(
        f"{name:28} {count:7} cables {size / 1e6:7.1f} MB  {seconds:6.2f} s  "
        f"{count / seconds:7.0f} cables/s  {size / 1e6 / seconds:5.1f} MB/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="synthetic cables (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args()
    dev = SHARED / "corpus" / "dev"
    if dev.exists():
        report("dev corpus (4 formats)", corpus_files(dev), args.repeat)
    report("synthetic --format cable", corpus_files(synthetic(args.n)), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
