"""The preview server stays up for a room of readers (#13): a short version of the load test.

bench/serve_load.py runs the full one (200 clients for 30 s, 200 reload
streams at once) and prints its figures; these tests check, in a few
seconds, what it must never lose: every client answered, reload streams
that hold no request thread, long and odd URLs answered without a traceback.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.serve.livereload import EVENTS_PATH
from tests.serve.test_serve import PAGE, Running, ScriptedRebuilder, make_output

CLIENTS = 200


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    make_output(tmp_path)
    server = Running(tmp_path, ScriptedRebuilder())
    server.preview.start()
    try:
        yield server
    finally:
        server.preview.stop()


def _get(
    port: int, path: str, answers: list[int], connects: list[float], start: threading.Barrier
) -> None:
    start.wait()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        started = time.perf_counter()
        conn.connect()
        connects.append(time.perf_counter() - started)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        answers.append(response.status)
        conn.close()
    except OSError:
        answers.append(0)


def test_a_burst_of_clients_is_all_answered(running: Running) -> None:
    """README: "a room of readers" -- 200 connections at the same instant, all answered."""
    answers: list[int] = []
    connects: list[float] = []
    start = threading.Barrier(CLIENTS)
    page = "/cable/2003/01/03OTTAWA49.html"
    clients = [
        threading.Thread(target=_get, args=(running.port, page, answers, connects, start))
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=30)
    assert answers.count(200) == CLIENTS
    # A connection the listen queue had no room for is retried by the client's
    # system after a second (then 3, 7…): none may have waited that long.
    assert max(connects) < 0.9, sorted(connects)[-5:]


def test_reload_streams_hold_no_request_thread(running: Running) -> None:
    """README: open pages' reload streams do not tie up the threads that answer requests."""
    before = threading.active_count()
    streams = [running.events() for _ in range(100)]
    try:
        for stream in streams:
            stream.next("state")
        # Each stream client here is a thread of its own (100); the server adds
        # none that stays: its request threads ended once the headers were out.
        deadline = time.monotonic() + 5
        while threading.active_count() > before + len(streams) + 2:
            assert time.monotonic() < deadline, threading.active_count() - before
            time.sleep(0.05)
        assert running.preview.streams.open_count() == len(streams)
        status, _, body = running.request("/cable/2003/01/03OTTAWA49.html")
        assert status == 200 and PAGE.split(b"<body>")[0] in body
        running.preview.hub.publish_build(["/cable/2003/01/03OTTAWA49.html"])
        for stream in streams:
            assert stream.next("reload")["pages"] == ["/cable/2003/01/03OTTAWA49.html"]
    finally:
        for stream in streams:
            stream.close()


def test_a_closed_stream_is_dropped(running: Running) -> None:
    stream = running.events()
    stream.next("state")
    assert running.preview.streams.open_count() == 1
    stream.sock.shutdown(socket.SHUT_RDWR)  # (the reader thread's file keeps the socket open)
    stream.close()
    running.preview.hub.publish_build(["/index.html"])  # writing notices the reader is gone
    deadline = time.monotonic() + 10
    while running.preview.streams.open_count():
        assert time.monotonic() < deadline
        running.preview.hub.publish_build(["/index.html"])
        time.sleep(0.05)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received:
                break
        return received


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/" + "a" * 8192, 414),  # over MAX_URL_PATH
        ("/" + "a/" * 900 + "x", 404),  # under it, but deeper than any file
        ("/" + "b" * 300 + ".html", 404),  # a name longer than a file name may be
        ("/cable/" + "%e2%80%a8" * 100, 404),
        (EVENTS_PATH[:-1] + "X" * 5000, 414),
    ],
)
def test_long_and_odd_urls_are_answered_without_a_traceback(
    running: Running, capfd: pytest.CaptureFixture[str], path: str, status: int
) -> None:
    """README: a long or bad URL is answered 414 or 404, and the terminal stays quiet."""
    response = _raw(running.port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert response.startswith(f"HTTP/1.1 {status} ".encode()), response[:80]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert "aaaa" not in out + err and "bbbb" not in out + err
