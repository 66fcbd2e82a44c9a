"""Worker pools: the priority they run at, and who asks for a lower one."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sitekit import build, cable, make_site

from generator.engine import database_pass, render_pass
from generator.engine.database_pass import RENDER_NICENESS
from generator.engine.workers import run_tasks

pytestmark = pytest.mark.skipif(not hasattr(os, "nice"), reason="no os.nice here")


def niceness(_: int) -> int:
    return os.nice(0)


def test_workers_run_at_the_niceness_asked_recycled_ones_too() -> None:
    mine = os.nice(0)
    found = list(run_tasks(niceness, list(range(12)), 2, recycle=2, niceness=5))
    assert found == [min(19, mine + 5)] * 12
    assert list(run_tasks(niceness, list(range(4)), 2)) == [mine] * 4
    assert os.nice(0) == mine  # (this process as it was)


def test_render_workers_yield_to_the_database_process_of_a_full_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full pass fills the database in its own process while the workers render:
    they run lower than it (and lower than the build process)."""
    asked: list[int] = []

    def recording(*args: object, niceness: int = 0, **kwargs: object):  # type: ignore[no-untyped-def]
        asked.append(niceness)
        return run_tasks(*args, niceness=niceness, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render_pass, "run_tasks", recording)
    before = os.nice(0)
    files = {
        f"{n:03}.txt": [cable(f"03OTTAWA{n}", datetime(2003, 1, 1 + n % 28))] for n in range(120)
    }
    root = tmp_path / "site"
    make_site(root, files)
    assert build(root, files, jobs=2).kind == "full"
    assert asked and set(asked) == {RENDER_NICENESS}
    assert os.nice(0) == before  # (the build process as it was)


def test_the_database_process_mirrors_its_slot_at_the_lowest_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its answer, the database process copies the filled slot into the other one
    (see database_pass._child): nothing but the build's end waits for that, so it must
    not take a core from the render workers."""
    seen = tmp_path / "mirror-niceness"
    mirror = database_pass.mirror_slots

    def recording(published: database_pass.Published) -> None:
        seen.write_text(f"{os.getpid()} {os.nice(0)}")
        mirror(published)

    monkeypatch.setattr(database_pass, "mirror_slots", recording)
    before = os.nice(0)
    files = {f"{n:03}.txt": [cable(f"03OTTAWA{n}", datetime(2003, 1, 1 + n))] for n in range(20)}
    root = tmp_path / "site"
    make_site(root, files)
    assert build(root, files, jobs=2).kind == "full"
    pid, found = seen.read_text().split()
    assert int(pid) != os.getpid()  # (the database process, not the build's)
    assert int(found) == database_pass.MIRROR_NICENESS
    assert os.nice(0) == before
    slots = root / ".cablesite-cache" / "database"
    assert (slots / "a" / "cables.db").read_bytes() == (slots / "b" / "cables.db").read_bytes()
