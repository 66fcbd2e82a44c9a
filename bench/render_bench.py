#!/usr/bin/env python3
"""Page rendering alone: CPU per cable page and per list page, one process.

    python3 bench/render_bench.py                        # 2,000 cables
    python3 bench/render_bench.py --n 10000 --cables 2000 --lists 200 --profile

A site over ``--n`` synthetic cables (``../shared/bench/make_corpus.py
--format cable``, made once in WORK) is built clean with one job; at the
render step, before any page is rendered, ``--cables`` cable pages and
``--lists`` list pages (tag, origin, classification, month; full pages of
``per_page`` entries first) are rendered ``--repeat`` times by the build's
own renderer, their cables read from the parse cache beforehand, so only
``Renderer.render`` is timed (the raw text comes highlighted from the cache,
as in a build). Prints the best CPU time (``time.process_time``) per page of
each kind; ``--profile`` adds a cProfile of one pass, the top functions by
internal time. The build then goes on as usual.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.engine import rewrite as rewrite_module  # noqa: E402
from generator.engine.builder import BuildOptions, build_site  # noqa: E402
from generator.engine.render_pass import RenderJob, cables_of  # noqa: E402
from generator.site.plan import Page  # noqa: E402

MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
LIST_KINDS = ("tag", "origin", "classification", "month")
SITE_TOML = 'title = "Render bench"\nbase_url = "/"\nper_page = 50\n'
SITE_TOML += 'external_cable_url = "https://wikileaks.org/plusd/cables/{id}_a.html"\n'

Work = list[tuple[Page, Any]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="cables in the corpus")
    parser.add_argument("--cables", type=int, default=2000, help="cable pages to render")
    parser.add_argument("--lists", type=int, default=200, help="list pages to render")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--profile", action="store_true", help="cProfile one pass")
    args = parser.parse_args()
    site = make_site(args.work / f"cablesite-render-bench-{args.n}", args.n)
    results: dict[str, Any] = {}

    original = rewrite_module._render

    def measuring(step: Any, *rest: Any, **options: Any) -> Any:
        # The rewrite step's render, with the job every page of the build is rendered from.
        if not results:
            results.update(measure(step.job, args.cables, args.lists, args.repeat, args.profile))
        return original(step, *rest, **options)

    rewrite_module._render = measuring
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(site, BuildOptions(clean=True, jobs=1))
    report(results, args.n)
    return 0


def make_site(root: Path, n: int) -> Path:
    """A site folder over n synthetic cables, made once (renamed into place when complete)."""
    cables = root / "content" / "cables"
    if not cables.is_dir():
        partial = root / "content" / "cables.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(MAKE_CORPUS), "--format", "cable", "--n", str(n)]
        subprocess.run([*command, "--out", str(partial)], check=True, stdout=subprocess.DEVNULL)
        partial.rename(cables)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    return root


def measure(job: RenderJob, cables: int, lists: int, repeat: int, profile: bool) -> dict[str, Any]:
    """Render the chosen pages `repeat` times; the best CPU seconds per kind."""
    cable_work = _cable_pages(job, cables)
    list_work = _list_pages(job, lists)
    render = job.renderer.render
    # What the build would pay for compiling templates is not rendering.
    _run(render, cable_work[:1] + list_work[:1])
    best = {"cable": float("inf"), "list": float("inf")}
    for _ in range(repeat):
        for kind, work in (("cable", cable_work), ("list", list_work)):
            best[kind] = min(best[kind], _run(render, work))
    out: dict[str, Any] = {
        "cable_pages": len(cable_work),
        "list_pages": len(list_work),
        "list_entries": sum(len(page.members) for page, _ in list_work),
        "cable_cpu": best["cable"],
        "list_cpu": best["list"],
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _run(render, cable_work + list_work)
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(30)
        out["profile"] = stream.getvalue()
    return out


def _run(render: Callable[..., bytes], work: Work) -> float:
    gc.collect()
    start = time.process_time()
    for page, extra in work:
        render(page, *extra)  # a cable page: (cable, highlighted raw text)
    return time.process_time() - start


def _cable_pages(job: RenderJob, limit: int) -> Work:
    """The first `limit` cable pages of the plan, with their cables from the cache."""
    pages = [page for page in job.pages if page.kind == "cable"][:limit]
    by_source: dict[str, list[tuple[int, Page]]] = {}
    for page in pages:
        entry = job.archive.entries[page.subject]
        by_source.setdefault(entry.source, []).append((entry.ordinal, page))
    work: Work = []
    for source, wanted in by_source.items():
        found = cables_of(job, source, [ordinal for ordinal, _ in wanted])
        work.extend((page, found[ordinal]) for ordinal, page in wanted)
    return work


def _list_pages(job: RenderJob, limit: int) -> Work:
    """Up to `limit` list pages, the fullest first (then in plan order)."""
    pages = [page for page in job.pages if page.kind in LIST_KINDS]
    pages.sort(key=lambda page: -len(page.members))
    return [(page, ()) for page in pages[:limit]]


def report(results: dict[str, Any], n: int) -> None:
    print(f"render bench: {n:,} cables, Python {sys.version.split()[0]}, pid {os.getpid()}")
    cable_ms = 1000 * results["cable_cpu"] / max(1, results["cable_pages"])
    list_ms = 1000 * results["list_cpu"] / max(1, results["list_pages"])
    entries = results["list_entries"] / max(1, results["list_pages"])
    print(f"  cable pages: {results['cable_pages']:5d}  {cable_ms:.3f} ms CPU each")
    print(
        f"  list pages:  {results['list_pages']:5d}  {list_ms:.3f} ms CPU each"
        f" ({entries:.1f} entries a page)"
    )
    if "profile" in results:
        print(results["profile"])


if __name__ == "__main__":
    raise SystemExit(main())
