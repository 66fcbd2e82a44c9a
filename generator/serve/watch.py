"""Watching a site for edits: which files changed, what they can change, and when to rebuild.

Three pieces, each testable without the others:

* :func:`classify` maps one path to what it can change (a cable, a Markdown
  page, a template, a static file, the config) or to ``ignored``;
* :class:`Debouncer` turns a storm of changes (an editor's save, a
  ``git checkout``, a copy of 10,000 files) into one batch, released once
  the edits pause;
* :class:`SiteWatcher` feeds watchdog's events through the two.

The batch a build receives is a :class:`ChangeSet`: plain data, so the build
engine needs nothing from watchdog.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from generator.config import CONFIG_NAME, SiteConfig
from generator.render.environment import theme_folders

ChangeKind = Literal["cable", "page", "template", "static", "config", "layout", "ignored"]

# Editors write these beside the file being saved and remove them again
# (vim's 4913 write test and .swp, emacs' #autosave# and .#lock, backup~
# files, GNOME's .goutputstream-*). Dot files are skipped by the build too.
EDITOR_TEMP_PATTERNS = ("*~", "#*#", "4913", "*.swp", "*.swx", "*.swo", "*.tmp", "*.crdownload")

# Folders of the site root whose appearance or removal changes what is watched.
_LAYOUT_NAMES = frozenset({"content", "templates", "static", "themes"})


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """The inputs that changed since the last build, by what they can change.

    Paths are absolute. A path may no longer exist (deleted, or moved away)
    and may be a folder (one moved in or out: everything below it changed).
    `everything` means the changes are not known (the first build of a
    session, a folder of the site appearing): the engine must check every
    input itself. `appeared` holds the paths whose first event was their
    creation: one gone again when the batch is taken came and went, and
    changed nothing (see :meth:`Debouncer.next_batch`).
    """

    cables: frozenset[Path] = frozenset()
    pages: frozenset[Path] = frozenset()
    templates: frozenset[Path] = frozenset()
    static: frozenset[Path] = frozenset()
    config: frozenset[Path] = frozenset()
    everything: bool = False
    appeared: frozenset[Path] = frozenset()

    @classmethod
    def of(cls, kind: ChangeKind, path: Path) -> ChangeSet:
        if kind == "ignored":
            return cls()
        if kind == "layout":
            return cls(everything=True)
        field_name = {"cable": "cables", "page": "pages", "template": "templates"}.get(kind, kind)
        return cls(**{field_name: frozenset({path})})

    def __bool__(self) -> bool:
        return self.everything or any(getattr(self, f.name) for f in _PATH_FIELDS)

    def merge(self, other: ChangeSet) -> ChangeSet:
        merged = {f.name: getattr(self, f.name) | getattr(other, f.name) for f in _PATH_FIELDS}
        # A path this set already named was there before `other` made it.
        appeared = self.appeared | {p for p in other.appeared if not self.names(p)}
        return replace(
            self, everything=self.everything or other.everything, appeared=appeared, **merged
        )

    def names(self, path: Path) -> bool:
        return any(path in getattr(self, f.name) for f in _PATH_FIELDS)

    def paths(self) -> frozenset[Path]:
        """Every path named, whatever it can change."""
        return frozenset().union(*(getattr(self, f.name) for f in _PATH_FIELDS))

    @property
    def affects_every_page(self) -> bool:
        """A template, static file or the config changed: any page may look different."""
        return self.everything or bool(self.templates or self.static or self.config)

    def describe(self) -> str:
        """A short summary for the terminal: ``2 cable(s), 1 template(s)``."""
        if self.everything:
            return "all inputs"
        parts = []
        for f in _PATH_FIELDS:
            count = len(getattr(self, f.name))
            one, many = _NOUNS[f.name]
            if count:
                parts.append(f"{count} {one if count == 1 else many}")
        return ", ".join(parts) or "nothing"


_PATH_FIELDS = tuple(f for f in fields(ChangeSet) if f.name not in ("everything", "appeared"))
_NOUNS = {
    "cables": ("cable", "cables"),
    "pages": ("page", "pages"),
    "templates": ("template", "templates"),
    "static": ("static file", "static files"),
    "config": ("config file", "config files"),
}


@dataclass(frozen=True, slots=True)
class SiteLayout:
    """The folders of a site and what a change in each can affect. All paths resolved."""

    root: Path
    cables: Path
    pages: Path
    templates: tuple[Path, ...]
    static: tuple[Path, ...]
    ignored: tuple[Path, ...]


def site_layout(config: SiteConfig, extra_ignored: Iterable[Path] = ()) -> SiteLayout:
    """The layout of a configured site; `extra_ignored` adds folders a build writes to."""
    root = config.root.resolve()
    output = config.output_dir.resolve()
    ignored = [
        output,
        output.with_name(f".{output.name}.partial"),
        output.with_name(f".{output.name}.old"),
        *(p.resolve() for p in extra_ignored),
    ]
    return SiteLayout(
        root=root,
        cables=config.cables_dir.resolve(),
        pages=config.pages_dir.resolve(),
        templates=_theme_candidates(config, "templates"),
        static=_theme_candidates(config, "static"),
        ignored=tuple(ignored),
    )


def _theme_candidates(config: SiteConfig, kind: str) -> tuple[Path, ...]:
    # The site's own folders count even before they exist, so that the first
    # template a user adds to a new templates/ folder is noticed.
    own = [config.root / kind, config.root / "themes" / config.theme / kind]
    found = [p.resolve() for p in [*own, *theme_folders(config, kind)]]
    return tuple(dict.fromkeys(found))


def classify(layout: SiteLayout, path: Path) -> ChangeKind:
    """What a change to `path` (absolute, resolved folders) can affect."""
    if _under_any(path, layout.ignored):
        return "ignored"
    if path.parent == layout.root:
        if path.name == CONFIG_NAME:
            return "config"
        return "layout" if path.name in _LAYOUT_NAMES else "ignored"
    for folder, kind in _kinds(layout):
        if _is_under(path, folder):
            relative = path.relative_to(folder).parts
            return "ignored" if any(is_temporary(part) for part in relative) else kind
    return "ignored"


def _kinds(layout: SiteLayout) -> Iterable[tuple[Path, ChangeKind]]:
    yield layout.cables, "cable"
    yield layout.pages, "page"
    yield from ((folder, "template") for folder in layout.templates)
    yield from ((folder, "static") for folder in layout.static)


def is_temporary(name: str) -> bool:
    """A dot file or an editor's temporary file, which no build reads."""
    return name.startswith(".") or any(fnmatch.fnmatch(name, p) for p in EDITOR_TEMP_PATTERNS)


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _under_any(path: Path, folders: Iterable[Path]) -> bool:
    return any(_is_under(path, folder) for folder in folders)


def watched_folders(layout: SiteLayout) -> dict[Path, bool]:
    """Existing folders to watch, and whether recursively.

    The root is watched alone (not recursively) for ``site.toml`` and its
    top folders appearing: a recursive watch of it would also follow the
    output folder, which every build replaces, and ``.git``.
    """
    folders: dict[Path, bool] = {layout.root: False}
    for folder in (layout.root / "content", *layout.templates, *layout.static):
        if folder.is_dir() and not _under_any(folder, [f for f, r in folders.items() if r]):
            folders[folder] = True
    return folders


# The files made in one batch that are looked at again when it is taken. A save makes
# one or two; a copy makes thousands, which stay, and a stat each would cost 0.9 s
# at 250,000 here. Past this many the engine sorts them out (a file gone that no build saw
# changes nothing there either).
_MOST_APPEARED = 1024


class Debouncer:
    """Collects changes and hands them out in batches once the edits pause.

    A batch is released when nothing new arrived for `quiet` seconds, or
    `max_wait` seconds after its first change, so a process that never stops
    writing cannot hold the preview back forever. The quiet period is short
    enough not to be felt after a save and long enough to span an editor's
    write-rename-delete; the maximum is long enough for a copy of 10,000
    files to land in one batch. Changes that arrive while a batch is being
    built simply form the next batch.
    """

    def __init__(self, quiet: float = 0.15, max_wait: float = 5.0) -> None:
        self.quiet = quiet
        self.max_wait = max_wait
        # Mutable sets, not ChangeSet.merge: a copy of 250,000 files is as
        # many events, and merging frozen sets one event at a time is quadratic.
        self._paths: dict[str, set[Path]] = {f.name: set() for f in _PATH_FIELDS}
        self._appeared: set[Path] = set()
        self._everything = False
        self._waiting = False
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, changes: ChangeSet) -> None:
        if not changes:
            return
        with self._cond:
            now = time.monotonic()
            if not self._waiting:
                self._first = now
                self._waiting = True
            self._last = now
            self._everything = self._everything or changes.everything
            for path in changes.appeared:
                if len(self._appeared) >= _MOST_APPEARED:
                    break
                if not any(path in paths for paths in self._paths.values()):
                    self._appeared.add(path)
            for name, paths in self._paths.items():
                paths.update(getattr(changes, name))
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _take(self) -> ChangeSet:
        # Made and gone again within the batch: the temporary file that sed -i and
        # atomically saving editors write beside a file and rename over it.
        came_and_went = {path for path in self._appeared if not os.path.lexists(path)}
        batch = ChangeSet(
            everything=self._everything,
            **{name: frozenset(paths - came_and_went) for name, paths in self._paths.items()},
        )
        for paths in self._paths.values():
            paths.clear()
        self._appeared.clear()
        self._everything = self._waiting = False
        return batch

    def next_batch(self, timeout: float | None = None) -> ChangeSet | None:
        """The next batch, once due; None after `timeout` seconds or when closed.

        A path whose first event in the batch was its creation, and that is
        gone when the batch is taken, is left out: the batch may then be
        empty (false).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                if self._waiting:
                    due = min(self._last + self.quiet, self._first + self.max_wait)
                    if now >= due:
                        return self._take()
                    wake = due
                else:
                    wake = now + 1.0
                if deadline is not None:
                    if now >= deadline:
                        return None
                    wake = min(wake, deadline)
                # Short waits keep Ctrl-C responsive in the thread that builds.
                self._cond.wait(min(wake - now, 0.5))
            return None


class SiteWatcher(FileSystemEventHandler):
    """watchdog events → classified :class:`ChangeSet` → `sink` (usually a Debouncer)."""

    def __init__(
        self,
        layout: SiteLayout,
        sink: Callable[[ChangeSet], None],
        observer: BaseObserver | None = None,
    ) -> None:
        self.layout = layout
        self.sink = sink
        self.observer = observer or Observer()
        self._watches: dict[Path, ObservedWatch] = {}
        self._lock = threading.Lock()
        self._overflow = _OverflowAlarm(lambda: self.sink(ChangeSet(everything=True)))

    def start(self) -> None:
        logging.getLogger("watchdog.observers").addHandler(self._overflow)
        try:
            self._schedule()
            self.observer.start()
        except OSError as exc:
            # Typically the inotify watch limit: polling is slower but still correct.
            print(f"warning: file watching unavailable ({exc}); polling instead", file=sys.stderr)
            self.observer = PollingObserver(timeout=0.5)
            self._watches.clear()
            self._schedule()
            self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        if self.observer.is_alive():
            self.observer.join(timeout=5)
        logging.getLogger("watchdog.observers").removeHandler(self._overflow)

    def relayout(self, layout: SiteLayout) -> None:
        """Follow a change of theme or a folder that appeared or went away."""
        with self._lock:
            self.layout = layout
        self._schedule()

    def _schedule(self) -> None:
        wanted = watched_folders(self.layout)
        for folder in [f for f in self._watches if f not in wanted]:
            self.observer.unschedule(self._watches.pop(folder))
        for folder, recursive in wanted.items():
            if folder not in self._watches:
                self._watches[folder] = self.observer.schedule(
                    self, str(folder), recursive=recursive
                )

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
            return
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return  # a folder's mtime moves with every file event inside it
        with self._lock:
            layout = self.layout
        changes = ChangeSet()
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else raw.decode())
                changes = changes.merge(ChangeSet.of(classify(layout, path), path))
        if event.event_type == EVENT_TYPE_CREATED and changes and not changes.everything:
            changes = replace(changes, appeared=changes.paths())
        self.sink(changes)


class _OverflowAlarm(logging.Handler):
    """Turns watchdog's "events were lost" warning into a change of everything.

    When the kernel's event queue overflows (a copy of more files than it
    holds events for), watchdog only logs it; a preview that went on as if
    nothing was lost would stay stale, so the next build checks every input.
    """

    def __init__(self, alarm: Callable[[], None]) -> None:
        super().__init__(logging.WARNING)
        self.alarm = alarm

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.alarm()
