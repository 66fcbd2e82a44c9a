"""`cablesite serve` answers range requests and HEAD, as the search page needs (and static hosts do)."""

from __future__ import annotations

import http.client
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from repo import TESTS

from generator.serve.server import UNSATISFIABLE, byte_range

sys.path.insert(0, str(TESTS / "serve"))
from test_serve_site import ServeProcess, copy_demo_site


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=4096-8191", 10_000, (4096, 8191)),
        ("bytes=900-", 1000, (900, 999)),
        ("bytes=900-5000", 1000, (900, 999)),  # the end is cut to the file
        ("bytes=-100", 1000, (900, 999)),
        ("bytes=-5000", 1000, (0, 999)),
        ("BYTES = 1-2", 10, (1, 2)),
        ("bytes=1000-", 1000, UNSATISFIABLE),
        ("bytes=-0", 1000, UNSATISFIABLE),
        ("bytes=0-", 0, UNSATISFIABLE),
        ("bytes=5-4", 1000, None),  # invalid: ignored, the whole file is sent
        ("bytes=0-1,5-6", 1000, None),  # several ranges: answered whole
        ("items=0-1", 1000, None),
        ("bytes=a-b", 1000, None),
        ("bytes=-", 1000, None),
        ("bytes=0", 1000, None),
    ],
)
def test_byte_range(header: str, size: int, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, size) == expected


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = copy_demo_site(tmp_path_factory.mktemp("ranges") / "demo")
    process = ServeProcess(root)
    try:
        yield process.url, root / "site"
    finally:
        status, err = process.stop()
        assert status == 0 and "Traceback" not in err, err


def ask(url: str, path: str, method: str = "GET", **headers: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_a_range_of_the_database_is_answered_with_206(server: tuple[str, Path]) -> None:
    url, site = server
    whole = (site / "data" / "cables.db").read_bytes()
    response = ask(url, "/data/cables.db", Range="bytes=4096-8191")
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes 4096-8191/{len(whole)}"
    assert response.getheader("Content-Length") == "4096"
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.body == whole[4096:8192]  # type: ignore[attr-defined]
    tail = ask(url, "/data/cables.db", Range="bytes=-10")
    assert tail.status == 206 and tail.body == whole[-10:]  # type: ignore[attr-defined]


def test_a_range_past_the_end_is_416(server: tuple[str, Path]) -> None:
    url, site = server
    size = (site / "data" / "cables.db").stat().st_size
    response = ask(url, "/data/cables.db", Range=f"bytes={size}-")
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{size}"


def test_without_a_range_the_whole_file_and_accept_ranges(server: tuple[str, Path]) -> None:
    url, site = server
    response = ask(url, "/data/cables.db")
    assert response.status == 200
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.body == (site / "data" / "cables.db").read_bytes()  # type: ignore[attr-defined]
    ignored = ask(url, "/data/cables.db", Range="bytes=0-1,4-5")
    assert ignored.status == 200


def test_head_answers_headers_without_a_body(server: tuple[str, Path]) -> None:
    url, site = server
    size = (site / "data" / "cables.db").stat().st_size
    response = ask(url, "/data/cables.db", "HEAD")
    assert response.status == 200
    assert response.getheader("Content-Length") == str(size)
    assert response.body == b""  # type: ignore[attr-defined]
    ranged = ask(url, "/data/cables.db", "HEAD", Range="bytes=0-99")
    assert ranged.status == 206 and ranged.getheader("Content-Length") == "100"
    assert ranged.body == b""  # type: ignore[attr-defined]


def test_a_range_of_a_page_is_not_given_the_reload_script(server: tuple[str, Path]) -> None:
    url, site = server
    page = (site / "index.html").read_bytes()
    response = ask(url, "/index.html", Range="bytes=0-49")
    assert response.status == 206 and response.body == page[:50]  # type: ignore[attr-defined]


def test_head_of_a_huge_file_reads_none_of_it(server: tuple[str, Path]) -> None:
    """The search page asks the database's size with HEAD: answered from the file's size
    (a sparse 64 GB file here, which reading would take minutes and all memory)."""
    url, site = server
    huge = site / "data" / "huge.bin"
    with open(huge, "wb") as handle:
        handle.truncate(64 * 2**30)
    try:
        started = time.monotonic()
        response = ask(url, "/data/huge.bin", "HEAD")
        assert time.monotonic() - started < 5
        assert response.status == 200
        assert response.getheader("Content-Length") == str(64 * 2**30)
        assert response.getheader("Accept-Ranges") == "bytes"
        tail = ask(url, "/data/huge.bin", Range="bytes=-4")
        assert tail.status == 206 and tail.body == b"\0" * 4  # type: ignore[attr-defined]
    finally:
        huge.unlink()


def test_sequential_ranges_on_one_connection_are_not_delayed(server: tuple[str, Path]) -> None:
    """A query reads dozens of 4 KB pages one after another on one connection. With
    Nagle's algorithm each response's body waited for the client's delayed
    acknowledgement of its headers: 40 ms a request, 0.8 s for these 20."""
    url, site = server
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    whole = (site / "data" / "cables.db").read_bytes()
    try:
        started = time.monotonic()
        for page in range(20):
            start = (page % 4) * 4096
            connection.request(
                "GET", "/data/cables.db", headers={"Range": f"bytes={start}-{start + 4095}"}
            )
            response = connection.getresponse()
            assert response.status == 206 and response.read() == whole[start : start + 4096]
        elapsed = time.monotonic() - started
    finally:
        connection.close()
    assert elapsed < 0.4, f"20 range requests took {elapsed:.2f} s"
