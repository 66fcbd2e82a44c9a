#!/usr/bin/env python3
"""The fastest a clean build could be on this machine: a floor under the build's time.

    python3 bench/floor_bench.py [--sample 3000] [--page-bytes 18400] [--rounds 3]
                                 [--sizes 50000,251052] [--cores N] [--hugo N=SECONDS]

A clean build cannot do less than three things for each cable, whatever
the rest of the engine costs:

- parse its file (cablesite's parser, `read_cables` on bytes already read:
  no hashing, no cache, no HTML);
- index its subject, summary and text in the archive's full-text index
  (SQLite FTS5 with the database's tokenizer, contentless, every row in one
  transaction through `executemany`: SQLite's own C code, none of ours);
- highlight its routing header and body with the cable lexer, which the
  page must show (`highlight_tokens`, the compiled fast path);
- create its page: a file of `--page-bytes` (the size a cable page has at
  251,052 cables in `bench/scale_bench.py`), written with one `os.write`,
  2,500 to a folder as the site's months hold them, in a fresh folder.

This measures each of them on this machine (CPU seconds: user and system
time of this process, so the kernel's work of creating a file counts) and
prints what they add up to at each of `--sizes`, divided among `--cores`
(default: this machine's): no build of that many cables can take less wall
time here. Creating files costs what the file system says on the day, so
it is measured `--rounds` times, each round in a folder of its own, and the
floor uses the cheapest round. The rounds' files are deleted only at the
end: on ext4 without a journal (this machine's root), a file created within
a minute or so of many deletions costs several times as much (the inode
allocator skips every recently deleted inode, reading each one's deletion
time), and a build does not create its pages right after a deletion. The
parse and the highlighting are cablesite's own code (each tuned over
several rounds, bench/README.md); the others are the least the kernel and
SQLite take. Nothing else a build does is counted: hashing, the page's
template, the archive's indexes, the rest of the database. With `--hugo
N=SECONDS` (Hugo's clean build of N cables, from scale_bench), the floor at
N is set beside half of it: the time a build 2× Hugo's speed must take.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from benchkit import cached_corpus  # noqa: E402

from generator.database.rows import cable_text, indexed_values  # noqa: E402
from generator.database.schema import TOKENIZER  # noqa: E402
from generator.parse import read_cables  # noqa: E402
from generator.render.highlight import highlight_tokens  # noqa: E402

PER_FOLDER = 2500


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parse_cost(files: list[tuple[Path, bytes]]) -> tuple[float, list]:
    """CPU seconds a cable to parse `files` (the better of two runs), and the cables."""
    cables: list = []
    best = float("inf")
    for _ in range(2):
        cables = []
        start = cpu_seconds()
        for path, data in files:
            cables.extend(read_cables(path, on_problem=lambda _problem: None, data=data))
        best = min(best, cpu_seconds() - start)
    return best / len(files), cables


def index_cost(cables: list, folder: Path) -> float:
    """CPU seconds a cable for SQLite to index the cables' text (the better of two runs)."""
    rows = [indexed_values(cable_text(cable)) for cable in cables]
    best = float("inf")
    for run in range(2):
        path = folder / f"floor-{run}.db"
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(
            "CREATE VIRTUAL TABLE search USING fts5 "
            f"(subject, summary, text, content = '', tokenize = '{TOKENIZER}')"
        )
        start = cpu_seconds()
        with db:
            db.executemany("INSERT INTO search VALUES (?, ?, ?)", rows)
        best = min(best, cpu_seconds() - start)
        db.close()
        path.unlink()
    return best / len(rows)


def highlight_cost(cables: list) -> float:
    """CPU seconds a cable to highlight its header and body (the better of two runs)."""
    texts = [(cable.header, cable.body) for cable in cables]
    best = float("inf")
    for _ in range(2):
        start = cpu_seconds()
        for header, body in texts:
            if header:
                highlight_tokens(header)
            highlight_tokens(body)
        best = min(best, cpu_seconds() - start)
    return best / len(texts)


def file_costs(count: int, size: int, rounds: int, folder: Path) -> list[tuple[float, float]]:
    """(CPU, wall) seconds a file to create `count` files of `size` bytes, each round."""
    data = os.urandom(size)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    costs = []
    for run in range(rounds):
        top = folder / f"pages-{run}"
        top.mkdir()
        start_cpu, start = cpu_seconds(), time.perf_counter()
        for n in range(count):
            if n % PER_FOLDER == 0:
                where = f"{top}/{n // PER_FOLDER}"
                os.mkdir(where)
            fd = os.open(f"{where}/{n}.html", flags, 0o666)
            os.write(fd, data)
            os.close(fd)
        costs.append(((cpu_seconds() - start_cpu) / count, (time.perf_counter() - start) / count))
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=3000, help="synthetic cables measured")
    parser.add_argument("--page-bytes", type=int, default=18_400)
    parser.add_argument("--files", type=int, default=20_000, help="files created a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="50000,251052")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hugo", help="N=SECONDS: Hugo's clean build of N cables")
    parser.add_argument("--corpus", type=Path, help="a folder of cables (default: synthetic)")
    args = parser.parse_args()

    corpus = args.corpus or cached_corpus(args.sample)
    names = sorted(os.listdir(corpus))[: args.sample]
    files = [(corpus / name, (corpus / name).read_bytes()) for name in names]
    parse, cables = parse_cost(files)
    highlight = highlight_cost(cables)
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as scratch:
        index = index_cost(cables, Path(scratch))
        writes = file_costs(args.files, args.page_bytes, args.rounds, Path(scratch))
    write = min(cpu for cpu, _ in writes)

    print(f"corpus {corpus}: {len(files):,} files, {len(cables):,} cables")
    print(f"parse          {parse * 1e6:7.0f} µs CPU a cable")
    print(f"full-text index{index * 1e6:7.0f} µs CPU a cable (SQLite FTS5, one transaction)")
    print(f"highlight      {highlight * 1e6:7.0f} µs CPU a cable (routing header and body)")
    for n, (cpu, wall) in enumerate(writes, 1):
        print(
            f"create a page  {cpu * 1e6:7.0f} µs CPU a file, {wall * 1e6:.0f} µs wall "
            f"(round {n}: {args.files:,} files of {args.page_bytes:,} bytes)"
        )
    each = parse + index + highlight + write
    print(f"together       {each * 1e6:7.0f} µs CPU a cable (the cheapest round of files)")
    for size in (int(size) for size in args.sizes.split(",")):
        cpu = each * size
        print(
            f"{size:>9,} cables: at least {cpu:6.1f} s CPU, "
            f"{cpu / args.cores:6.1f} s wall on {args.cores} cores"
        )
    if args.hugo:
        size, _, seconds = args.hugo.partition("=")
        count, hugo = int(size), float(seconds)
        print(
            f"Hugo took {hugo:.1f} s for {count:,} cables: 2× its speed is {hugo / 2:.1f} s; "
            f"the floor there is {each * count / args.cores:.1f} s"
        )


if __name__ == "__main__":
    main()
