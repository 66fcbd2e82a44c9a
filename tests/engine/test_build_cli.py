"""`cablesite build` as the engine's front: --jobs, --clean, incremental runs, the summary."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from repo import DEMO_CABLES

from generator.cli import main

SEED = DEMO_CABLES


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["new", "."]) == 0
        for path in sorted(SEED.iterdir()):
            (tmp_path / "content" / "cables" / path.name).write_bytes(path.read_bytes())
        yield tmp_path
    finally:
        os.chdir(before)


def test_jobs_must_be_a_positive_number(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--jobs", "0"])
    assert "is not a number of processes" in capsys.readouterr().err


def test_a_second_build_writes_nothing(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "-j", "1"]) == 0
    capsys.readouterr()
    assert main(["build", "-j", "2"]) == 0
    assert "(0 written," in capsys.readouterr().out


def test_a_removed_cable_is_counted(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "-q"]) == 0
    (site / "content" / "cables" / "000_34b2fa12b63caf79.txt").unlink()
    capsys.readouterr()
    assert main(["build", "-q"]) == 0
    assert " removed)" in capsys.readouterr().out


def test_clean_renders_everything_again(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "-q"]) == 0
    (site / ".cablesite-cache" / "state.marshal").write_bytes(b"junk")
    capsys.readouterr()
    assert main(["build", "-q", "--clean"]) == 0
    assert "(0 written," in capsys.readouterr().out
    assert (site / "site" / "index.html").is_file()
