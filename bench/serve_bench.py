#!/usr/bin/env python3
"""Live preview latency: save one cable → rebuilt page on disk, and → the browser's reload event.

    python3 bench/serve_bench.py                       # 1,000 and 10,000 synthetic cables
    python3 bench/serve_bench.py --sizes 1000,10000,50000 --edits 5

For each size, a site with N synthetic cables (``../shared/bench/make_corpus.py
--format cable``) and a minimal ``site.toml`` is served by ``cablesite serve
--port 0``. An event-stream client connects like the injected script does;
then one cable's subject is edited `--edits` times, and for each save the
bench measures

* save → page on disk: until the cable's page holds the new subject;
* save → reload event: until the server announces a build that changed that page.

Each edit is saved two ways (`--saves`): written in place, as most editors
do, and written to a temporary file beside the cable that is then renamed
over it, as ``sed -i`` and editors that save atomically do (the watcher
sees a file appear, and go, beside the cable).

After the server stops (Ctrl-C), a ``cablesite build`` of the unchanged site
is timed (the no-op build). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchkit import REPO, ServeProcess, corpus_site


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated cable counts")
    parser.add_argument("--edits", type=int, default=3, help="saves measured per size")
    parser.add_argument("--work", type=Path, help="folder for the sites (default: a temp folder)")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds to wait for any one build"
    )
    parser.add_argument(
        "--saves",
        default=",".join(SAVES),
        help=f"how each edit is saved, comma-separated: {', '.join(SAVES)}",
    )
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    saves = [s.strip() for s in args.saves.split(",") if s.strip()]
    if not saves or any(s not in SAVES for s in saves):
        parser.error(f"--saves takes {', '.join(SAVES)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="cablesite-serve-bench-"))

    rows = []
    for size in sizes:
        site = corpus_site(work / f"site-{size}", size, "Serve bench")
        print(f"{size:,} cables: serving {site} …", file=sys.stderr, flush=True)
        rows.append((size, *measure(site, args.edits, args.timeout, saves)))

    print(f"\ncablesite serve on {os.cpu_count()} core(s), Python {sys.version.split()[0]}")
    print(
        "(median of the saves; the no-op build is `cablesite build` after the session, once caught up)"
    )
    header = ("cables", "saved", "first build", "save → page on disk", "save → reload event")
    print("| " + " | ".join((*header, "no-op build")) + " |")
    print("|" + "---:|" * (len(header) + 1))
    for size, first, by_save, noop in rows:
        for save, (on_disk, event) in by_save.items():
            cells = (f"{size:,}", save, _s(first), _s(on_disk), _s(event), _s(noop))
            print("| " + " | ".join(cells) + " |")
    return 0


def measure(
    site: Path, edits: int, timeout: float, saves: list[str]
) -> tuple[float, dict[str, tuple[float, float]], float]:
    """The first build; the median save → page and save → event of each way of saving;
    the no-op build."""
    cable = sorted((site / "content" / "cables").glob("*.txt"))[0]
    original = cable.read_text(encoding="utf-8", errors="surrogateescape")
    started = time.perf_counter()
    server = ServeProcess(site, timeout)
    try:
        first = time.perf_counter() - started
        page = _page_of(site, cable.stem)
        url = "/" + page.relative_to(site / "site").as_posix()
        stream = EventStream(server.port)
        stream.wait_connected(timeout=30)
        by_save = {}
        for save in saves:
            on_disk, events = [], []
            for number in range(1, edits + 1):
                marker = f"SERVE BENCH EDIT {save} {number} {time.time_ns()}"
                edited = re.sub(r"(?m)^SUBJECT: .*$", f"SUBJECT: {marker}", original, count=1)
                stream.drain()
                saved = SAVES[save](cable, edited)
                on_disk.append(_wait_for_bytes(page, marker.encode(), saved, timeout))
                events.append(stream.wait_for_page(url, saved, timeout))
                time.sleep(0.5)  # let the server settle before the next save
            by_save[save] = (statistics.median(on_disk), statistics.median(events))
        stream.close()
    finally:
        server.stop()
        _save(cable, original)
    # The session's last edit is undone on disk: one build takes that in, and
    # one more, once the file is old enough to be trusted by its time (2 s),
    # records it so; the build after that is a true no-op.
    _timed_build(site)
    time.sleep(2.1)
    _timed_build(site)
    noop = _timed_build(site)
    return first, by_save, noop


def _save(path: Path, text: str) -> float:
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return time.perf_counter()


def _save_renamed(path: Path, text: str) -> float:
    # As sed -i does: a new file beside the old one ("sed" and six characters), renamed over it.
    temporary = path.with_name("sed" + os.urandom(3).hex())
    temporary.write_text(text, encoding="utf-8", errors="surrogateescape")
    os.replace(temporary, path)
    return time.perf_counter()


SAVES = {"in-place": _save, "renamed": _save_renamed}


def _page_of(site: Path, cable_id: str) -> Path:
    found = sorted((site / "site" / "cable").glob(f"*/*/{cable_id}.html"))
    if not found:
        found = sorted((site / "site" / "cable").rglob(f"{cable_id}*.html"))
    if not found:
        raise SystemExit(f"no page for {cable_id} in {site / 'site'}")
    return found[0]


def _wait_for_bytes(path: Path, wanted: bytes, since: float, timeout: float) -> float:
    deadline = since + timeout
    while time.perf_counter() < deadline:
        try:
            if wanted in path.read_bytes():
                return time.perf_counter() - since
        except OSError:
            pass  # between the writer's rename of the old and the new tree
        time.sleep(0.002)
    raise SystemExit(f"{path} did not change within {timeout:.0f} s")


def _timed_build(site: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "generator", "build", "-q", "-C", str(site)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    return time.perf_counter() - started


class EventStream:
    """A Server-Sent Events client: the reload events and when each arrived."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        request = "GET /__cablesite/events HTTP/1.1\r\nHost: bench\r\n\r\n"
        self.sock.sendall(request.encode())
        self.sock.settimeout(None)
        self.reloads: queue.Queue[tuple[float, dict]] = queue.Queue()
        self.connected = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = ""
        try:
            with self.sock.makefile("rb") as stream:
                for raw in stream:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event: "):
                        name = line[len("event: ") :]
                    elif line.startswith("data: ") and name == "reload":
                        self.reloads.put((time.perf_counter(), json.loads(line[len("data: ") :])))
                    elif line.startswith("data: ") and name == "state":
                        self.connected.set()
        except OSError:
            return

    def wait_connected(self, timeout: float) -> None:
        if not self.connected.wait(timeout):
            raise SystemExit("no event stream from the server")

    def drain(self) -> None:
        while not self.reloads.empty():
            self.reloads.get_nowait()

    def wait_for_page(self, url: str, since: float, timeout: float) -> float:
        deadline = since + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"no reload event for {url} within {timeout:.0f} s")
            try:
                at, data = self.reloads.get(timeout=left)
            except queue.Empty:
                continue
            if data.get("all") or url in data.get("pages", []):
                return at - since

    def close(self) -> None:
        self.sock.close()


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
