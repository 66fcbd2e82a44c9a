"""The preview server: what it serves, what it refuses, and what it tells open pages.

A real server on 127.0.0.1 (an ephemeral port) in front of a hand-made
output folder and a scripted rebuilder, so each test controls exactly what a
"build" changes.
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import UserError
from generator.model import Problem
from generator.serve.livereload import EVENTS_PATH, LiveReload, inject
from generator.serve.server import (
    BuildGate,
    Preview,
    RebuildOutcome,
    Target,
    _named_or_inside,
    content_type,
    route,
    serve,
)
from generator.serve.watch import ChangeSet

SECRET = b"TOP SECRET: outside the output folder"
PAGE = b"<!doctype html><html><head><title>t</title></head><body><p>cable</p></body></html>\n"


@dataclass
class ScriptedRebuilder:
    """Answers each rebuild with the next outcome; `action` runs first (the "build")."""

    outcomes: list[RebuildOutcome] = field(default_factory=list)
    action: Callable[[], None] | None = None
    calls: list[ChangeSet] = field(default_factory=list)

    def rebuild(self, changes: ChangeSet) -> RebuildOutcome:
        self.calls.append(changes)
        if self.action is not None:
            self.action()
        return self.outcomes.pop(0) if self.outcomes else RebuildOutcome()


def make_output(root: Path, base_url: str = "/") -> Path:
    (root / "site.toml").write_text(f'title = "Test"\nbase_url = "{base_url}"\n')
    out = root / "site"
    (out / "cable" / "2003" / "01").mkdir(parents=True)
    (out / "tag" / "PREL").mkdir(parents=True)
    (out / "static").mkdir()
    (out / "index.html").write_bytes(PAGE.replace(b"cable", b"home"))
    (out / "404.html").write_bytes(PAGE.replace(b"cable", b"This page is not in the archive"))
    (out / "cable" / "2003" / "01" / "03OTTAWA49.html").write_bytes(PAGE)
    (out / "tag" / "PREL" / "index.html").write_bytes(PAGE.replace(b"cable", b"PREL"))
    (out / "static" / "style.css").write_bytes(b"body { color: black }\n")
    (out / "feed.xml").write_bytes(b"<?xml version='1.0'?><feed></feed>\n")
    (out / "bare.html").write_bytes(b"<p>no body element</p>")
    (root / "secret.txt").write_bytes(SECRET)
    (out / "leak.txt").symlink_to(root / "secret.txt")
    (out / "leakdir").symlink_to(root)
    return out


class Running:
    """A started Preview and helpers to talk to it."""

    def __init__(self, root: Path, rebuilder: ScriptedRebuilder) -> None:
        self.root = root
        self.rebuilder = rebuilder
        self.log: list[str] = []
        self.preview = Preview(root, rebuilder, port=0, log=self.log.append)
        self.port = self.preview.server.server_address[1]

    def request(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            # http.client sends the path as given, so hostile paths reach the server intact.
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def events(self, query: str = "") -> EventStream:
        return EventStream(self.port, EVENTS_PATH + query)


class EventStream:
    """A Server-Sent Events client on a raw socket; events are parsed in a thread."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self.received: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.headers = b""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buffer = b""
        with self.sock.makefile("rb") as stream:
            try:
                for line in stream:
                    buffer += line
                    if not self.headers and buffer.endswith(b"\r\n\r\n"):
                        self.headers, buffer = buffer, b""
                    elif self.headers and buffer.endswith(b"\n\n"):
                        self._parse(buffer.decode())
                        buffer = b""
            except OSError:
                return

    def _parse(self, block: str) -> None:
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data += line[len("data: ") :]
        if data:
            self.received.put((name, json.loads(data)))

    def next(self, name: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            got, data = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            if got == name:
                return data

    def nothing_more(self, wait: float = 0.5) -> bool:
        try:
            self.received.get(timeout=wait)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return make_output(tmp_path)


@pytest.fixture
def running(tmp_path: Path, output: Path) -> Iterator[Running]:
    server = Running(tmp_path, ScriptedRebuilder())
    server.preview.start()
    try:
        yield server
    finally:
        server.preview.stop()


# --- routing and path safety ---------------------------------------------------------


def test_route_maps_urls_to_files(output: Path) -> None:
    target = Target(output, "/")
    assert route("/", target).file == (output / "index.html").resolve()
    assert route("/tag/PREL/", target).file == (output / "tag/PREL/index.html").resolve()
    assert route("/tag/PREL/?x=1", target).file == (output / "tag/PREL/index.html").resolve()
    assert route("/cable/2003/01/03OTTAWA49.html#p2", target).status == 200
    assert route("/cable/2003/01/03OTTAWA%34%39.html", target).status == 200
    moved = route("/tag/PREL?x=1", target)
    assert (moved.status, moved.location) == (301, "/tag/PREL/?x=1")
    assert route("/cable/2003/01/03OTTAWA49.html/", target).status == 404
    assert route("/missing.html", target).status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/cable/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/cable/%2e%2e/%2e%2e/secret.txt",
        "/./index.html",
        "//etc/passwd",
        "/cable//2003",
        "/%00",
        "/index.html%00.css",
        "/%ff%fe",
        "secret.txt",
    ],
)
def test_route_refuses_hostile_paths(output: Path, path: str) -> None:
    assert route(path, Target(output, "/")).status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/leak.txt",  # a symlink to a file outside
        "/leakdir/secret.txt",  # through a symlinked folder
        "/leakdir/",
        "/etc/passwd",
        str(Path("/").resolve() / "etc" / "passwd"),
    ],
)
def test_route_never_leaves_the_output_folder(output: Path, path: str) -> None:
    found = route(path, Target(output, "/"))
    assert found.status in (400, 404)
    assert found.file is None


def test_route_under_a_base_path(output: Path) -> None:
    target = Target(output, "/repo/")
    assert (route("/", target).status, route("/", target).location) == (302, "/repo/")
    assert route("/repo", target).location == "/repo/"
    assert route("/repo/", target).file == (output / "index.html").resolve()
    assert route("/repo/tag/PREL/", target).status == 200
    assert route("/tag/PREL/", target).status == 404
    assert route("/repository/", target).status == 404


def test_hostile_requests_over_http(running: Running) -> None:
    paths = [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "http://127.0.0.1/../secret.txt",
    ]
    for path in paths:
        status, _, body = running.request(path)
        assert status in (400, 404), path
        assert SECRET not in body, path


def test_only_get_and_head(running: Running) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, _ = running.request("/", method)
        assert status == 405, method
        assert headers["Allow"] == "GET, HEAD"


# --- responses ---------------------------------------------------------------------


def test_html_responses_get_the_script_files_do_not(running: Running, output: Path) -> None:
    status, headers, body = running.request("/cable/2003/01/03OTTAWA49.html")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert b'data-cablesite="live-reload"' in body
    assert body.index(b"live-reload") < body.rindex(b"</body>")
    assert body.replace(body[body.index(b"<script") : body.rindex(b"</body>")], b"") == PAGE
    assert (output / "cable/2003/01/03OTTAWA49.html").read_bytes() == PAGE
    assert headers["Cache-Control"] == "no-store"


def test_other_files_are_untouched(running: Running, output: Path) -> None:
    for path, kind in (
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/feed.xml", "application/xml; charset=utf-8"),
    ):
        status, headers, body = running.request(path)
        assert status == 200
        assert body == (output / path.lstrip("/")).read_bytes()
        assert headers["Content-Type"] == kind
        assert int(headers["Content-Length"]) == len(body)


def test_html_without_body_gets_the_script_at_the_end(running: Running) -> None:
    _, headers, body = running.request("/bare.html")
    assert body.startswith(b"<p>no body element</p><script")
    assert int(headers["Content-Length"]) == len(body)


def test_head_has_the_get_headers_and_no_body(running: Running) -> None:
    _, get_headers, body = running.request("/tag/PREL/")
    status, headers, empty = running.request("/tag/PREL/", "HEAD")
    assert status == 200 and empty == b""
    assert headers["Content-Length"] == get_headers["Content-Length"] == str(len(body))


def test_not_found_is_the_sites_own_page(running: Running) -> None:
    status, headers, body = running.request("/cable/2099/01/NOPE.html")
    assert status == 404
    assert b"This page is not in the archive" in body
    assert b"live-reload" in body  # so the page reloads when the cable appears
    assert int(headers["Content-Length"]) == len(body)


def test_inject_before_the_last_body_tag() -> None:
    html = b"<body><pre>&lt;/body&gt;</pre></BODY >"
    assert inject(html, b"<s>") == b"<body><pre>&lt;/body&gt;</pre><s></BODY >"


def test_content_types() -> None:
    assert content_type(Path("x.svg")) == "image/svg+xml; charset=utf-8"
    assert content_type(Path("x.woff2")).startswith(("font/woff2", "application/"))
    assert content_type(Path("robots.txt")) == "text/plain; charset=utf-8"


def test_base_path_is_honoured(tmp_path: Path) -> None:
    make_output(tmp_path, base_url="https://user.github.io/repo/")
    server = Running(tmp_path, ScriptedRebuilder())
    server.preview.start()
    try:
        status, headers, _ = server.request("/")
        assert (status, headers["Location"]) == (302, "/repo/")
        assert server.request("/repo/tag/PREL/")[0] == 200
        assert server.request("/tag/PREL/")[0] == 404
        assert server.preview.url.endswith("/repo/")
    finally:
        server.preview.stop()


# --- live reload ---------------------------------------------------------------------


def test_a_build_tells_pages_what_changed(running: Running) -> None:
    stream = running.events()
    try:
        assert stream.next("state") == {"problems": [], "fatal": False}
        running.rebuilder.outcomes.append(
            RebuildOutcome(
                frozenset({"cable/2003/01/03OTTAWA49.html", "tag/PREL/index.html", "feed.xml"})
            )
        )
        running.preview.rebuild(ChangeSet.of("cable", running.root / "content/cables/x.txt"))
        reload = stream.next("reload")
        assert reload["all"] is False
        assert reload["pages"] == ["/cable/2003/01/03OTTAWA49.html", "/tag/PREL/"]
        running.rebuilder.outcomes.append(RebuildOutcome(frozenset({"static/style.css"})))
        running.preview.rebuild(ChangeSet.of("static", running.root / "static/style.css"))
        assert stream.next("reload")["all"] is True
        # A build that changed nothing reloads nothing.
        running.preview.rebuild(ChangeSet.of("cable", running.root / "content/cables/x.txt"))
        assert stream.nothing_more()
    finally:
        stream.close()


def test_a_page_that_connects_late_learns_what_it_missed(running: Running) -> None:
    _, _, body = running.request("/cable/2003/01/03OTTAWA49.html")
    since = body.split(b'"since": "')[1].split(b'"')[0].decode()
    running.rebuilder.outcomes.append(RebuildOutcome(frozenset({"cable/2003/01/03OTTAWA49.html"})))
    running.preview.rebuild(ChangeSet.of("cable", running.root / "content/cables/x.txt"))
    stale = running.events(f"?since={since}&page=/cable/2003/01/03OTTAWA49.html")
    fresh = running.events(f"?since={since}&page=/tag/PREL/")
    try:
        assert stale.next("reload")["all"] is True
        fresh.next("state")
        assert fresh.nothing_more()
    finally:
        stale.close()
        fresh.close()


def test_live_reload_history() -> None:
    hub = LiveReload(history=3)
    first = hub.since()
    hub.publish_build(["/a.html"])
    assert hub._missed(first, "/a.html") and not hub._missed(first, "/b.html")
    assert hub._missed("another-run.0", "/b.html")  # a page from before a restart
    assert not hub._missed("", "/a.html") and not hub._missed(hub.since(), "/a.html")
    for _ in range(4):
        hub.publish_build(["/c.html"])
    assert hub._missed(first, "/b.html")  # older than the history: assume it changed
    hub.publish_build([f"/{n}.html" for n in range(5000)])
    assert hub._history[-1].all  # too many to list


def test_an_error_shows_in_every_page_until_a_good_build(running: Running, output: Path) -> None:
    stream = running.events()
    try:
        stream.next("state")
        problem = Problem("site.toml", 3, "per_page must be <b>a number</b>")
        running.rebuilder.outcomes.append(RebuildOutcome(error=problem))
        running.preview.rebuild(ChangeSet.of("config", running.root / "site.toml"))
        state = stream.next("state")
        assert state["fatal"] is True
        assert state["problems"] == [{"path": "site.toml", "line": 3, "message": problem.message}]
        assert any("error: site.toml:3: per_page" in line for line in running.log)
        # The last good site is still served, and a new tab sees the error too.
        assert running.request("/cable/2003/01/03OTTAWA49.html")[0] == 200
        late = running.events()
        try:
            assert late.next("state")["problems"][0]["line"] == 3
        finally:
            late.close()
        running.rebuilder.outcomes.append(RebuildOutcome(frozenset({"index.html"})))
        running.preview.rebuild(ChangeSet.of("config", running.root / "site.toml"))
        assert stream.next("state") == {"problems": [], "fatal": False}
    finally:
        stream.close()


def test_warnings_about_the_changed_files_are_shown(running: Running) -> None:
    stream = running.events()
    try:
        stream.next("state")
        edited = running.root / "content" / "cables" / "03OTTAWA49.txt"
        mine = Problem("content/cables/03OTTAWA49.txt", 4, "front matter: bad date")
        other = Problem("content/cables/old.txt", None, "no cable found in this file")
        running.rebuilder.outcomes.append(RebuildOutcome(frozenset(), problems=(mine, other)))
        running.preview.rebuild(ChangeSet.of("cable", edited))
        state = stream.next("state")
        assert state["fatal"] is False
        assert [p["message"] for p in state["problems"]] == ["front matter: bad date"]
    finally:
        stream.close()


def test_a_crashing_rebuilder_does_not_stop_the_server(running: Running) -> None:
    def crash() -> None:
        raise RuntimeError("engine bug")

    running.rebuilder.action = crash
    stream = running.events()
    try:
        stream.next("state")
        outcome = running.preview.rebuild(ChangeSet(everything=True))
        assert outcome.error is not None and "engine bug" in outcome.error.message
        assert "internal error" in stream.next("state")["problems"][0]["message"]
        assert running.request("/")[0] == 200
    finally:
        stream.close()


def test_requests_wait_for_a_running_build(running: Running, output: Path) -> None:
    page = output / "cable" / "2003" / "01" / "03OTTAWA49.html"
    started = threading.Event()

    def slow_build() -> None:
        page.write_bytes(b"<p>half-written")
        started.set()
        time.sleep(0.5)
        page.write_bytes(PAGE.replace(b"cable", b"rebuilt"))

    running.rebuilder.action = slow_build
    builder = threading.Thread(target=running.preview.rebuild, args=(ChangeSet(everything=True),))
    builder.start()
    try:
        assert started.wait(10)
        _, _, body = running.request("/cable/2003/01/03OTTAWA49.html")
        assert b"<p>rebuilt</p>" in body and b"half-written" not in body
    finally:
        builder.join()


def test_build_gate_lets_a_waiting_build_go_first() -> None:
    gate = BuildGate()
    order: list[str] = []
    with gate.reading():
        builder = threading.Thread(target=lambda: _hold(gate, order))
        builder.start()
        deadline = time.monotonic() + 10
        while not gate._builds_waiting and time.monotonic() < deadline:
            time.sleep(0.01)  # until the build waits for this reader
        reader = threading.Thread(target=lambda: _read(gate, order))
        reader.start()
        time.sleep(0.1)  # the second reader now queues behind the waiting build
        order.append("first reader done")
    builder.join(5)
    reader.join(5)
    assert order == ["first reader done", "build", "second reader"]


def _hold(gate: BuildGate, order: list[str]) -> None:
    with gate.building():
        order.append("build")


def _read(gate: BuildGate, order: list[str]) -> None:
    with gate.reading():
        order.append("second reader")


def test_a_request_that_waits_too_long_gets_503(running: Running) -> None:
    gate = running.preview.gate
    with gate.building(), pytest.raises(TimeoutError), gate.reading(timeout=0.1):
        pass


def test_stop_ends_open_connections_and_joins_their_threads(tmp_path: Path) -> None:
    make_output(tmp_path)
    server = Running(tmp_path, ScriptedRebuilder())
    server.preview.start()
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    idle.request("GET", "/")  # HTTP/1.1: the connection stays open afterwards
    idle.getresponse().read()
    stream = server.events()
    stream.next("state")
    server.preview.stop()
    idle.close()
    stream.close()
    assert not [t for t in threading.enumerate() if "process_request_thread" in t.name]


# --- the command -------------------------------------------------------------------


def test_port_in_use_is_a_user_error(tmp_path: Path) -> None:
    make_output(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=r"127\.0\.0\.1:\d+: cannot listen"):
            Preview(tmp_path, ScriptedRebuilder(), port=port)


def test_bad_port_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a port number"):
        serve(tmp_path, port=70000)


def test_a_missing_site_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="missing: no such folder"):
        serve(tmp_path / "missing", port=0)


@settings(max_examples=500, deadline=None)
@given(
    absolute=st.booleans(),
    parts=st.lists(st.sampled_from(["a", "b", "content", "cables", ".", "", "x.txt"]), max_size=5),
    names=st.sets(
        st.sampled_from([".", "/", "a", "a/b", "/a", "content", "content/cables", "a/x.txt", "b"])
    ),
)
def test_problems_of_changed_files_are_found_as_pathlib_would(
    absolute: bool, parts: list[str], names: set[str]
) -> None:
    """The string walk up a problem's folders agrees with PurePosixPath's parents."""
    path = ("/" if absolute else "") + "/".join(parts)
    if path:
        named = PurePosixPath(path)
        expected = any(p.as_posix() in names for p in (named, *named.parents))
        assert _named_or_inside(path, names) == expected
