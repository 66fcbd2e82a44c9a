"""One bad file never stops an archive (#13): a corpus of hostile and broken files.

`tests/fixtures/site/badinput` holds the files git can keep; `hostile_site`
adds the rest (a FIFO, a name with a newline, a viewer page with 400,000
"<", an empty and a binary file, front matter over the size limit). Each
bad file must get exactly one warning, `file:line: what is wrong`, and
every good cable (the good records of a bad container file among them) its
page; no traceback; `--strict` fails naming each; `cablesite import` the same.
The crash barrier is tested with a parser and a template that raise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import generator.parse as parse_module
from generator.engine.builder import BuildOptions, build_site
from tests.repo import DEMO_CABLES, FIXTURES, REPO

FIXTURE = FIXTURES / "site" / "badinput"
NEWLINE_NAME = "evil\nx.txt:1: forged warning.md"

# Each bad file, and what its one warning says.
EXPECTED = {
    "date-month.md": ":3: created: 2003-13-45 is not a date",
    "date-day.md": ":3: created: 2003-02-30 is not a date",
    "date-hour.md": ":3: created: 2003-01-01 25:00:00 is not a date",
    "date-zone.md": ":3: created: 2003-01-01 10:00:00 +99:00 is not a date",
    "tags-number.md": ":4: tags: 5 is not a list of tags",
    "tags-yes.md": ":4: tags: True is not a list of tags",
    "tags-float.md": ":4: tags: 1.5 is not a list of tags",
    "yaml-deep.md": ":4: front matter is not valid YAML: nested deeper than 32 levels",
    "yaml-alias-bomb.md": (
        ":5: front matter is not valid YAML: aliases (*name) are not allowed"
        " (and in 8 more key(s), all dropped)"
    ),
    "id-mapping.md": ":2: id: {'a': 1} is not text",
    "partial-maybe.md": ":4: partial: 'maybe' is not true or false",
    "nested-5000.jsonl": ":2: record skipped: nested deeper than 32 levels",
    "types.jsonl": ":1: tags: 5 is not a list of tags",
    "dump-1572.csv": ":2: malformed row skipped (unbalanced quotes)",
    # Added by hostile_site:
    "fifo.txt": ": a FIFO (named pipe), not a cable file; skipped",
    "empty.txt": ": empty file",
    "binary.txt": ": binary file, not a cable",
    "big-front-matter.md": ":1: front matter is larger than 16 KB; ignored",
    NEWLINE_NAME: ":3: created: 2003-13-45 is not a date",
}
# Every cable that must have a page: the good files' and the good records of bad files.
GOOD_CABLES = {
    "03OTTAWA600",  # good-telegram.txt
    "00OTTAWA608",  # good-old.md, dated 1600: the timeline spans four centuries
    "72OTTAWA617",  # dump-1572.csv's row dated 2/25/1572
    "03OTTAWA619",  # the row after dump-1572.csv's malformed one
    "03OTTAWA611",  # nested-5000.jsonl, before the nested line
    "03OTTAWA612",  # nested-5000.jsonl, after it
    "03OTTAWA613",  # types.jsonl: its tags dropped, the cable kept
    "03OTTAWA616",
    "03STATE9003",  # viewer-400k-lt.html
    # Bad metadata drops the value, never the cable.
    *(f"03OTTAWA{n}" for n in (601, 602, 603, 604, 605, 606, 607, 609, 610, 615, 620, 621)),
}


def hostile_site(root: Path) -> Path:
    site = root / "badinput"
    shutil.copytree(FIXTURE, site)
    cables = site / "content" / "cables"
    os.mkfifo(cables / "fifo.txt")
    (cables / "empty.txt").write_bytes(b"")
    (cables / "binary.txt").write_bytes(bytes(range(256)) * 8)
    text = (cables / "date-month.md").read_text()
    (cables / NEWLINE_NAME).write_text(text.replace("03OTTAWA601", "03OTTAWA620"))
    filler = "note: " + "x" * 20_000
    big = (cables / "good-telegram.txt").read_text().replace("000600", "000621")
    (cables / "big-front-matter.md").write_text(f"---\nid: 03OTTAWA621\n{filler}\n---\n{big}")
    # A viewer page whose body holds 400,000 "<" and no ">": the tag strip was quadratic.
    page = (DEMO_CABLES / "03STATE9002.html").read_text().replace("9002", "9003")
    body = page.index("<pre>", page.index("<pre>") + 1) + len("<pre>")
    (cables / "viewer-400k-lt.html").write_text(page[:body] + "<" * 400_000 + page[body:])
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_site(tmp_path_factory.mktemp("bad"))


def cablesite(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=300,
    )


def _warnings_of(lines: list[str], name: str) -> list[str]:
    shown = name.encode("unicode_escape").decode()
    return [line for line in lines if line.startswith(f"content/cables/{shown}:")]


def test_every_bad_file_gets_one_warning_and_the_site_builds(site: Path) -> None:
    """README: "Nothing a cable file contains stops a build" -- one warning a bad file."""
    started = time.perf_counter()
    done = cablesite("build", "-C", str(site), "--clean")
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert seconds < 60  # the 400,000 "<" took 97 s alone
    lines = (site / "site" / "diagnostics" / "warnings.txt").read_text().splitlines()
    for name, message in EXPECTED.items():
        found = _warnings_of(lines, name)
        assert len(found) == 1, (name, found)
        assert found[0].endswith(message), found[0]
    assert len(lines) == len(EXPECTED)
    pages = {p.stem for p in (site / "site" / "cable").rglob("*.html")}
    assert pages >= GOOD_CABLES
    assert (site / "site" / "index.html").is_file()


def test_a_file_name_cannot_forge_a_warning_line(site: Path) -> None:
    """README: every warning is one line, whatever the file is named."""
    if not (site / "site").is_dir():
        cablesite("build", "-C", str(site))
    lines = (site / "site" / "diagnostics" / "warnings.txt").read_text().splitlines()
    assert all(line.startswith("content/cables/") for line in lines)
    assert not any(line.startswith("x.txt") for line in lines)


def test_strict_fails_naming_each_bad_file(site: Path, tmp_path: Path) -> None:
    """README: `--strict` fails on any warning, lists each, and writes nothing."""
    output = tmp_path / "strict-out"
    done = cablesite("build", "-C", str(site), "--strict", "--clean", "-o", str(output))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    for name, message in EXPECTED.items():
        shown = name.encode("unicode_escape").decode()
        assert f"content/cables/{shown}{message}" in done.stderr, name
    assert f"{len(EXPECTED)} warning(s) with --strict" in done.stderr
    assert not output.exists()


def test_import_reports_each_bad_file_and_imports_the_good_records(
    site: Path, tmp_path: Path
) -> None:
    """README: `cablesite import` names every bad file; the good records still import."""
    into = tmp_path / "imported"
    done = cablesite("import", str(site / "content" / "cables"), "--into", str(into))
    assert done.returncode == 0, done.stderr
    report = done.stdout + done.stderr
    assert "Traceback" not in report
    for name, message in EXPECTED.items():
        shown = name.encode("unicode_escape").decode()
        assert f"cables/{shown}{message}" in report, name
    imported = {p.stem for p in into.rglob("*.txt")}
    assert imported >= GOOD_CABLES


# --- the crash barrier -----------------------------------------------------------


def _exploding(real):  # type: ignore[no-untyped-def]
    def assemble(source):  # type: ignore[no-untyped-def]
        if "EXPLODE" in source.body:
            raise RuntimeError("the parser met EXPLODE")
        return real(source)

    return assemble


def test_a_raising_parser_costs_one_file_or_one_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: a cable the parser fails on is that file's (or record's) warning."""
    site = tmp_path / "site"
    cables = site / "content" / "cables"
    cables.mkdir(parents=True)
    (site / "site.toml").write_text('title = "crash"\n')
    good = (FIXTURE / "content" / "cables" / "good-telegram.txt").read_text()
    (cables / "good.txt").write_text(good)
    (cables / "boom.txt").write_text(good.replace("000600", "000700") + "EXPLODE\n")
    records = (FIXTURE / "content" / "cables" / "types.jsonl").read_text().splitlines()
    (cables / "mixed.jsonl").write_text(
        "\n".join([records[1], records[1].replace("616", "701").replace("RECORD", "EXPLODE")])
        + "\n"
    )
    monkeypatch.setattr(parse_module, "assemble", _exploding(parse_module.assemble))
    result = build_site(site, BuildOptions(jobs=1))
    messages = [str(p) for p in result.problems]
    assert any(
        m.startswith("content/cables/boom.txt: the parser failed: RuntimeError") for m in messages
    ), messages
    assert any(
        m.startswith("content/cables/mixed.jsonl:2: record skipped: RuntimeError") for m in messages
    ), messages
    pages = {p.stem for p in (site / "site" / "cable").rglob("*.html")}
    assert {"03OTTAWA600", "03OTTAWA616"} <= pages
    assert not {"03OTTAWA700", "03OTTAWA701"} & pages


RAISING_TEMPLATE = """\
{% if cable.id == "03OTTAWA605" %}{{ 1 // 0 }}{% endif %}
"""


def test_a_raising_template_costs_one_page(tmp_path: Path) -> None:
    """README: a page whose template raises says it could not be rendered, and is listed
    on diagnostics/; the next build renders it again."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    templates = site / "templates"
    templates.mkdir()
    default = (REPO / "themes" / "default" / "templates" / "cable.html").read_text()
    (templates / "cable.html").write_text(RAISING_TEMPLATE + default)
    done = cablesite("build", "-C", str(site), "-j", "2")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warning = (
        "content/cables/tags-number.md: 03OTTAWA605: page could not be rendered: "
        "ZeroDivisionError: integer division or modulo by zero"
    )
    assert warning in done.stderr
    page = next((site / "site" / "cable").rglob("03OTTAWA605.html")).read_text()
    assert "03OTTAWA605 could not be rendered" in page
    assert "ZeroDivisionError" in page
    assert warning in (site / "site" / "diagnostics" / "warnings.txt").read_text()
    assert "could not be rendered" in (site / "site" / "diagnostics" / "index.html").read_text()
    other = next((site / "site" / "cable").rglob("03OTTAWA600.html")).read_text()
    assert "could not be rendered" not in other
    # Fixed, the page is rendered again (its failed render was never recorded).
    (templates / "cable.html").write_text(default)
    again = cablesite("build", "-C", str(site))
    assert again.returncode == 0, again.stderr
    page = next((site / "site" / "cable").rglob("03OTTAWA605.html")).read_text()
    assert "could not be rendered" not in page
    warnings_txt = (site / "site" / "diagnostics" / "warnings.txt").read_text()
    assert "could not be rendered" not in warnings_txt


# --- a killed build --------------------------------------------------------------

KILLED = textwrap.dedent(
    """
    import os, sys, time
    from generator.engine.workers import run_tasks

    def work(n):
        os.write(1, f"worker {os.getpid()}\\n".encode())  # one write: lines never interleave
        time.sleep(0.3)
        return n

    for _ in run_tasks(work, list(range(40)), 2):
        pass
    """
)


def test_workers_die_quietly_with_a_killed_build(tmp_path: Path) -> None:
    """README: a build killed outright leaves no worker running and prints no traceback."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    workers = set()
    while len(workers) < 2:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        workers.update(int(pid) for pid in re.findall(r"worker (\d+)", line))
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)
    assert "Traceback" not in process.stderr.read()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_strict_fails_on_a_page_that_cannot_be_rendered(tmp_path: Path) -> None:
    """README: under `--strict` a page that cannot be rendered fails the build, writing nothing."""
    site = tmp_path / "site"
    cables = site / "content" / "cables"
    cables.mkdir(parents=True)
    (site / "site.toml").write_text('title = "strict"\n')
    shutil.copy(FIXTURE / "content" / "cables" / "good-telegram.txt", cables)
    (site / "templates").mkdir()
    default = (REPO / "themes" / "default" / "templates" / "cable.html").read_text()
    raising = RAISING_TEMPLATE.replace("03OTTAWA605", "03OTTAWA600")
    (site / "templates" / "cable.html").write_text(raising + default)
    done = cablesite("build", "-C", str(site), "--strict")
    assert done.returncode == 1
    assert "03OTTAWA600: page could not be rendered: ZeroDivisionError" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (site / "site").exists()


RECYCLED = textwrap.dedent(
    """
    from generator.engine.workers import run_tasks

    def work(n):
        return n

    for _ in range(30):
        assert list(run_tasks(work, list(range(40)), 2, recycle=1)) == list(range(40))
    print("done")
    """
)


def test_recycled_workers_never_hang_the_pool() -> None:
    """Workers forked by the pool's own thread (recycled ones) finish the pool.

    With PR_SET_PDEATHSIG the kernel killed them when that thread ended at the
    pool's close, one at times still holding the result queue's lock, and
    `Pool.join` waited for ever (a 251,052-cable build hung at its index pages;
    this script hung in each of three tries).
    """
    done = subprocess.run(
        [sys.executable, "-c", RECYCLED], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"
