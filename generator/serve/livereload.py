"""Live reload: the script the dev server adds to HTML responses, and the events it listens to.

The script is added to responses only, never to the files on disk, so the
output folder stays deployable as it is. It opens a Server-Sent Events
stream and

* reloads the page when a build changed it (or changed a stylesheet or
  anything else every page uses), keeping the scroll position;
* shows the errors of a failed build in an overlay, and removes it on the
  next good build;
* closes the stream while its tab is hidden, because browsers allow only six
  connections per host and every open stream holds one; on return it asks
  what it missed (the `since` token), so no reload is lost.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from generator.model import Problem

EVENTS_PATH = "/__cablesite/events"

# Past this many changed pages one "reload everything" is cheaper to send
# and to check than the list (a template edit changes every page).
MAX_LISTED_PAGES = 2000

_SCRIPT = """\
(() => {
  const config = __CONFIG__;
  const scrollKey = "cablesite-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = JSON.parse(saved);
    const restore = () => window.scrollTo(x, y);
    if (document.readyState === "complete") restore(); else addEventListener("load", restore);
  }
  const normal = (path) => {
    try { path = decodeURIComponent(path); } catch (e) { /* keep it as it is */ }
    return path.endsWith("/index.html") ? path.slice(0, -"index.html".length) : path;
  };
  const here = normal(location.pathname);
  let since = config.since;
  let stream = null;
  let overlay = null;

  function reload() {
    sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  }

  function showProblems(state) {
    if (overlay) { overlay.remove(); overlay = null; }
    if (!state.problems.length) return;
    overlay = document.createElement("div");
    overlay.id = "__cablesite-overlay";
    overlay.setAttribute("role", "alert");
    // A failed build covers the top of the page; warnings about the files just
    // saved sit in a corner, since the page itself is up to date.
    overlay.style.cssText = (state.fatal
      ? "top:0;left:0;right:0;max-height:60vh;border-bottom:4px solid #e5484d;background:#2a0f12;"
      : "bottom:12px;right:12px;max-width:min(44em,calc(100vw - 24px));max-height:40vh;" +
        "border-left:4px solid #f5a524;border-radius:4px;background:#2b2410;" +
        "box-shadow:0 2px 12px rgba(0,0,0,.35);") +
      "position:fixed;overflow:auto;z-index:2147483647;margin:0;padding:12px 16px;" +
      "box-sizing:border-box;text-align:left;color:#fbf3e9;white-space:pre-wrap;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
    const title = document.createElement("div");
    title.style.cssText = "font-weight:bold;margin-bottom:6px";
    title.textContent = state.fatal
      ? "Build failed: showing the last good site"
      : "Warnings in the files you changed";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "\\u00d7";
    close.title = "Hide until the next build";
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font:inherit;" +
      "font-size:20px;line-height:1;cursor:pointer";
    close.addEventListener("click", () => { overlay.remove(); overlay = null; });
    overlay.append(close, title);
    for (const problem of state.problems) {
      const line = document.createElement("div");
      line.className = "__cablesite-problem";
      // textContent, never innerHTML: a message quotes the user's (or a cable's) text.
      line.textContent = (problem.line ? problem.path + ":" + problem.line : problem.path) +
        ": " + problem.message;
      overlay.append(line);
    }
    (document.body || document.documentElement).append(overlay);
  }

  function connect() {
    const url = config.events + "?since=" + encodeURIComponent(since) +
      "&page=" + encodeURIComponent(location.pathname);
    stream = new EventSource(url);
    stream.addEventListener("state", (event) => showProblems(JSON.parse(event.data)));
    stream.addEventListener("reload", (event) => {
      const build = JSON.parse(event.data);
      since = build.since;
      if (build.all || build.pages.map(normal).includes(here)) reload();
    });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && stream) { stream.close(); stream = null; }
    else if (document.visibilityState === "visible" && !stream) connect();
  });
  if (document.visibilityState !== "hidden") connect();
})();
"""


def script_tag(since: str) -> bytes:
    """The ``<script>`` element added to an HTML response served at build `since`."""
    config = json.dumps({"events": EVENTS_PATH, "since": since})
    # "</" inside a script element would end it early; the config holds none, but be sure.
    code = _SCRIPT.replace("__CONFIG__", config.replace("</", "<\\/"))
    return f'<script data-cablesite="live-reload">\n{code}</script>\n'.encode()


def inject(html: bytes, snippet: bytes) -> bytes:
    """`html` with `snippet` before its last ``</body>`` (at the end when there is none)."""
    at = html.lower().rfind(b"</body")
    if at < 0:
        return html + snippet
    return html[:at] + snippet + html[at:]


def event(name: str, data: object) -> bytes:
    """One Server-Sent Event; JSON has no raw newlines, so one ``data:`` line is enough."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@dataclass(frozen=True, slots=True)
class Reload:
    """The pages one build changed (URL paths under the base path), or all of them."""

    generation: int
    pages: frozenset[str]
    all: bool


class Subscription:
    """One browser's stream: a queue of encoded events; None ends it."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        # Called after each put: wakes the thread that writes the streams.
        self.notify: Callable[[], None] | None = None

    def put(self, item: bytes | None) -> None:
        self.queue.put(item)
        if self.notify is not None:
            self.notify()

    def messages(self, heartbeat: float) -> Iterator[bytes]:
        """Events as they come, a comment line every `heartbeat` seconds of silence."""
        while True:
            try:
                item = self.queue.get(timeout=heartbeat)
            except queue.Empty:
                # Writing is the only way to notice a browser that went away.
                yield b": ping\n\n"
                continue
            if item is None:
                return
            yield item


class LiveReload:
    """The state every open page is told about: builds that changed pages, and problems.

    A build is numbered (its generation); a page knows the generation it
    was served at, in a `since` token that also names this server process,
    so a page that connects late, or again after a restart, learns whether
    it is out of date.
    """

    def __init__(self, history: int = 100) -> None:
        self.instance = uuid.uuid4().hex[:12]
        self.generation = 0
        self._history: deque[Reload] = deque(maxlen=history)
        self._problems: list[dict[str, object]] = []
        self._fatal = False
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()

    def since(self) -> str:
        with self._lock:
            return f"{self.instance}.{self.generation}"

    def subscribe(self, since: str = "", page: str = "") -> Subscription:
        sub = Subscription()
        sub.put(b"retry: 1000\n\n")
        with self._lock:
            sub.put(event("state", self._state()))
            if self._missed(since, page):
                token = f"{self.instance}.{self.generation}"
                sub.put(event("reload", {"all": True, "pages": [], "since": token}))
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def publish_build(self, pages: Iterable[str], *, all_pages: bool = False) -> None:
        """A build changed these pages: tell every open page."""
        listed = frozenset(pages)
        if len(listed) > MAX_LISTED_PAGES:
            all_pages, listed = True, frozenset()
        with self._lock:
            self.generation += 1
            self._history.append(Reload(self.generation, listed, all_pages))
            token = f"{self.instance}.{self.generation}"
            message = event("reload", {"all": all_pages, "pages": sorted(listed), "since": token})
            self._broadcast(message)

    def publish_problems(self, problems: Iterable[Problem], *, fatal: bool) -> None:
        """Replace the problems shown in the overlay; none clears it."""
        listed = [{"path": p.path, "line": p.line, "message": p.message} for p in problems]
        with self._lock:
            if listed == self._problems and fatal == self._fatal:
                return
            self._problems, self._fatal = listed, fatal
            self._broadcast(event("state", self._state()))

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        with self._lock:
            for sub in self._subscribers:
                sub.put(None)
            self._subscribers.clear()

    def _state(self) -> dict[str, object]:
        return {"problems": self._problems, "fatal": self._fatal}

    def _broadcast(self, message: bytes) -> None:
        for sub in self._subscribers:
            sub.put(message)

    def _missed(self, since: str, page: str) -> bool:
        """Whether a build since the page was served changed it (or whether that is unknown)."""
        instance, _, number = since.partition(".")
        if not since:
            return False  # not told: a client other than the injected script
        if instance != self.instance or not number.isdigit():
            return True  # served by an earlier run of the server
        served = int(number)
        if served >= self.generation:
            return False
        later = [r for r in self._history if r.generation > served]
        if not later or later[0].generation != served + 1:
            return True  # older than the history kept
        wanted = _normal(page)
        return any(r.all or wanted in r.pages for r in later)


def _normal(path: str) -> str:
    path = unquote(path)
    return path[: -len("index.html")] if path.endswith("/index.html") else path


# A stream whose reader has not taken this many bytes is dropped: the browser
# is gone or stuck, and the server must not hold its events for ever.
MAX_PENDING = 1 << 20


class _Stream:
    __slots__ = ("ending", "pending", "sock", "sub")

    def __init__(self, sock: socket.socket, sub: Subscription) -> None:
        self.sock = sock
        self.sub = sub
        self.pending = bytearray()
        self.ending = False  # the hub ended it: close once the pending bytes are sent


class StreamWriter:
    """One thread that writes every open event stream, so that none holds a request thread.

    A request for the stream is answered (status and headers) by its request
    thread, which then hands the connection over here and is free: a room
    of 200 open pages is 200 sockets in this thread's list, not 200 threads
    sleeping on a queue. Sockets are written without blocking; a reader
    that stops reading is dropped once `MAX_PENDING` bytes wait for it.
    """

    def __init__(self, hub: LiveReload, heartbeat: float) -> None:
        self.hub = hub
        self.heartbeat = heartbeat
        self._streams: list[_Stream] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="cablesite-events", daemon=True)
        self._thread.start()

    def add(self, sock: socket.socket, sub: Subscription) -> None:
        """Write `sub`'s events to `sock` from now on (the stream's headers are sent)."""
        sock.setblocking(False)
        with self._lock:
            if self._stopped:
                _close(sock)
                self.hub.unsubscribe(sub)
                return
            self._streams.append(_Stream(sock, sub))
        sub.notify = self._wake.set
        self._wake.set()

    def open_count(self) -> int:
        with self._lock:
            return len(self._streams)

    def stop(self) -> None:
        """Close every stream and end the thread."""
        with self._lock:
            self._stopped = True
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        last_write = time.monotonic()
        while True:
            woken = self._wake.wait(timeout=self.heartbeat / 4)
            self._wake.clear()
            with self._lock:
                streams, stopped = list(self._streams), self._stopped
            if stopped:
                for stream in streams:
                    self._drop(stream)
                return
            # Writing is the only way to notice a browser that went away.
            ping = not woken and time.monotonic() - last_write >= self.heartbeat
            busy = False
            for stream in streams:
                busy |= self._flush(stream, ping)
            if ping:
                last_write = time.monotonic()
            if busy:  # a full socket buffer: try again shortly
                self._wake.set()
                time.sleep(0.01)

    def _flush(self, stream: _Stream, ping: bool) -> bool:
        """Send what the stream has queued; True when bytes are still waiting."""
        while not stream.ending:
            try:
                item = stream.sub.queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stream.ending = True
            else:
                stream.pending += item
        if ping and not stream.pending and not stream.ending:
            stream.pending += b": ping\n\n"
        try:
            while stream.pending:
                sent = stream.sock.send(stream.pending)
                del stream.pending[:sent]
        except BlockingIOError:
            if len(stream.pending) <= MAX_PENDING:
                return True
            self._drop(stream)
            return False
        except OSError:
            self._drop(stream)
            return False
        if stream.ending:
            self._drop(stream)
        return False

    def _drop(self, stream: _Stream) -> None:
        with self._lock:
            if stream in self._streams:
                self._streams.remove(stream)
        self.hub.unsubscribe(stream.sub)
        _close(stream.sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
