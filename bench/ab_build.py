"""Two cablesite installs built against each other on the same corpus, alternating.

    python3 bench/ab_build.py --a /path/to/old/venv/bin/cablesite \\
        --b .venv/bin/cablesite --n 50000 [--rounds 3] [--jobs 2]

A change that should not cost speed (a refactoring) is measured by building
the same synthetic corpus with the code before (A) and after (B), A, B, A,
B… in one run, so that whatever else the machine does falls on both alike.
Each round is a clean build (``--clean``) into a fresh output folder, then a
no-op build and a build after one edited cable. Prints wall and CPU seconds
(of the build and its workers) per build and the median of each, and checks
that A and B wrote the same bytes (``diff -r``) as a clean build does after the first round's edit.
Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import cached_corpus


def site(root: Path, cables: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Bench"\n', encoding="utf-8")
    (root / "content" / "cables").symlink_to(cables)
    return root


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (children's user + system) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", required=True, help="the `cablesite` command before")
    parser.add_argument("--b", required=True, help="the `cablesite` command after")
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the sites built")
    args = parser.parse_args()
    cables = cached_corpus(args.n)
    # One copy of the corpus per side, so that an edit does not change the other's input.
    work = Path(tempfile.mkdtemp(prefix="cablesite-ab-"))
    sides = {"A": args.a, "B": args.b}
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for number in range(args.rounds):
        for name, command in sides.items():
            root = work / f"{name}{number}"
            copy = work / f"cables-{name}{number}"
            subprocess.run(["cp", "-r", str(cables.resolve()), str(copy)], check=True)
            # Files written in the last seconds are hashed by the next build (their
            # time may hide an edit): an hour old, the no-op build is a real one.
            for path in copy.iterdir():
                os.utime(path, (time.time() - 3600, time.time() - 3600))
            # A build compares change times too (which `utime` sets to now): let them
            # age past the racy window, or B's no-op would hash every file.
            time.sleep(2.1)
            site(root, copy)
            build = [command, "build", "-q", "-C", str(root), "-j", str(args.jobs)]
            for kind, extra in (("clean", ["--clean"]), ("no-op", [])):
                figures.setdefault((name, kind), []).append(timed(build + extra))
            first = sorted(copy.iterdir())[0]
            text = first.read_text(encoding="utf-8")
            first.write_text(text.replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
            figures.setdefault((name, "one edit"), []).append(timed(build))
            wall, cpu = figures[(name, "clean")][-1]
            print(
                f"round {number + 1} {name}: clean {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True
            )
        if number == 0:
            # Both edited the same cable the same way: each must equal a clean build of it.
            reference = work / "reference"
            site(reference, work / "cables-B0")
            subprocess.run(
                [args.b, "build", "-q", "--clean", "-C", str(reference), "-j", str(args.jobs)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            for name in sides:
                same = subprocess.run(
                    ["diff", "-rq", str(work / f"{name}0" / "site"), str(reference / "site")],
                    capture_output=True,
                )
                verdict = (
                    "as a clean build" if same.returncode == 0 else "DIFFERS from a clean build"
                )
                print(f"{name} after the edit: {verdict}")
                if same.returncode:
                    print(same.stdout.decode()[:1500])
    print(f"\n{args.n:,} cables, {args.rounds} rounds, -j {args.jobs}; medians:")
    for kind in ("clean", "no-op", "one edit"):
        row = []
        for name in sides:
            walls = [w for w, _ in figures[(name, kind)]]
            cpus = [c for _, c in figures[(name, kind)]]
            row.append(
                f"{name} {statistics.median(walls):.2f} s wall / {statistics.median(cpus):.2f} s CPU"
                f" (walls {', '.join(f'{w:.2f}' for w in walls)})"
            )
        print(f"  {kind:9} " + " | ".join(row))
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    else:
        print(f"kept {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
