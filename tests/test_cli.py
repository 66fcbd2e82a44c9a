"""The `cablesite` command: new → build → check, and errors without tracebacks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from repo import DEMO_CABLES

from generator.cli import main

SEED = DEMO_CABLES


@pytest.fixture
def in_folder(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def test_new_build_check(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "archive"]) == 0
    site = in_folder / "archive"
    assert (site / "site.toml").is_file()
    assert (site / "content" / "cables").is_dir()
    assert (site / "content" / "pages" / "about.md").is_file()
    os.chdir(site)
    assert main(["build"]) == 0
    assert (site / "site" / "index.html").is_file()
    assert (site / "site" / "about" / "index.html").is_file()
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "0 cable(s)" in out and ": ok" in out


def test_new_refuses_a_folder_with_files(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_folder / "taken").mkdir()
    (in_folder / "taken" / "notes.txt").write_text("mine")
    assert main(["new", "taken"]) == 1
    assert "taken: already exists and is not empty" in capsys.readouterr().err


def test_build_reports_counts_and_skipped_files(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["new", "."])
    cables = in_folder / "content" / "cables"
    for path in sorted(SEED.iterdir()):
        (cables / path.name).write_bytes(path.read_bytes())
    (cables / "scan.pdf").write_bytes(b"%PDF-1.4")
    assert main(["build", "--base-url", "https://user.github.io/repo/"]) == 0
    captured = capsys.readouterr()
    assert "content/cables/scan.pdf: not a supported cable file; ignored" in captured.err
    assert "cable(s) from" in captured.out and "warning(s)" in captured.out
    assert 'href="/repo/' in (in_folder / "site" / "index.html").read_text()
    assert main(["check"]) == 0  # the base path is read back from the built site


def test_strict_fails_and_keeps_the_old_site(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["new", "."])
    assert main(["build"]) == 0
    before = (in_folder / "site" / "index.html").read_bytes()
    (in_folder / "content" / "cables" / "scan.pdf").write_bytes(b"%PDF-1.4")
    capsys.readouterr()
    assert main(["build", "--strict"]) == 1
    err = capsys.readouterr().err
    # Each problem on its own line, then the error.
    assert "content/cables/scan.pdf: not a supported cable file; ignored\n" in err
    assert "error: build: 1 warning(s) with --strict; site not written" in err
    assert (in_folder / "site" / "index.html").read_bytes() == before


def test_config_error_is_one_line(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["new", "."])
    (in_folder / "site.toml").write_text('title = "x"\nper_page = "many"\n')
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "site.toml:2: per_page must be a whole number from 1 to 10000"


def test_template_error_names_the_template(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["new", "."])
    (in_folder / "templates").mkdir()
    (in_folder / "templates" / "home.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{{ no_such_thing.attr }}\n{% endblock %}\n'
    )
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "templates/home.html:3: " in err


def test_check_finds_a_broken_link(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["new", "."])
    main(["build"])
    tags = in_folder / "site" / "tag" / "index.html"
    html = tags.read_text().replace(
        "</main>",
        '<a href="/cable/2099/01/99NOWHERE1.html">x</a><a href="#no-such-anchor">y</a></main>',
    )
    tags.write_text(html)
    capsys.readouterr()
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "tag/index.html:" in err and "broken link: /cable/2099/01/99NOWHERE1.html" in err
    assert "no #no-such-anchor here" in err


def test_check_finds_a_cable_without_its_page(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["new", "."])
    seed = SEED / "03OTTAWA311.txt"
    (in_folder / "content" / "cables" / seed.name).write_bytes(seed.read_bytes())
    main(["build"])
    for page in (in_folder / "site" / "cable").rglob("03OTTAWA311.html"):
        page.unlink()
    capsys.readouterr()
    assert main(["check"]) == 1
    assert "03OTTAWA311 has no page" in capsys.readouterr().err


def test_check_without_a_build(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["new", "."])
    assert main(["check"]) == 1
    assert "run `cablesite build` first" in capsys.readouterr().err


def test_unwritable_output_is_one_line(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["new", "."])
    (in_folder / "blocker").write_text("a file, not a folder")
    assert main(["build", "-o", "blocker/site"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "blocker" in err


def test_import_then_build_then_check(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cablesite import` is wired: the demo dump and export land as files that build."""
    assert main(["new", "archive"]) == 0
    os.chdir(in_folder / "archive")
    sources = [str(SEED / "sample-dump.csv"), str(SEED / "sample-export.jsonl")]
    assert main(["import", *sources, "--no-progress", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "3 imported" in out
    written = sorted(p.name for p in Path("content/cables").rglob("*.txt"))
    assert written == ["03HALIFAX21.txt", "03MONTREAL42.txt", "03TORONTO55.txt"]
    assert main(["import", *sources, "--no-progress", "--jobs", "1"]) == 0
    assert "3 unchanged" in capsys.readouterr().out
    assert main(["build"]) == 0
    assert main(["check"]) == 0


def test_import_of_a_missing_source_is_one_line(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "nope.csv", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "nope.csv" in err and "Traceback" not in err
