"""``cablesite serve``: build, serve the output over HTTP, rebuild on every change, reload the browser.

The pieces, in the order a change goes through them:

1. :mod:`generator.serve.watch` turns file events into a debounced :class:`ChangeSet`;
2. a :class:`~generator.serve.rebuilder.Rebuilder` brings the output up to
   date and says which output files changed (its
   :class:`~generator.serve.rebuilder.RebuildOutcome`): the engine's, through
   :class:`~generator.serve.rebuilder.IncrementalRebuilder`;
3. :class:`LiveReload` tells the open pages, which reload if they changed.

Builds run in the main thread (so Ctrl-C interrupts a build, which then
leaves the previous site in place) while HTTP requests are answered in
threads that wait for a running build to finish: nobody is served a
half-written site. A build that fails keeps the last good site served and
shows its error in every open page until a build succeeds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from mimetypes import guess_type
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

from generator.check.checker import detected_base_url
from generator.config import SiteConfig, load_config
from generator.engine.cache import CACHE_NAME
from generator.errors import UserError
from generator.model import Problem
from generator.serve.livereload import (
    EVENTS_PATH,
    LiveReload,
    StreamWriter,
    inject,
    script_tag,
)
from generator.serve.rebuilder import IncrementalRebuilder, Rebuilder, RebuildOutcome
from generator.serve.watch import ChangeSet, Debouncer, SiteLayout, SiteWatcher, site_layout
from generator.urls import Urls

# How long a request waits for a running build before it is told to retry.
REQUEST_WAIT = 120.0
# Seconds of silence after which an event stream sends a comment, to notice
# browsers that went away.
HEARTBEAT = 15.0
# A request path longer than this is answered 414: no page of a site has
# one (the longest are a few hundred bytes), and a longer one reached the file
# system only to fail there (ENAMETOOLONG from about 4 KB).
MAX_URL_PATH = 2048
# The longest file name most file systems allow, in bytes.
MAX_NAME = 255

Log = Callable[[str], None]


# --- what is served --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The folder served and the URL path it is served under (``/`` or ``/repo/``)."""

    output: Path
    base_path: str


def site_target(root: Path, previous: Target | None = None) -> Target:
    """Where the site's output is and its base path, from ``site.toml``.

    With a broken config the previous target stays; at startup the base
    path is read back from the last built home page.
    """
    try:
        config = load_config(root)
    except UserError:
        if previous is not None:
            return previous
        output = SiteConfig(root=root).output_dir
        try:
            base_url = detected_base_url(output) or "/"
        except OSError:
            base_url = "/"
        return Target(output, Urls(base_url).base_path)
    return Target(config.output_dir, Urls(config.base_url).base_path)


class BuildGate:
    """Requests read the output between builds, never during one.

    A readers-writer lock that favours the build: once a build waits, new
    requests queue behind it, and it starts as soon as the requests being
    answered have read their file.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._building = False
        self._builds_waiting = 0

    @contextmanager
    def reading(self, timeout: float = REQUEST_WAIT) -> Iterator[None]:
        with self._cond:
            idle = self._cond.wait_for(
                lambda: not self._building and not self._builds_waiting, timeout
            )
            if not idle:
                raise TimeoutError("a build is still running")
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def building(self) -> Iterator[None]:
        with self._cond:
            self._builds_waiting += 1
            try:
                self._cond.wait_for(lambda: not self._readers and not self._building)
            finally:
                self._builds_waiting -= 1
            self._building = True
        try:
            yield
        finally:
            with self._cond:
                self._building = False
                self._cond.notify_all()


@dataclass(frozen=True, slots=True)
class Route:
    """How to answer a request path: a file, a redirect, or an error status."""

    status: int
    file: Path | None = None
    location: str = ""


def route(raw_target: str, target: Target) -> Route:
    """Map a request target to a file inside the output folder, and nothing outside it.

    Each segment is decoded on its own, so an encoded slash or backslash
    can never make a new segment; ``.`` and ``..`` segments, empty ones and
    NUL bytes are refused; and the file found is resolved (symlinks
    followed) and must still be inside the output folder.
    """
    raw_path, query = _split_target(raw_target)
    base = target.base_path
    if len(raw_path) > MAX_URL_PATH:
        return Route(HTTPStatus.REQUEST_URI_TOO_LONG)
    if not raw_path.startswith("/"):
        return Route(HTTPStatus.BAD_REQUEST)
    if raw_path in ("/", base.rstrip("/")) and raw_path != base:
        return Route(HTTPStatus.FOUND, location=base + (f"?{query}" if query else ""))
    if not raw_path.startswith(base):
        return Route(HTTPStatus.NOT_FOUND)
    segments = _decoded_segments(raw_path[len(base) :])
    if segments is None:
        return Route(HTTPStatus.BAD_REQUEST)
    if any(len(s.encode("utf-8", "surrogateescape")) > MAX_NAME for s in segments):
        return Route(HTTPStatus.NOT_FOUND)  # no file has such a name
    try:
        return _file_route(target, segments, raw_path, query)
    except (OSError, ValueError):
        # ENAMETOOLONG, ELOOP, EACCES…: nothing there that can be served.
        return Route(HTTPStatus.NOT_FOUND)


def _file_route(target: Target, segments: list[str], raw_path: str, query: str) -> Route:
    folder = target.output.resolve()
    wants_folder = not segments or segments[-1] == ""
    found = _inside(folder, folder.joinpath(*[s for s in segments if s]))
    if found is not None and found.is_dir():
        if not wants_folder:
            return Route(
                HTTPStatus.MOVED_PERMANENTLY,
                location=f"{raw_path}/" + (f"?{query}" if query else ""),
            )
        found = _inside(folder, found / "index.html")
    if found is None or not found.is_file() or (wants_folder and found.name != "index.html"):
        return Route(HTTPStatus.NOT_FOUND)
    return Route(HTTPStatus.OK, file=found)


def _split_target(raw_target: str) -> tuple[str, str]:
    if raw_target.startswith(("http://", "https://")):
        parts = urlsplit(raw_target)  # the absolute form a proxy would send
        return parts.path or "/", parts.query
    path, _, query = raw_target.partition("?")
    return path.partition("#")[0], query.partition("#")[0]


def _decoded_segments(relative: str) -> list[str] | None:
    """The decoded segments of a site-relative URL path; None when any is hostile."""
    segments = relative.split("/") if relative else []
    decoded: list[str] = []
    for number, segment in enumerate(segments):
        try:
            text = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return None
        last = number == len(segments) - 1
        if (not text and not last) or text in (".", "..") or any(c in text for c in "/\\\0"):
            return None
        decoded.append(text)
    return decoded


def _inside(folder: Path, candidate: Path) -> Path | None:
    """`candidate` with symlinks resolved, if it is still inside `folder`."""
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError):
        return None
    return real if real == folder or folder in real.parents else None


def content_type(path: Path) -> str:
    kind = guess_type(path.name)[0] or "application/octet-stream"
    textual = kind.startswith("text/") or kind.endswith(("xml", "json", "javascript"))
    return f"{kind}; charset=utf-8" if textual else kind


# --- HTTP ------------------------------------------------------------------------


# --- range requests (the search page reads data/cables.db a few pages at a time) ---


def ranged_response(
    found: Route, header: str | None
) -> tuple[int, bytes, str, dict[str, str]] | None:
    """The answer to a Range request for a file: 206 with the bytes asked for, or 416.

    None when the request is answered whole: no Range header, not a file, a
    header this server does not take (several ranges, another unit, a
    malformed one: RFC 9110 lets a server ignore it). Only the range is
    read, so a query reading a few pages of a large database costs a few
    pages.
    """
    if header is None or found.file is None or found.status != HTTPStatus.OK:
        return None
    try:
        with open(found.file, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            span = byte_range(header, size)
            if span is None:
                return None
            kind = content_type(found.file)
            if span == UNSATISFIABLE:
                return (
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    b"",
                    kind,
                    {"Content-Range": f"bytes */{size}"},
                )
            start, end = span
            body = os.pread(handle.fileno(), end - start + 1, start)
    except OSError:
        return None
    return HTTPStatus.PARTIAL_CONTENT, body, kind, {"Content-Range": f"bytes {start}-{end}/{size}"}


UNSATISFIABLE = (-1, -1)


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single ``bytes=`` range of a file of `size` bytes;
    UNSATISFIABLE when none of it is in the file, None when the header is not one range."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first and not last:
        return None
    if not first:  # bytes=-N: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, end


class PreviewServer(ThreadingHTTPServer):
    """Answers each connection in a thread; `close` ends them all and joins their threads."""

    # Joined on close rather than left to die with the process, so that a
    # stop is clean: the open connections are shut down first, which ends
    # idle keep-alive reads and event streams at once.
    daemon_threads = False
    block_on_close = True
    # The listen backlog: a room of readers opening pages at once (200 in the
    # load test) must queue, not be refused; the default of 5 left a third of
    # them unanswered. The system caps it (net.core.somaxconn).
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        self._open: set[socket.socket] = set()
        # Connections handed to the event-stream writer: not closed when their request ends.
        self._handed_off: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)  # type: ignore[arg-type]

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
            if request in self._handed_off:
                self._handed_off.discard(request)
                return  # the stream writer owns it now
        super().shutdown_request(request)

    def hand_off(self, request: socket.socket) -> None:
        """The request's connection outlives its request (an event stream)."""
        with self._open_lock:
            self._handed_off.add(request)

    def close(self) -> None:
        """Stop serving: after `shutdown` (no new connections), end the open ones."""
        with self._open_lock:
            for connection in self._open:
                with suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self.server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # a browser cancelling a request on reload is not news
        # One line, never a traceback: the request's path (which may be
        # anything a client sent) is not echoed, and the terminal stays for builds.
        kind = type(error).__name__
        errno = getattr(error, "errno", None)
        detail = f" ({os.strerror(errno)})" if isinstance(errno, int) else ""
        print(f"serve: a request failed: {kind}{detail}", file=sys.stderr)


# What a whole file is sent in: large enough for few system calls, small
# enough that a slow client never makes the server hold much of the file.
_STREAM_CHUNK = 256 * 1024


def _opened_whole(found: Route) -> tuple[BinaryIO, int, str] | None:
    """A file to send whole and as it is (open, its size, its type): any file but an
    HTML page, which gets the live-reload script. None otherwise, or when it
    cannot be opened (then answered as before: a 404)."""
    if found.file is None or found.status != HTTPStatus.OK:
        return None
    kind = content_type(found.file)
    if kind.startswith("text/html"):
        return None
    try:
        handle = open(found.file, "rb")  # noqa: SIM115 (closed by _send_file)
    except OSError:
        return None
    try:
        size = os.fstat(handle.fileno()).st_size
    except OSError:
        handle.close()
        return None
    return handle, size, kind


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "cablesite"
    # Idle keep-alive connections end after this many seconds.
    timeout = 60
    # TCP_NODELAY: the headers and the body are two writes, and with Nagle's
    # algorithm the body waited for the client's delayed acknowledgement of
    # the headers, 40 ms a response. The search page reads the database in
    # dozens of sequential 4 KB range requests: 2.9 s for a query at 251,052
    # cables, where the bytes take a tenth of that.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _not_allowed(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for builds and their errors."""

    def _answer(self, *, head: bool) -> None:
        preview = self.server.preview
        path, query = _split_target(self.path)
        if path == EVENTS_PATH:
            self._stream_events(query, head=head)
            return
        try:
            with preview.gate.reading():
                found = route(self.path, preview.target)
                ranged = ranged_response(found, self.headers.get("Range"))
                whole = None if ranged else _opened_whole(found)
                if whole is None:
                    status, body, kind, extra = ranged or (*self._response_for(found), {})
                    since = preview.hub.since()
        except TimeoutError:
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                b"a build is running; retry\n",
                "text/plain; charset=utf-8",
                head,
                {"Retry-After": "1"},
            )
            return
        if whole is not None:
            # Sent from the open file once out of the gate: a rebuild may replace
            # the file meanwhile, and the reader still gets the one it asked for.
            self._send_file(*whole, head=head)
            return
        if kind.startswith("text/html") and ranged is None:
            body = inject(body, script_tag(since))
        if found.location:
            extra["Location"] = found.location
        if found.file is not None and status in (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT):
            extra["Accept-Ranges"] = "bytes"
        self._send(status, body, kind, head, extra)

    def _response_for(self, found: Route) -> tuple[int, bytes, str]:
        if found.file is not None:
            try:
                return found.status, found.file.read_bytes(), content_type(found.file)
            except OSError:
                pass
        if found.status in (HTTPStatus.OK, HTTPStatus.NOT_FOUND):
            return HTTPStatus.NOT_FOUND, *self._not_found_page()
        phrase = HTTPStatus(found.status).phrase
        return found.status, f"{found.status} {phrase}\n".encode(), "text/plain; charset=utf-8"

    def _not_found_page(self) -> tuple[bytes, str]:
        folder = self.server.preview.target.output.resolve()
        page = _inside(folder, folder / "404.html")
        if page is not None and page.is_file():
            return page.read_bytes(), "text/html; charset=utf-8"
        # No site yet (the first build failed): still an HTML page, for the overlay.
        return (
            b"<!doctype html><title>Not found</title><body><h1>Not found</h1></body>\n",
            "text/html; charset=utf-8",
        )

    def _send(
        self, status: int, body: bytes, kind: str, head: bool, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        # A preview must never be answered from a cache after a rebuild.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_file(self, handle: BinaryIO, size: int, kind: str, *, head: bool) -> None:
        """A file that is not HTML, whole, from `handle` (closed here): a HEAD request
        (the search page asks the database's size) reads none of it, a GET
        streams it rather than holding a gigabyte in memory."""
        with handle:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if not head:
                shutil.copyfileobj(handle, self.wfile, _STREAM_CHUNK)

    def _stream_events(self, query: str, *, head: bool) -> None:
        params = parse_qs(query)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        if head:
            self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True
        if head:
            return
        preview = self.server.preview
        sub = preview.hub.subscribe(params.get("since", [""])[0], params.get("page", [""])[0])
        try:
            self.wfile.flush()
        except OSError:
            preview.hub.unsubscribe(sub)
            return  # the page went away
        # From here the stream writer's one thread sends its events: this
        # request thread is free as soon as the headers are out.
        self.server.hand_off(self.connection)
        preview.streams.add(self.connection, sub)


# --- the preview: server + rebuilds + live reload ---------------------------------


class Preview:
    """A served site that a rebuild updates, telling the open pages what changed."""

    def __init__(
        self,
        root: Path,
        rebuilder: Rebuilder,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Log | None = None,
        log_error: Log | None = None,
    ) -> None:
        self.root = root
        self.rebuilder = rebuilder
        self.log = log or _print
        self.log_error = log_error or log or _print_error
        self.target = site_target(root)
        self.gate = BuildGate()
        self.hub = LiveReload()
        self.streams = StreamWriter(self.hub, HEARTBEAT)
        self._config = SiteConfig(root=root)
        try:
            self.server = PreviewServer((host, port), self)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            hint = " (try another --port, or --port 0 for any free one)" if exc.errno == 98 else ""
            raise UserError(f"{host}:{port}", None, f"cannot listen: {reason}{hint}") from None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}{self.target.base_path}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="cablesite-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.hub.close()
        self.streams.stop()
        self.server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.server.close()

    def layout(self) -> SiteLayout:
        """The folders to watch, from the last config that could be read.

        While ``site.toml`` is broken its theme is unknown; the previous
        theme's folders stay watched, so edits made meanwhile are not lost.
        """
        with suppress(UserError):
            self._config = load_config(self.root)
        return site_layout(self._config, extra_ignored=[self.root / CACHE_NAME])

    def rebuild(self, changes: ChangeSet) -> RebuildOutcome:
        """Run one rebuild while requests wait, then tell the open pages."""
        started = time.monotonic()
        before = self.target
        with self.gate.building():
            outcome = self._run(changes)
            if outcome.error is None:
                self.target = site_target(self.root, self.target)
            # Announced before requests resume, so that a page served from now
            # on carries the new build number and is not reloaded a second time.
            self._publish(outcome, changes, moved=self.target != before)
        self._report(outcome, changes, time.monotonic() - started)
        return outcome

    def _run(self, changes: ChangeSet) -> RebuildOutcome:
        try:
            return self.rebuilder.rebuild(changes)
        except Exception as exc:
            # A bug, not a user error: keep serving, and keep the traceback for the report.
            traceback.print_exc(file=sys.stderr)
            return RebuildOutcome(
                error=Problem("cablesite", None, f"internal error: {type(exc).__name__}: {exc}")
            )

    def _publish(self, outcome: RebuildOutcome, changes: ChangeSet, *, moved: bool) -> None:
        if outcome.changed or moved:
            pages = [
                self._page_url(path) for path in outcome.changed if path.endswith((".html", ".htm"))
            ]
            restyled = any(path.startswith("static/") for path in outcome.changed)
            self.hub.publish_build(pages, all_pages=moved or restyled)
        if outcome.error is not None:
            self.hub.publish_problems([outcome.error], fatal=True)
        else:
            self.hub.publish_problems(
                problems_in(outcome.problems, changes, self.root), fatal=False
            )

    def _page_url(self, path: str) -> str:
        if path == "index.html" or path.endswith("/index.html"):
            path = path[: -len("index.html")]
        return self.target.base_path + path

    def _report(self, outcome: RebuildOutcome, changes: ChangeSet, seconds: float) -> None:
        stamp = time.strftime("%H:%M:%S")
        if outcome.error is not None:
            self.log_error(f"[{stamp}] error: {outcome.error} (still serving the last good site)")
            return
        warned = problems_in(outcome.problems, changes, self.root)
        what = "built" if changes.everything else f"rebuilt ({changes.describe()} changed)"
        self.log(
            f"[{stamp}] {what} in {seconds:.2f} s: {len(outcome.changed)} output file(s) updated"
            + (f", {len(outcome.problems)} warning(s) in the site" if outcome.problems else "")
        )
        for problem in warned:
            self.log(f"  warning: {problem}")


def problems_in(problems: Iterable[Problem], changes: ChangeSet, root: Path) -> list[Problem]:
    """The problems about files that just changed: the ones the person editing wants to see.

    Compared as the paths the problems name (relative to the site, or as
    given), so that a site with a warning on each of 250,000 cables costs no
    file-system call per warning.
    """
    touched = [
        *changes.cables,
        *changes.pages,
        *changes.templates,
        *changes.static,
        *changes.config,
    ]
    if not touched:
        return []
    site = root.resolve()
    names: set[str] = set()
    for path in touched:
        names.add(path.as_posix())
        with suppress(ValueError):
            names.add(path.relative_to(site).as_posix())
        with suppress(ValueError):
            names.add(path.relative_to(Path.cwd().resolve()).as_posix())

    # A changed folder (one moved in) covers the problems of the files below
    # it: a problem's path and each of its folders are looked up, as strings
    # (a PurePosixPath per problem cost half a second at 50,000 warnings).
    verdicts: dict[str, bool] = {}

    def about_changed(path: str) -> bool:
        known = verdicts.get(path)
        if known is None:
            known = verdicts[path] = _named_or_inside(path, names)
        return known

    return [p for p in problems if about_changed(p.path)]


def _named_or_inside(path: str, names: set[str]) -> bool:
    """Whether `path` (POSIX) or one of its folders is in `names` (as PurePosixPath spells them)."""
    if "//" in path or path.startswith("./") or "/./" in path or path.endswith("/."):
        # Not spelled as PurePosixPath would spell it (the build never names a file so).
        named = PurePosixPath(path)
        return any(p.as_posix() in names for p in (named, *named.parents))
    path = path.rstrip("/") or path
    while True:
        if path in names:
            return True
        cut = path.rfind("/")
        if cut < 0:
            return "." in names  # a relative path's last parent
        if cut == 0:
            return path != "/" and "/" in names
        path = path[:cut].rstrip("/") or "/"


def _print(line: str) -> None:
    print(line, flush=True)


def _print_error(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- the command -------------------------------------------------------------------


def serve(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    rebuilder: Rebuilder | None = None,
    log: Log | None = None,
) -> int:
    """Build, serve and rebuild until Ctrl-C; returns the exit status (0)."""
    if not 0 <= port <= 65535:
        raise UserError("--port", None, f"{port} is not a port number (0 to 65535)")
    if not root.is_dir():
        raise UserError(str(root), None, "no such folder (give the site folder with -C)")
    say = log or _print
    if rebuilder is None:
        # Imported here: the incremental engine's rebuilder builds on this module's protocol.
        rebuilder = IncrementalRebuilder(root)
    preview = Preview(root, rebuilder, host=host, port=port, log=log)
    debouncer = Debouncer()
    watcher = SiteWatcher(preview.layout(), debouncer.add)
    with _interrupt_on_signals():
        try:
            preview.start()
            # Watch before the first build, so that edits made during it are not missed.
            watcher.start()
            say(f"building {root.resolve()} …")
            preview.rebuild(ChangeSet(everything=True))
            say(f"serving {preview.url} (Ctrl-C to stop)")
            if open_browser:
                webbrowser.open(preview.url)
            while True:
                batch = debouncer.next_batch(timeout=1.0)
                if batch:
                    preview.rebuild(batch)
                    watcher.relayout(preview.layout())
        except KeyboardInterrupt:
            pass
        finally:
            debouncer.close()
            watcher.stop()
            preview.stop()
    say("stopped")
    return 0


@contextmanager
def _interrupt_on_signals() -> Iterator[None]:
    """Stop as cleanly on SIGTERM (a process manager, a test) as on Ctrl-C.

    SIGINT too is made to interrupt: a shell starts a script's background
    jobs with SIGINT ignored, and Python then leaves it ignored, so `kill
    -INT` (or a bench's Ctrl-C) would not stop a server started that way.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
