#!/usr/bin/env python3
"""When the database process works during a clean build, beside the render.

    python3 bench/db_timeline.py SITE [--jobs 2] [--no-db]

Builds SITE (a site folder, e.g. one of ``search_bench.py``'s) with
``--clean`` in this process, with the engine's steps stamped as they
happen (seconds since the build started): the read, the archive, the plan
sent, the render's end, the build's wait for the database's answer, the
state and memory saved; in the database process: the plan received, the
fill's steps, the answer, the other slot's copy. Beside it, a thread
samples every process of the build's tree from ``/proc`` every 0.5 s and
prints, per half second of the build, how many of the machine's cores
the build's processes and the database process kept busy, and the
database process's largest PSS and private memory, and the tree's PSS
(MB = 10⁶ bytes) with the build process's share, and when it peaked. ``--no-db`` builds
without the database (its process replaced by one that does nothing), for
the same timeline to compare with. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from benchkit import NoDatabase  # noqa: E402

START = time.perf_counter()
TICKS = os.sysconf("SC_CLK_TCK")
EVENTS = Path("/tmp") / f"db-timeline-{os.getpid()}.events"


def stamp(what: str) -> None:
    """An event, from whichever process (appended to one file), with the CPU seconds
    that process has used so far."""
    with open(EVENTS, "a") as out:
        out.write(
            f"{time.perf_counter() - START:8.2f} {os.getpid():>7} "
            f"cpu {time.process_time():7.2f}  {what}\n"
        )


def stamped(owner: object, name: str, label: str | None = None) -> None:
    """`owner.name` wrapped to stamp its start and end."""
    function = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        stamp(f"{label or name} starts")
        try:
            return function(*args, **kwargs)
        finally:
            stamp(f"{label or name} ends")

    setattr(owner, name, wrapper)


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_of(pid: int) -> float:
    """The process's own user + system seconds (its threads included)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_of(pid: int) -> tuple[int, int]:
    """The process's PSS and private bytes (``/proc/PID/smaps_rollup``)."""
    found = {"Pss:": 0, "Private_Clean:": 0, "Private_Dirty:": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                name, value, *_ = line.split()
                if name in found:
                    found[name] = int(value) * 1024
    except (OSError, ValueError):
        pass
    return found["Pss:"], found["Private_Clean:"] + found["Private_Dirty:"]


Sample = tuple[float, dict[int, float], int, int]  # time, CPU by process, tree PSS, own PSS


def sample(
    samples: list[Sample],
    memory: dict[int, tuple[int, int]],
    at_peak: dict[int, tuple[int, int]],
    done: threading.Event,
) -> None:
    """Every 0.5 s: each process's CPU so far, the tree's PSS and the build
    process's own, and each process's largest PSS and private bytes; in
    `at_peak`, each process's PSS and private bytes when the tree's PSS was
    largest."""
    me = os.getpid()
    largest = 0
    while not done.is_set():
        now = time.perf_counter() - START
        pids = descendants(me)
        cpu = {pid: cpu_of(pid) for pid in pids}
        tree_pss = own_pss = 0
        each = {}
        for pid in pids:
            pss, private = each[pid] = memory_of(pid)
            tree_pss += pss
            if pid == me:
                own_pss = pss
            old = memory.get(pid, (0, 0))
            memory[pid] = (max(old[0], pss), max(old[1], private))
        if tree_pss > largest:
            largest = tree_pss
            at_peak.clear()
            at_peak.update(each)
        samples.append((now, cpu, tree_pss, own_pss))
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-db", action="store_true", help="build without the database")
    args = parser.parse_args()

    from generator.database import writer
    from generator.engine import database_pass, full_pass, memory, rewrite
    from generator.engine.builder import BuildOptions, build_site

    stamped(full_pass, "read_sources", "read")
    stamped(full_pass.SourceArchive, "assembled", "assemble")
    stamped(full_pass, "plan_site", "plan_site")
    stamped(database_pass.DatabaseProcess, "start", "plan sent")
    stamped(rewrite, "render_pages", "render")
    stamped(full_pass, "rewrite", "rewrite")
    stamped(database_pass.DatabaseProcess, "copies", "waiting for the database")
    stamped(full_pass, "save_state", "save state")
    stamped(full_pass, "save_memory", "save memory")
    stamped(database_pass, "sync_database", "db: sync")
    stamped(database_pass, "mirror_slots", "db: mirror")
    stamped(database_pass, "_fill_anew", "db: fill")
    stamped(writer.Database, "fill", "db: rows and index")
    for name in ("plan_database", "fill_database"):  # (later versions' steps, when present)
        if hasattr(database_pass, name):
            stamped(database_pass, name, f"db: {name}")
    del memory
    if args.no_db:
        full_pass.DatabaseProcess = NoDatabase

    EVENTS.unlink(missing_ok=True)
    samples: list[Sample] = []
    memory: dict[int, tuple[int, int]] = {}
    at_peak: dict[int, tuple[int, int]] = {}
    done = threading.Event()
    sampler = threading.Thread(target=sample, args=(samples, memory, at_peak, done), daemon=True)
    sampler.start()
    stamp("build starts")
    started = time.perf_counter()
    build_site(args.site, BuildOptions(clean=True, jobs=args.jobs))
    stamp("build ends")
    wall = time.perf_counter() - started
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    done.set()
    sampler.join()

    events = EVENTS.read_text().splitlines()
    EVENTS.unlink()
    print("".join(line + "\n" for line in events))
    database_pids = {int(line.split()[1]) for line in events if " db: " in line}
    cpu = sum(u.ru_utime + u.ru_stime for u in used)
    print(f"build: {wall:.1f} s wall, {cpu:.1f} s CPU (this process and its children)")
    for pid in sorted(database_pids):
        pss, private = memory.get(pid, (0, 0))
        print(
            f"database process {pid}: peak PSS {pss / 2**20:.0f} MB, private {private / 2**20:.0f} MB"
        )
    peak = max(samples, key=lambda sampled: sampled[2])
    print(f"tree PSS: peak {peak[2] / 1e6:.0f} MB at {peak[0]:.1f} s "
          f"(the build process {peak[3] / 1e6:.0f} MB of it)")  # fmt: skip
    for pid, (pss, private) in sorted(at_peak.items()):
        role = ("the build process" if pid == os.getpid()
                else "the database process" if pid in database_pids else "a worker")  # fmt: skip
        print(f"  {pid:>7} {role:<22} PSS {pss / 1e6:5.0f} MB, private {private / 1e6:5.0f} MB")
    print("second  build tree (cores)        database process (cores)  tree PSS MB (build process)")
    last_time, last, *_ = samples[0]
    for now, cpu, tree_pss, own_pss in samples[1:]:
        span = now - last_time
        tree = sum(v - last.get(pid, 0.0) for pid, v in cpu.items() if v >= 0) / span
        db = sum(cpu.get(pid, 0.0) - last.get(pid, 0.0) for pid in database_pids if pid in cpu)
        print(f"{now:6.1f}  {tree:5.2f} {'#' * round(tree * 10):<20}  "
              f"{db / span:5.2f} {'#' * round(db / span * 10):<20}  "
              f"{tree_pss / 1e6:6.0f} ({own_pss / 1e6:.0f})")  # fmt: skip
        last_time, last = now, cpu


if __name__ == "__main__":
    main()
