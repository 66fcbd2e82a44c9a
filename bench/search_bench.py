#!/usr/bin/env python3
"""Search benchmark: what the archive database costs a build, and what a query costs a reader.

    python3 bench/search_bench.py --n 1000
    python3 bench/search_bench.py --n 50000 --corpus /tmp/cablesite-bench-cable-50000

For N synthetic cables (``../shared/bench/make_corpus.py --format cable``,
with the routing header; or the cable files of --corpus, hard-linked), in a
fresh site folder with a word planted in five cables, it measures:

* the clean build, twice: as it is, and with the database pass turned off
  (the same code, ``database_copies`` patched to return nothing): the
  difference is the database's share of wall time and peak memory, and the
  database pass is also timed inside the first build (``sync`` = the rows
  and the index in the cache, in a process of its own beside the render;
  ``waited`` = how long the build waited for it once the pages rendered;
  ``copy`` = publishing the file);
* one edited cable (its SUBJECT line), ``cablesite build``: the whole build
  and the database's part of it;
* a no-op build: whether ``data/cables.db`` was left untouched;
* the database's size;
* in Chromium (Debian's, through Playwright) against ``cablesite serve``:
  ten queries on a fresh page each (rare and common words, ranked and by
  date, with and without facets): the bytes the WebAssembly SQLite fetched
  from the database and the time to the first results, from the page's
  navigation and from its load event.

Builds run as ``python bench/search_bench.py --inner build SITE [--no-db]``,
which patches and times inside the build process, and are measured from
outside (wall, CPU, peak memory of the process tree) by
``bench/scale_bench.py``'s ``run``. Figures are printed, never asserted.
The machine may be shared: CPU time is given beside wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

from benchkit import NoDatabase, ServeProcess, make_corpus  # noqa: E402

PLANTED = "quetzalcoatlus"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def inner_build(site: Path, *, database: bool) -> None:
    """One build in this process, the database pass timed (or turned off); JSON on stderr.

    A full pass runs the pass in a forked process (``DatabaseProcess``): its
    time is written by the child to a file, and the build's own wait for it
    is timed here (``waited``).
    """
    from generator.engine import database_pass, full_pass, output, quick
    from generator.engine.builder import BuildOptions, build_site

    timings = {"sync": 0.0, "waited": 0.0, "copy": 0.0}
    child_times = site.parent / f".{site.name}-sync-times"
    child_times.unlink(missing_ok=True)

    def timed(name, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - start
                if name == "sync":  # (in the child too: through the file)
                    with open(child_times, "a") as out:
                        out.write(f"{time.perf_counter() - start}\n")

        return wrapper

    if database:
        database_pass.sync_database = timed("sync", database_pass.sync_database)
        database_pass.DatabaseProcess.copies = timed("waited", database_pass.DatabaseProcess.copies)
        output.StagedOutput.put_file = timed("copy", output.StagedOutput.put_file)
        output.ChangedOutput.put_file = timed("copy", output.ChangedOutput.put_file)
    else:
        full_pass.DatabaseProcess = NoDatabase
        quick.database_copies = lambda *args, **kwargs: {}
    result = build_site(site, BuildOptions(clean="--clean" in sys.argv, jobs=2))
    if child_times.exists():
        timings["sync"] = sum(float(line) for line in child_times.read_text().split())
        child_times.unlink()
    print(json.dumps({"kind": result.kind, "changed_db": "data/cables.db" in result.changed,
                      **timings}), file=sys.stderr)  # fmt: skip


def make_site(folder: Path, cables: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    target = folder / "content" / "cables"
    target.mkdir(parents=True)
    names = sorted(name for name in os.listdir(cables) if name.endswith(".txt"))
    for name in names:
        os.link(cables / name, target / name)
    # The planted word, in five cables spread over the corpus (new files: the corpus is linked).
    for name in names[:: max(1, len(names) // 5)][:5]:
        path = target / name
        text = path.read_bytes().replace(b"1. (", f"1. {PLANTED.upper()} (".encode(), 1)
        path.unlink()
        path.write_bytes(text)
    (folder / "site.toml").write_text('title = "Search bench"\n', encoding="utf-8")
    return folder


def measured_build(site: Path, *extra: str) -> tuple[object, dict]:
    from scale_bench import run

    command = [
        sys.executable,
        str(BENCH / "search_bench.py"),
        "--inner",
        "build",
        str(site),
        *extra,
    ]
    result = run(command, what="build", cwd=REPO, timeout=3600)
    inner = json.loads(result.stderr.strip().splitlines()[-1])
    return result, inner


QUERIES = [
    ("rare word, ranked", f"q={PLANTED}"),
    ("rare word, by date", f"q={PLANTED}&sort=date"),
    ("common word, ranked", "q=security"),
    ("common word, by date", "q=security&sort=date"),
    ("two common words, ranked", "q=nuclear+sanctions"),
    ("phrase", "q=" + quote('"prime minister"')),
    ("prefix", "q=refug*"),
    ("short prefix (many words)", "q=co*&sort=date"),
    ("common word + tag", "q=security&tag=PGOV"),
    ("common word + origin + classification", "q=security&origin=" + quote("Embassy Ankara")
     + "&classification=CONFIDENTIAL"),
    ("tag and years, no words", "tag=PREL&from=2005&to=2007&sort=date"),
]  # fmt: skip


def browser_queries(site: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    server = ServeProcess(site)
    try:
        url = server.url
        found = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for label, query in QUERIES:
                page = browser.new_context().new_page()
                page.goto(f"{url}search/?{query}")
                shown = page.wait_for_function(
                    "() => { const s = document.getElementById('search-status').textContent;"
                    " return s && !s.startsWith('Searching') ? performance.now() : null; }",
                    polling=100,  # (requestAnimationFrame, the default, may not run in headless Chromium)
                    timeout=120_000,
                ).json_value()
                loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                stats = page.evaluate("window.cablesiteSearchStats()")
                found.append({
                    "query": label, "url": f"search/?{query}",
                    "results": page.locator(".search-result").count(),
                    "status": page.inner_text("#search-status"),
                    "fetched_kb": stats["totalFetchedBytes"] / 1024,
                    "requests": stats["totalRequests"],
                    "since_navigation_s": shown / 1000, "since_load_s": (shown - loaded) / 1000,
                })  # fmt: skip
                page.context.close()
            browser.close()
        return found
    finally:
        server.stop()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--inner":
        inner_build(Path(sys.argv[3]), database="--no-db" not in sys.argv)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of synthetic cables")
    parser.add_argument("--corpus", type=Path, help="a folder of N cable files (hard-linked)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/search-bench"))
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cables = args.corpus or args.work / f"corpus-{args.n}"
    if not cables.is_dir():
        make_corpus(args.n, cables)
    figures: dict = {"n": args.n}
    with_db = make_site(args.work / f"site-{args.n}", cables)
    without_db = make_site(args.work / f"site-{args.n}-nodb", cables)
    # A hard link changes the file's ctime, and a file changed within 2 s of a
    # build is read again by the next one: the no-op would re-read everything.
    time.sleep(2.5)
    for name, site, extra in (
        ("clean", with_db, ()),
        ("clean_without_db", without_db, ("--no-db",)),
    ):
        run_, inner = measured_build(site, "--clean", *extra)
        figures[name] = {"wall_s": run_.wall, "cpu_s": run_.cpu, "peak_rss_mb": run_.peak_rss / 2**20,
                         "tree_pss_mb": run_.tree_pss / 2**20, **inner}  # fmt: skip
        print(name, figures[name], flush=True)
    database = with_db / "site" / "data" / "cables.db"
    figures["db_mb"] = database.stat().st_size / 2**20
    before = database.stat()
    time.sleep(2.5)  # (files younger than 2 s are hashed by the next build)
    run_, inner = measured_build(with_db)
    after = database.stat()
    figures["noop"] = {"wall_s": run_.wall, "kind": inner["kind"],
                       "db_untouched": (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)}  # fmt: skip
    print("noop", figures["noop"], flush=True)
    from scale_bench import edit_one_cable

    edits = []
    for _ in range(3):
        edit_one_cable(with_db / "content" / "cables")
        time.sleep(2.5)
        run_, inner = measured_build(with_db)
        edits.append({"wall_s": run_.wall, "cpu_s": run_.cpu, **inner})
    figures["edit"] = edits
    print("edit", edits, flush=True)
    if not args.skip_browser:
        figures["queries"] = browser_queries(with_db)
        for row in figures["queries"]:
            print(row, flush=True)
    # Removed only now: unlinking a hard link of the corpus changes every
    # file's ctime, and the no-op and edit builds would read every file again.
    shutil.rmtree(without_db)
    out = args.work / f"search-{args.n}.json"
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
