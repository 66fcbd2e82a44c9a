#!/usr/bin/env python3
"""The preview server under a burst: a room of readers, all answered.

    python3 bench/serve_load.py                               # 1,000 cables, 200 clients, 30 s
    python3 bench/serve_load.py --size 5000 --clients 200 --seconds 30 --streams 200

Serves a site of N synthetic cables (``../shared/bench/make_corpus.py
--format cable``) with ``cablesite serve --port 0`` on loopback, then:

1. `--clients` clients, each requesting pages one after another (a new
   connection each, as a room of browsers opening links does) for
   `--seconds`: requests answered, requests with no answer (a refused or
   reset connection, or nothing within `--timeout` s), requests/s, and
   latency percentiles from connect to the last byte;
2. `--streams` reload streams (``/__cablesite/events``) opened at once: how
   many got their first event; then, with all of them still open, 20
   clients request pages for 5 s, to show the streams hold no request
   thread; then a long URL (8 KB) and a hostile one, whose status is printed.

Figures are printed, never asserted. One process of asyncio clients drives
the load, so on a 2-core machine the clients and the server share the
CPUs: say so beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchkit import ServeProcess, corpus_site


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="synthetic cables in the site")
    parser.add_argument("--clients", type=int, default=200, help="concurrent page clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the page burst")
    parser.add_argument("--streams", type=int, default=200, help="reload streams opened at once")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before no answer")
    parser.add_argument("--work", type=Path, help="folder for the site (default: a temp folder)")
    args = parser.parse_args()
    _raise_file_limit(args.clients + args.streams + 100)
    work = args.work or Path(tempfile.mkdtemp(prefix="serve-load-"))
    site = corpus_site(work / "site", args.size, "Serve load")
    server = ServeProcess(site)
    try:
        paths = _page_paths(site)
        print(f"serving {args.size:,} cables at port {server.port}", file=sys.stderr)
        cpu_before = server.cpu_seconds()
        burst = asyncio.run(_burst(server.port, paths, args.clients, args.seconds, args.timeout))
        cpu_burst = server.cpu_seconds() - cpu_before
        streams, during = asyncio.run(_streams(server.port, paths, args.streams, args.timeout))
        long_status = asyncio.run(_status(server.port, "/" + "a" * 8192, args.timeout))
        bad_status = asyncio.run(_status(server.port, "/%2e%2e/%2e%2e/etc/passwd", args.timeout))
    finally:
        traceback_lines = server.stop()
    _report(args, burst, cpu_burst, streams, during, long_status, bad_status, traceback_lines)
    return 0


def _page_paths(site: Path) -> list[str]:
    output = site / "site"
    pages = sorted(output.rglob("*.html"))
    return ["/" + p.relative_to(output).as_posix() for p in pages[:2000]]


async def _get(port: int, path: str, timeout: float) -> tuple[int, float] | None:
    """(status, seconds from connect to the last byte) of one request; None: no answer."""
    started = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            writer.write(request.encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:
                await reader.read()
            return status, time.perf_counter() - started
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()


async def _client(port: int, paths: list[str], until: float, timeout: float, tally: Tally) -> None:
    rng = random.Random(id(tally) ^ id(asyncio.current_task()))
    while time.perf_counter() < until:
        answer = await _get(port, rng.choice(paths), timeout)
        if answer is None:
            tally.unanswered += 1
            continue
        status, seconds = answer
        tally.latencies.append(seconds)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1


async def _burst(
    port: int, paths: list[str], clients: int, seconds: float, timeout: float
) -> Tally:
    tally = Tally()
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(port, paths, until, timeout, tally) for _ in range(clients)))
    return tally


async def _open_stream(port: int, timeout: float) -> asyncio.StreamWriter | None:
    """A reload stream that got its status line and first event; None when it did not."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /__cablesite/events?since=&page=/ HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                writer.close()
                return None
            await reader.readuntil(b"\n\n")  # the first event
            return writer
    except (TimeoutError, OSError, asyncio.IncompleteReadError):
        return None


async def _streams(port: int, paths: list[str], count: int, timeout: float) -> tuple[int, Tally]:
    opened = await asyncio.gather(*(_open_stream(port, timeout) for _ in range(count)))
    during = Tally()
    until = time.perf_counter() + 5.0
    await asyncio.gather(*(_client(port, paths, until, timeout, during) for _ in range(20)))
    for writer in opened:
        if writer is not None:
            writer.close()
    return sum(w is not None for w in opened), during


async def _status(port: int, path: str, timeout: float) -> str:
    answer = await _get(port, path, timeout)
    return "no answer" if answer is None else str(answer[0])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _report(
    args: argparse.Namespace,
    burst: Tally,
    cpu: float,
    streams: int,
    during: Tally,
    long_status: str,
    bad_status: str,
    tracebacks: int,
) -> None:
    answered = len(burst.latencies)
    print(
        f"\ncablesite serve, {args.size:,} cables, {os.cpu_count()} core(s) shared with the clients"
    )
    print(f"page burst: {args.clients} clients for {args.seconds:.0f} s, a new connection each")
    print(
        f"  answered {answered:,}, no answer {burst.unanswered:,} ({answered / args.seconds:,.0f}/s)"
    )
    print(f"  statuses {dict(sorted(burst.statuses.items()))}")
    print(
        f"  latency p50 {_ms(_percentile(burst.latencies, 0.5))}, "
        f"p99 {_ms(_percentile(burst.latencies, 0.99))}, max {_ms(max(burst.latencies, default=0))}"
    )
    print(f"  server CPU time during the burst: {cpu:.1f} s")
    print(f"reload streams opened at once: {streams} of {args.streams} got their first event")
    print(
        f"  pages while they were open: answered {len(during.latencies):,}, "
        f"no answer {during.unanswered}, p99 {_ms(_percentile(during.latencies, 0.99))}"
    )
    print(f"8 KB URL: {long_status}; encoded ../ URL: {bad_status}")
    print(f"traceback lines the server printed: {tracebacks}")


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


if __name__ == "__main__":
    sys.exit(main())
