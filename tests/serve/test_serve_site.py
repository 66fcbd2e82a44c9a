"""The preview on a real site: the engine's rebuilder, and `cablesite serve` as a person runs it."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from repo import REPO

from generator.serve.rebuilder import IncrementalRebuilder
from generator.serve.watch import ChangeSet

CABLE = "content/cables/03OTTAWA312.md"
CABLE_PAGE = "cable/2003/02/03OTTAWA312.html"


def copy_demo_site(folder: Path) -> Path:
    """The repository's demo archive in a folder of its own (the built-in theme is found anyway)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.toml", folder / "site.toml")
    shutil.copytree(REPO / "content", folder / "content")
    return folder


def edit_subject(root: Path, subject: str) -> None:
    path = root / CABLE
    text = path.read_text(encoding="utf-8")
    start = text.index('subject: "') + len('subject: "')
    end = text.index('"', start)
    path.write_text(text[:start] + subject + text[end:], encoding="utf-8")


def test_the_rebuilder_reports_exactly_what_changed(tmp_path: Path) -> None:
    root = copy_demo_site(tmp_path / "demo")
    rebuilder = IncrementalRebuilder(root)
    first = rebuilder.rebuild(ChangeSet(everything=True))
    assert first.error is None
    assert {"index.html", CABLE_PAGE, "static/style.css", "404.html"} <= first.changed

    assert rebuilder.rebuild(ChangeSet(everything=True)).changed == frozenset()

    edit_subject(root, "Sample: an edited subject")
    edited = rebuilder.rebuild(ChangeSet.of("cable", root / CABLE))
    assert CABLE_PAGE in edited.changed
    assert "static/style.css" not in edited.changed and "404.html" not in edited.changed
    assert "Sample: an edited subject" in (root / "site" / CABLE_PAGE).read_text()

    (root / CABLE).unlink()
    deleted = rebuilder.rebuild(ChangeSet.of("cable", root / CABLE))
    assert CABLE_PAGE in deleted.changed and not (root / "site" / CABLE_PAGE).exists()


def test_the_rebuilder_keeps_the_site_on_error(tmp_path: Path) -> None:
    root = copy_demo_site(tmp_path / "demo")
    rebuilder = IncrementalRebuilder(root)
    rebuilder.rebuild(ChangeSet(everything=True))
    before = (root / "site" / "index.html").read_bytes()
    (root / "site.toml").write_text('title = "Broken"\nper_page = "many"\n')
    outcome = rebuilder.rebuild(ChangeSet.of("config", root / "site.toml"))
    assert outcome.error is not None
    assert outcome.error.path.endswith("site.toml") and outcome.error.line == 2
    assert "per_page" in outcome.error.message
    assert outcome.changed == frozenset()
    assert (root / "site" / "index.html").read_bytes() == before


# --- `cablesite serve` in a process of its own ---------------------------------------


class ServeProcess:
    """`cablesite serve --port 0` on a site; the URL is read from its output."""

    def __init__(self, root: Path, *, ignore_sigint: bool = False) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0", "-C", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=REPO,
            # As a shell starts a script's background job: SIGINT ignored.
            preexec_fn=_ignore_sigint if ignore_sigint else None,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [threading.Thread(target=self._collect_errors, daemon=True)]
        self._readers[0].start()
        self.url = self._wait_for_url(timeout=60)
        self._readers.append(threading.Thread(target=self._collect, daemon=True))
        self._readers[1].start()

    def _wait_for_url(self, timeout: float) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if line.startswith("serving http://"):
                return line.split()[1]
        self.stop()
        raise AssertionError(f"cablesite serve did not start: {self.lines}")

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def _collect_errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line)

    def get(self, path: str) -> tuple[int, bytes]:
        host_port = self.url.split("/")[2]
        host, port = host_port.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a person would; the exit status and what went to stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # The readers end at the end of the pipes: wait for them to take the
        # last lines (a fixed sleep lost "stopped" on a loaded CI machine).
        for reader in self._readers:
            reader.join(timeout=10)
        return self.process.returncode, "".join(self.errors)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, ServeProcess]]:
    root = copy_demo_site(tmp_path / "demo")
    server = ServeProcess(root)
    try:
        yield root, server
    finally:
        server.stop()


def wait_until(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_serve_rebuilds_on_save_and_stops_cleanly(served: tuple[Path, ServeProcess]) -> None:
    root, server = served
    status, body = server.get("/" + CABLE_PAGE)
    assert status == 200 and b"live-reload" in body
    assert b"live-reload" not in (root / "site" / CABLE_PAGE).read_bytes()

    edit_subject(root, "Sample: edited while serving")
    assert wait_until(lambda: b"edited while serving" in server.get("/" + CABLE_PAGE)[1])

    (root / CABLE).unlink()
    assert wait_until(lambda: server.get("/" + CABLE_PAGE)[0] == 404)

    status, err = server.stop()
    assert status == 0
    assert "Traceback" not in err
    assert any(line.startswith("stopped") for line in server.lines)


def test_serve_stops_on_sigint_when_started_ignoring_it(tmp_path: Path) -> None:
    server = ServeProcess(copy_demo_site(tmp_path / "demo"), ignore_sigint=True)
    started = time.monotonic()
    status, err = server.stop()
    assert time.monotonic() - started < 15, "SIGINT did not stop the server"
    assert status == 0 and "Traceback" not in err
    assert any(line.startswith("stopped") for line in server.lines)


def test_serve_survives_a_broken_config(served: tuple[Path, ServeProcess]) -> None:
    root, server = served
    good = (root / "site.toml").read_text()
    (root / "site.toml").write_text(good.replace("per_page = 50", 'per_page = "many"'))
    assert wait_until(lambda: any("per_page" in line for line in server.errors))
    assert server.get("/" + CABLE_PAGE)[0] == 200
    (root / "site.toml").write_text(good.replace("Cablesite demo archive", "Renamed archive"))
    assert wait_until(lambda: b"Renamed archive" in server.get("/")[1])
    status, err = server.stop()
    assert status == 0 and "Traceback" not in err
    assert "site.toml" in err and "per_page" in err
