#!/usr/bin/env python3
"""Parse throughput: cables per second and MB per second, one process.

    python bench/parse_bench.py [--n 10000] [--repeat 3]
    python bench/parse_bench.py --snapshot FILE [--n 3000]
    OTHER_VENV/bin/python bench/parse_bench.py --installed [--n 10000]

`--installed` measures the `generator` that the running Python has installed
(say a base commit put into another venv with `pip install`), not this
checkout: run it and this checkout's own, alternately, for a before/after.

Measures `read_cables` (read, decode, detect, parse) over the dev corpus
(../shared/corpus/dev, four formats) and over a synthetic corpus made by
../shared/bench/make_corpus.py --format cable (cached in a temp folder).
Prints figures (wall and CPU seconds); asserts nothing.

`--once CORPUS` reads the first `--n` files of CORPUS once, after a warm-up
on 50 of them, and prints nothing: for an instruction count that does not
move with the machine's load, run it under callgrind with and without
`--warm-only` and subtract (bench/README.md, #12):

    PYTHONHASHSEED=0 valgrind --tool=callgrind python bench/parse_bench.py --once DIR --n 400

`--snapshot FILE` instead writes every parsed result -- each field of each
cable, with paragraphs, references and problems -- of the dev corpus, the
demo cables, the synthetic corpus and some thousands of deterministically
mutated cable texts (also through each field parser), so that a change
meant to make the parser faster can be shown to change nothing:
`cmp before.txt after.txt`.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if "--installed" not in sys.argv:
    sys.path.insert(0, str(ROOT))

from generator.parse import (  # noqa: E402
    canonical_id,
    parse_cable,
    parse_classified_by,
    parse_declassify_on,
    parse_references,
    parse_signers,
    parse_subject,
    parse_summary,
    parse_tags,
    read_cables,
    title_case,
)


def corpus_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".txt", ".html", ".csv", ".jsonl", ".md"}
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


def measure(files: list[Path], repeat: int) -> tuple[int, int, float, float]:
    """(cables, bytes, best wall seconds, best CPU seconds) over `repeat` runs."""
    size = sum(f.stat().st_size for f in files)
    best_wall = best_cpu = float("inf")
    count = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for f in files for _ in read_cables(f, on_problem=lambda p: None))
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return count, size, best_wall, best_cpu


def report(name: str, files: list[Path], repeat: int) -> None:
    # CPU time is the figure to compare: the machine is shared, so wall time wanders.
    count, size, wall, cpu = measure(files, repeat)
    print(
        f"{name:26} {count:6} cables {size / 1e6:6.1f} MB  {wall:6.2f} s  "
        f"CPU {cpu:6.2f} s = {cpu / count * 1e3:5.3f} ms/cable  "
        f"{count / cpu:6.0f} cables/CPU-s  {size / 1e6 / cpu:5.1f} MB/CPU-s"
    )


# --- snapshot ---------------------------------------------------------------------


def _mutated(text: str, rng: random.Random) -> str:
    """A cable text with a few lines dropped, doubled, cut, garbled or swapped."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 6)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.choice(["drop", "dup", "cut", "garble", "swap", "join", "crlf"])
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: rng.randint(0, 80)]
        elif op == "garble":
            n = rng.randint(0, 80)
            lines[i] = (
                lines[i][:n] + rng.choice(["\ufffd\x00<>&", "\xb6", "\f", " OF "]) + lines[i][n:]
            )
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "join" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + rng.choice([" ", "", "  "]) + lines[i + 1]]
        else:
            lines[i] += "\r"
    return "\n".join(lines)


def _field_results(text: str, year: int) -> str:
    return repr(
        (
            parse_tags(text),
            parse_subject(text),
            parse_declassify_on(text),
            parse_classified_by(text),
            parse_signers(text),
            parse_summary(text),
            parse_references(text, year),
            title_case(parse_subject(text)),
            canonical_id(text[:40]),
        )
    )


def snapshot(out: Path, files: list[Path], mutations: int) -> None:
    """Every parse result for `files`, then for `mutations` mutated texts, one per line."""
    rng = random.Random(20261129)
    texts: list[tuple[str, str]] = []
    with out.open("w", encoding="utf-8") as sink:
        for f in files:
            problems: list[object] = []
            for cable in read_cables(f, on_problem=problems.append):
                sink.write(f"{f.name}: {cable!r}\n")
                texts.append((cable.header + "\n\n" + cable.body, f.name))
            for problem in problems:
                sink.write(f"{f.name}: problem {problem}\n")
        for number in range(mutations):
            text, name = rng.choice(texts)
            mutated = _mutated(text, rng)
            filename = rng.choice([None, name, "x.txt", "x.md", "x.html"])
            sink.write(
                f"mutation {number} {filename}: {parse_cable(mutated, filename=filename)!r}\n"
            )
            sink.write(f"fields {number}: {_field_results(mutated, rng.randint(1966, 2010))}\n")


def once(folder: Path, n: int, warm_only: bool) -> None:
    """Read the first n files once after a warm-up on 50 (imports, compiled patterns)."""
    files = corpus_files(folder)[: n or None]
    for f in files[:50]:
        for _ in read_cables(f, on_problem=lambda p: None):
            pass
    if warm_only:
        return
    for f in files:
        for _ in read_cables(f, on_problem=lambda p: None):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="synthetic cables (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--snapshot", type=Path, help="write every parse result here instead")
    parser.add_argument("--mutations", type=int, default=4000, help="mutated texts to snapshot")
    parser.add_argument("--once", type=Path, help="read this corpus once, print nothing")
    parser.add_argument("--warm-only", action="store_true", help="with --once: only the warm-up")
    parser.add_argument(
        "--installed",
        action="store_true",
        help="measure the installed generator, not this checkout",
    )
    args = parser.parse_args()
    import generator.parse

    if args.once:
        once(args.once, args.n, args.warm_only)
        return 0
    print(f"parser from {Path(generator.parse.__file__).parent}")
    dev = SHARED / "corpus" / "dev"
    if args.snapshot:
        demo = ROOT / "content" / "cables"
        files = corpus_files(dev) + corpus_files(demo) + corpus_files(synthetic(args.n))
        snapshot(args.snapshot, files, args.mutations)
        return 0
    if dev.exists():
        report("dev corpus (4 formats)", corpus_files(dev), args.repeat)
    report("synthetic --format cable", corpus_files(synthetic(args.n)), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
