"""Watching: what each file event can change, and one rebuild per burst of edits."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.config import SiteConfig
from generator.render.environment import BUILTIN_THEMES
from generator.serve.watch import (
    _MOST_APPEARED,
    ChangeSet,
    Debouncer,
    SiteLayout,
    SiteWatcher,
    classify,
    is_temporary,
    site_layout,
    watched_folders,
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    for folder in ("content/cables/2003", "content/pages", "templates", "static", "site/tag"):
        (root / folder).mkdir(parents=True)
    (root / "site.toml").write_text('title = "Test"\n')
    return root


@pytest.fixture
def layout(site: Path) -> SiteLayout:
    return site_layout(SiteConfig(root=site), extra_ignored=[site / ".cablesite-cache"])


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("content/cables/2003/03OTTAWA49.txt", "cable"),
        ("content/cables/dump.csv", "cable"),
        ("content/cables/2003", "cable"),  # a folder moved in or out
        ("content/pages/about.md", "page"),
        ("templates/base.html", "template"),
        ("templates/partials/nav.html", "template"),
        ("themes/default/templates/cable.html", "template"),  # the site's copy of its theme
        ("static/style.css", "static"),
        ("site.toml", "config"),
        ("templates", "layout"),  # a folder of the site appearing or going away
        ("content", "layout"),
        ("themes", "layout"),
        ("site/index.html", "ignored"),  # what a build writes never triggers one
        ("site/tag/PREL/index.html", "ignored"),
        (".site.partial/index.html", "ignored"),
        (".site.old", "ignored"),
        (".cablesite-cache/state.db", "ignored"),
        (".git/index", "ignored"),
        ("README.md", "ignored"),
        ("site.toml~", "ignored"),
        ("content/notes.txt", "ignored"),  # content/ holds cables and pages, nothing else is read
        ("content/cables/.03OTTAWA49.txt.swp", "ignored"),
        ("content/cables/03OTTAWA49.txt~", "ignored"),
        ("content/cables/#03OTTAWA49.txt#", "ignored"),
        ("content/cables/.#03OTTAWA49.txt", "ignored"),
        ("content/cables/4913", "ignored"),
        ("content/cables/.git/HEAD", "ignored"),
        ("templates/.base.html.swp", "ignored"),
        ("themes/other/templates/base.html", "ignored"),  # a theme the site does not use
    ],
)
def test_classify(site: Path, layout: SiteLayout, relative: str, kind: str) -> None:
    assert classify(layout, site.resolve() / relative) == kind


def test_classify_builtin_theme(layout: SiteLayout) -> None:
    assert classify(layout, BUILTIN_THEMES.resolve() / "default/templates/base.html") == "template"
    assert classify(layout, BUILTIN_THEMES.resolve() / "default/static/style.css") == "static"


def test_classify_a_theme_named_in_the_config(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    layout = site_layout(SiteConfig(root=root, theme="dark"))
    # The theme folder need not exist yet: the first file put there counts.
    assert classify(layout, root / "themes/dark/templates/base.html") == "template"
    assert classify(layout, root / "themes/dark/static/dark.css") == "static"


def test_temporary_names() -> None:
    for name in (".x.swp", "x~", "#x#", "4913", ".#x", "x.tmp", ".DS_Store", ".gitkeep"):
        assert is_temporary(name), name
    for name in ("03OTTAWA49.txt", "about.md", "style.css", "4914", "x~y.txt"):
        assert not is_temporary(name), name


def test_watched_folders(site: Path, layout: SiteLayout) -> None:
    folders = watched_folders(layout)
    root = site.resolve()
    # The root alone for site.toml; never the output folder, which every build replaces.
    assert folders[root] is False
    assert folders[root / "content"] is True
    assert folders[root / "templates"] is True and folders[root / "static"] is True
    assert folders[BUILTIN_THEMES.resolve() / "default" / "templates"] is True
    assert not any(f == root / "site" or root / "site" in f.parents for f in folders)


def test_changeset_merge_and_describe(tmp_path: Path) -> None:
    a = ChangeSet.of("cable", tmp_path / "a.txt")
    b = ChangeSet.of("template", tmp_path / "base.html")
    merged = a.merge(b).merge(ChangeSet.of("cable", tmp_path / "c.txt"))
    assert merged.cables == {tmp_path / "a.txt", tmp_path / "c.txt"}
    assert merged.templates == {tmp_path / "base.html"}
    assert merged.describe() == "2 cables, 1 template"
    assert merged.affects_every_page and not a.affects_every_page
    assert not ChangeSet() and not ChangeSet.of("ignored", tmp_path)
    assert ChangeSet.of("layout", tmp_path).everything


# --- debouncing ------------------------------------------------------------------


def _cable(n: int) -> ChangeSet:
    return ChangeSet.of("cable", Path(f"/site/content/cables/{n}.txt"))


def test_a_burst_of_ten_thousand_events_is_one_batch() -> None:
    debouncer = Debouncer(quiet=0.2, max_wait=30)

    def storm() -> None:
        for n in range(10_000):
            debouncer.add(_cable(n))

    feeder = threading.Thread(target=storm)
    feeder.start()
    batch = debouncer.next_batch(timeout=30)
    feeder.join()
    assert batch is not None and len(batch.cables) == 10_000
    assert debouncer.next_batch(timeout=0.5) is None


def test_changes_during_a_build_make_exactly_one_more_batch() -> None:
    debouncer = Debouncer(quiet=0.05, max_wait=5)
    debouncer.add(_cable(1))
    first = debouncer.next_batch(timeout=5)
    assert first == _cable(1)
    # The "build" of the first batch is running: a save storm arrives meanwhile.
    for n in range(2, 300):
        debouncer.add(_cable(n))
    second = debouncer.next_batch(timeout=5)
    assert second is not None and len(second.cables) == 298
    assert debouncer.next_batch(timeout=0.3) is None


def test_a_writer_that_never_pauses_is_batched_by_max_wait() -> None:
    debouncer = Debouncer(quiet=0.2, max_wait=0.5)
    stop = threading.Event()

    def trickle() -> None:
        n = 0
        while not stop.is_set():
            debouncer.add(_cable(n))
            n += 1
            time.sleep(0.01)

    writer = threading.Thread(target=trickle)
    writer.start()
    try:
        batch = debouncer.next_batch(timeout=10)
    finally:
        stop.set()
        writer.join()
    assert batch is not None and batch.cables  # released while the writer was still going


def test_a_file_made_and_gone_within_a_batch_changed_nothing(tmp_path: Path) -> None:
    # sed -i: a temporary file beside the cable, renamed over it. Events: created
    # (sedX), moved (sedX -> the cable); by the batch's end sedX is gone.
    cable, temporary = tmp_path / "03OTTAWA49.txt", tmp_path / "sedX1b2Q3"
    cable.write_text("saved\n")
    debouncer = Debouncer(quiet=0.01)
    made = ChangeSet.of("cable", temporary)
    debouncer.add(ChangeSet(cables=made.cables, appeared=made.cables))
    debouncer.add(ChangeSet(cables=frozenset({temporary, cable})))
    assert debouncer.next_batch(timeout=5) == ChangeSet(cables=frozenset({cable}))
    # Alone, it leaves an empty batch, which no build follows.
    debouncer.add(ChangeSet(cables=made.cables, appeared=made.cables))
    batch = debouncer.next_batch(timeout=5)
    assert batch is not None and not batch


def test_only_so_many_made_files_are_looked_at_again(tmp_path: Path) -> None:
    # A copy of thousands of files is not stat'ed again; what is past the limit (and
    # gone) stays in the batch, for the engine to find unchanged.
    debouncer = Debouncer(quiet=0.01)
    made = frozenset(tmp_path / f"sed{n}" for n in range(3000))
    debouncer.add(ChangeSet(cables=made, appeared=made))
    batch = debouncer.next_batch(timeout=5)
    assert batch is not None and 0 < len(batch.cables) == 3000 - _MOST_APPEARED


def test_a_file_deleted_then_made_and_gone_again_is_still_deleted(tmp_path: Path) -> None:
    # Its first event in the batch was not its creation: it was there before.
    cable = tmp_path / "03OTTAWA49.txt"
    debouncer = Debouncer(quiet=0.01)
    debouncer.add(ChangeSet.of("cable", cable))  # deleted
    debouncer.add(ChangeSet(cables=frozenset({cable}), appeared=frozenset({cable})))  # made
    assert debouncer.next_batch(timeout=5) == ChangeSet(cables=frozenset({cable}))
    first = ChangeSet.of("cable", cable)
    merged = first.merge(ChangeSet(cables=frozenset({cable}), appeared=frozenset({cable})))
    assert not merged.appeared


def test_close_wakes_a_waiting_consumer() -> None:
    debouncer = Debouncer()
    threading.Timer(0.1, debouncer.close).start()
    assert debouncer.next_batch(timeout=10) is None


# --- watchdog, for real ------------------------------------------------------------


class Batches:
    """A watcher's batches, collected through a real Debouncer."""

    def __init__(self) -> None:
        self.debouncer = Debouncer(quiet=0.3, max_wait=10)

    def next(self, timeout: float = 10) -> ChangeSet | None:
        return self.debouncer.next_batch(timeout=timeout)


@pytest.fixture
def watching(layout: SiteLayout) -> Iterator[tuple[SiteWatcher, Batches]]:
    batches = Batches()
    watcher = SiteWatcher(layout, batches.debouncer.add)
    watcher.start()
    try:
        yield watcher, batches
    finally:
        watcher.stop()


def test_watcher_reports_a_saved_cable(site: Path, watching: tuple[SiteWatcher, Batches]) -> None:
    _, batches = watching
    cable = site / "content" / "cables" / "2003" / "03OTTAWA49.txt"
    # How vim saves: a write test file, a backup, the file, then the cleanup.
    (cable.parent / "4913").write_text("")
    (cable.parent / "4913").unlink()
    cable.write_text("SUBJECT: ONE\n")
    (cable.parent / "03OTTAWA49.txt~").write_text("old")
    batch = batches.next()
    assert batch is not None
    assert batch.cables == {cable.resolve()}
    assert not batch.templates and not batch.config


@pytest.mark.parametrize("save", ["sed -i", "a temporary file renamed over it"])
def test_watcher_reports_a_cable_saved_through_a_temporary_file(
    save: str, site: Path, watching: tuple[SiteWatcher, Batches]
) -> None:
    _, batches = watching
    cable = site / "content" / "cables" / "2003" / "03OTTAWA49.txt"
    cable.write_text("SUBJECT: ONE\n")
    assert batches.next() is not None
    if save == "sed -i":
        subprocess.run(["sed", "-i", "s/ONE/TWO/", str(cable)], check=True)
    else:
        temporary = cable.with_name("03OTTAWA49.txt.tmp4kd9")
        temporary.write_text("SUBJECT: TWO\n")
        os.replace(temporary, cable)
    batch = batches.next()
    assert batch is not None
    assert batch.cables == {cable.resolve()}
    assert batch.describe() == "1 cable"


def test_watcher_ignores_the_output_folder(
    site: Path, watching: tuple[SiteWatcher, Batches]
) -> None:
    _, batches = watching
    for n in range(20):
        (site / "site" / "tag" / f"{n}.html").write_text("built")
    (site / ".site.partial").mkdir()
    (site / ".site.partial" / "index.html").write_text("staged")
    (site / "README.md").write_text("notes")
    assert batches.next(timeout=1.5) is None


def test_watcher_batches_a_copy_of_many_files(
    site: Path, watching: tuple[SiteWatcher, Batches]
) -> None:
    watcher, _ = watching
    debouncer = Debouncer(quiet=1.0, max_wait=60)
    watcher.sink = debouncer.add
    folder = site / "content" / "cables" / "batch"
    folder.mkdir()
    for n in range(500):
        (folder / f"{n:04d}.txt").write_text(f"cable {n}\n")
    (site / "site.toml").write_text('title = "Changed"\n')
    batch = debouncer.next_batch(timeout=30)
    assert batch is not None
    assert debouncer.next_batch(timeout=2.0) is None
    assert folder.resolve() / "0499.txt" in batch.cables
    assert batch.config == {(site / "site.toml").resolve()}


def test_watcher_batches_a_copy_of_ten_thousand_files(site: Path, layout: SiteLayout) -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=60)
    watcher = SiteWatcher(layout, debouncer.add)
    watcher.start()
    try:
        folder = site / "content" / "cables" / "import"
        folder.mkdir()
        for n in range(10_000):
            (folder / f"{n:05d}.txt").write_bytes(b"cable\n")
        # watchdog may still be working through its queue when the loop ends.
        batches = [debouncer.next_batch(timeout=60)]
        while (batch := debouncer.next_batch(timeout=3.0)) is not None:
            batches.append(batch)
    finally:
        watcher.stop()
    # One batch; a second only if this shared 2-core machine stalled the
    # watcher for a whole quiet period (the synthetic test above pins the logic).
    assert batches[0] is not None and len(batches) <= 2
    merged = batches[0].merge(batches[-1] or ChangeSet())
    # Every file named, or the kernel's queue overflowed and the batch says so.
    assert merged.everything or len(merged.cables) >= 10_000


def test_lost_events_mean_everything_changed(layout: SiteLayout) -> None:
    debouncer = Debouncer(quiet=0.05)
    watcher = SiteWatcher(layout, debouncer.add)
    watcher.start()
    try:
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        batch = debouncer.next_batch(timeout=5)
        assert batch is not None and batch.everything
    finally:
        watcher.stop()


def test_watcher_follows_a_new_templates_folder(
    tmp_path: Path,
) -> None:
    root = tmp_path / "bare"
    (root / "content" / "cables").mkdir(parents=True)
    config = SiteConfig(root=root)
    batches = Batches()
    watcher = SiteWatcher(site_layout(config), batches.debouncer.add)
    watcher.start()
    try:
        (root / "templates").mkdir()
        first = batches.next()
        assert first is not None and first.everything
        watcher.relayout(site_layout(config))
        (root / "templates" / "base.html").write_text("{% block main %}{% endblock %}")
        second = batches.next()
        assert second is not None
        assert second.templates == {(root / "templates" / "base.html").resolve()}
    finally:
        watcher.stop()
