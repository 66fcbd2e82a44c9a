"""Import benchmark: a synthetic `cables.csv` dump of N rows into a fresh folder.

    python bench/import_bench.py                   # N = 10,000 and 50,000
    python bench/import_bench.py --sizes 1000 --jobs 1 --work /tmp/import-bench

For each N it makes the cables with ../shared/bench/make_corpus.py
(--format cable), writes them as one dump in the real dump's dialect (no
header, eight quoted columns, MySQL backslash escapes, fields spanning
lines), then times `run_import` in a child process three ways: a clean
import, a re-import of the same dump (nothing may change) and a re-import
after one row changed.  Peak RSS is sampled from /proc for the importer and
its worker processes together.  Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"
CABLE2MONTH = SHARED / "data" / "cable2month.csv.gz"
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_ID = re.compile(r"^(\d{2})([A-Z]+)(\d+)$")


# --- the synthetic dump ---------------------------------------------------------------


def mysql_escaped(text: str) -> str:
    """A field as the dump writes it: backslash escapes, newlines kept as they are."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")


def classification_of(text: str) -> str:
    head = text[:400]
    if head.startswith("S E C R E T"):
        return "SECRET//NOFORN" if "\nNOFORN\n" in head else "SECRET"
    if head.startswith("C O N F I D E N T I A L"):
        return "CONFIDENTIAL"
    if head.startswith("UNCLAS SENSITIVE"):
        return "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    return "UNCLASSIFIED"


def dump_row(number: int, cable_id: str, month: int, text: str, rng: random.Random) -> str:
    m = _ID.match(cable_id)
    yy, station, serial = m.groups() if m else ("00", "UNKNOWN", "0")
    year = 1900 + int(yy) if int(yy) >= 60 else 2000 + int(yy)
    day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
    header = (
        f"R {day:02d}{hour:02d}{minute:02d}Z {MONTHS[month - 1]} {yy}\n"
        f"FM AMEMBASSY {station}\nTO SECSTATE WASHDC {serial}"
    )
    fields = [
        str(number),
        f"{month}/{day}/{year} {hour}:{minute:02d}",
        cable_id,
        f"Embassy {station.title()}",
        classification_of(text),
        "",
        header,
        text.rstrip("\n"),
    ]
    return ",".join(f'"{mysql_escaped(f)}"' for f in fields) + "\n"


def months_by_id() -> dict[str, int]:
    with gzip.open(CABLE2MONTH, "rt", encoding="ascii") as handle:
        pairs = (line.strip().partition(",") for line in handle)
        return {cid: int(month) for cid, _, month in pairs if month.isdigit()}


def make_dump(size: int, work: Path) -> Path:
    dump = work / f"cables-{size}.csv"
    if dump.exists():
        return dump
    texts = work / f"texts-{size}"
    if not texts.is_dir():
        command = [sys.executable, str(MAKE_CORPUS), "--n", str(size), "--out", str(texts)]
        subprocess.run([*command, "--format", "cable"], check=True, stdout=subprocess.DEVNULL)
    months, rng = months_by_id(), random.Random(size)
    partial = dump.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for number, path in enumerate(sorted(texts.glob("*.txt")), 1):
            text = path.read_text(encoding="utf-8")
            out.write(dump_row(number, path.stem, months.get(path.stem, 1), text, rng))
    partial.replace(dump)
    shutil.rmtree(texts)
    return dump


# --- measuring -------------------------------------------------------------------------

_CHILD = """
import sys, time
from pathlib import Path
from generator.importing.command import run_import
jobs = None if sys.argv[3] == "auto" else int(sys.argv[3])
start = time.perf_counter()
report = run_import([Path(sys.argv[1])], Path(sys.argv[2]), progress=False, jobs=jobs)
elapsed = time.perf_counter() - start
counts = (report.imported, report.updated, report.unchanged, len(report.skipped), len(report.errors))
print(elapsed, *counts)
"""


@dataclass
class Run:
    seconds: float
    peak_rss: int  # bytes, importer and workers together
    counts: tuple[int, ...]


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, AttributeError):
            continue
    return total


def timed_import(dump: Path, into: Path, jobs: str) -> Run:
    command = [sys.executable, "-c", _CHILD, str(dump), str(into), jobs]
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"import failed with status {child.returncode}")
    seconds, *counts = out.split()
    return Run(float(seconds), peak, tuple(int(c) for c in counts))


def with_one_row_edited(dump: Path, into: Path, jobs: str) -> Run:
    """Import the dump with its first row changed (in place: the path is part of provenance)."""
    original = dump.with_suffix(".original")
    dump.replace(original)
    try:
        with original.open(encoding="utf-8") as src, dump.open("w", encoding="utf-8") as out:
            first = next(src)
            out.write(first)
            edited = False
            for line in src:
                if not edited and "Summary:" in line:
                    line, edited = line.replace("Summary:", "Summary (edited):", 1), True
                out.write(line)
        return timed_import(dump, into, jobs)
    finally:
        original.replace(dump)


def bench(size: int, work: Path, jobs: str) -> None:
    dump = make_dump(size, work)
    megabytes = dump.stat().st_size / 1e6
    into = work / f"into-{size}"
    shutil.rmtree(into, ignore_errors=True)
    clean = timed_import(dump, into, jobs)
    again = timed_import(dump, into, jobs)
    edited = with_one_row_edited(dump, into, jobs)
    shutil.rmtree(into, ignore_errors=True)
    for name, run in (("clean import", clean), ("re-import", again), ("one row changed", edited)):
        imported, updated, unchanged, skipped, errors = run.counts
        print(
            f"{size:>7,} | {megabytes:7.1f} MB | {name:<15} | {run.seconds:7.1f} s | "
            f"{size / run.seconds:7,.0f} cables/s | {megabytes / run.seconds:6.2f} MB/s | "
            f"peak RSS {run.peak_rss / 2**20:6.0f} MiB | "
            f"{imported} new, {updated} updated, {unchanged} unchanged, {skipped} skipped"
            + (f", {errors} ERRORS" if errors else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/cablesite-import-bench"))
    parser.add_argument("--jobs", default="auto", help="worker processes, or 'auto' (all cores)")
    args = parser.parse_args(argv)
    if not MAKE_CORPUS.exists():
        print(f"{MAKE_CORPUS}: not found (the shared folder is needed)", file=sys.stderr)
        return 1
    args.work.mkdir(parents=True, exist_ok=True)
    print("      N |   dump     | run             |    time |     rate     |  throughput | memory")
    for size in args.sizes:
        bench(size, args.work, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
