"""Incremental builds of real cables: always byte-identical to a clean build.

The property test starts from about seventy cables of the dev corpus
(WikiLeaks pages that cite each other, raw telegrams, a dump, an export),
applies a random sequence of edits — text, subject, tags, references,
added, deleted, renamed, copied and differing files, templates, the
config, a Markdown page — and after each one checks that the incremental
output is the same file set with the same bytes as a clean build of the
same state. The other tests pin the engine's promises one by one: a no-op
build writes nothing, a corrupt or outdated cache means a full build, the
number of workers does not change a byte.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit import tree

from generator.engine.builder import Builder, BuildOptions, BuildResult, build_site
from generator.engine.cache import CACHE_NAME
from generator.engine.memory import MEMORY_FILE
from generator.engine.state import BODY_FILE, DELTA_FILE, HEAD_FILE, RACY_NS
from generator.render.environment import BUILTIN_THEMES

HTML_CABLES = 50
POOL = 20
EXPORT_LINES = 12
AN_HOUR_AGO = time.time() - 3600


def linked_pages(corpus: Path) -> list[str]:
    """WikiLeaks pages of the corpus that cite, or are cited by, another such page."""
    with (corpus / "CATALOG.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    by_id = {row["id"]: row for row in rows}
    linked: set[str] = set()
    for row in rows:
        for cited in row["references"].split():
            other = by_id.get(cited)
            if other and row["format"] == "a" and other["format"] == "a":
                linked |= {row["file"], other["file"]}
    return sorted(linked)


@pytest.fixture(scope="module")
def corpus_files(dev_corpus: Path) -> tuple[list[Path], list[Path]]:
    """(the files of the starting site, a pool of files to add later)."""
    pages = [dev_corpus / name for name in linked_pages(dev_corpus)]
    start = pages[:HTML_CABLES] + sorted((dev_corpus / "telegram").iterdir())
    start.append(dev_corpus / "cables.csv")
    return start, pages[HTML_CABLES : HTML_CABLES + POOL]


def make_site(root: Path, files: list[Path], dev_corpus: Path) -> Path:
    cables = root / "content" / "cables"
    cables.mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    (root / "site.toml").write_text('title = "Property archive"\nper_page = 4\n')
    for path in files:
        shutil.copy2(path, cables / path.name)
    lines = (dev_corpus / "records.jsonl").read_text(encoding="utf-8").splitlines(True)
    (cables / "export.jsonl").write_text("".join(lines[:EXPORT_LINES]), encoding="utf-8")
    backdate(root)
    return root


def backdate(root: Path, *more: Path) -> None:
    """Make every input old enough to be trusted by its identity (recent files are
    always hashed): an hour old, then wait until their change times (which
    `utime` sets to now, and nothing sets back) are older than the racy window."""
    paths = [root / "site.toml", *(root / "content").rglob("*"), *more]
    for path in paths:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    settled = max(path.stat().st_ctime_ns for path in paths) + RACY_NS + 50_000_000
    time.sleep(max(0, settled - time.time_ns()) / 1e9)


def build(root: Path, **options: object) -> BuildResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_site(root, BuildOptions(**options))  # type: ignore[arg-type]


def clean_copy(root: Path, into: Path) -> Path:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    shutil.copytree(root / "content", into / "content")
    shutil.copy2(root / "site.toml", into / "site.toml")
    if (root / "templates").is_dir():
        shutil.copytree(root / "templates", into / "templates")
    return into


def assert_same_as_clean(root: Path, scratch: Path) -> None:
    fresh = clean_copy(root, scratch)
    build(fresh, clean=True, jobs=1)
    built, expected = tree(root / "site"), tree(fresh / "site")
    assert sorted(built) == sorted(expected)
    differing = [path for path in expected if built[path] != expected[path]]
    assert differing == []


# --- the edits -------------------------------------------------------------------


class Edits:
    """Edits of a site's inputs, each chosen by a number (so hypothesis can shrink them)."""

    def __init__(self, root: Path, pool: list[Path]) -> None:
        self.root = root
        self.cables = root / "content" / "cables"
        self.pool = list(pool)
        self.serial = 0
        self.touched: set[Path] = set()  # the cable files the last edit wrote, made or removed

    def files(self) -> list[Path]:
        return sorted(p for p in self.cables.rglob("*") if p.is_file())

    def pick(self, number: int, suffixes: tuple[str, ...] = ()) -> Path | None:
        files = [p for p in self.files() if not suffixes or p.suffix in suffixes]
        return files[number % len(files)] if files else None

    def apply(self, name: str, number: int) -> frozenset[Path]:
        """Make the edit; the cable files it touched (as a watcher reports them)."""
        self.serial += 1
        before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in self.files()}
        getattr(self, name)(number)
        after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in self.files()}
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        return frozenset(
            p.resolve() if p.exists() else p.parent.resolve() / p.name for p in changed
        )

    def text(self, number: int) -> None:
        path = self.pick(number)
        if path is None:
            return
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if path.suffix == ".html":
            at = text.rfind("</pre>")
            text = text[:at] + f" EXTRA WORDS {self.serial}." + text[at:]
        elif path.suffix in (".csv", ".jsonl"):
            text = text.replace(" the ", f" the edited{self.serial} ", 1)
        else:
            text += f"\n\n{self.serial}. (U) An added paragraph.\n"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")

    def subject(self, number: int) -> None:
        self._replace(number, "SUBJECT: ", f"SUBJECT: EDITED {self.serial} ")

    def tags(self, number: int) -> None:
        path = self.pick(number)
        if path is None:
            return
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if "ZZNEW" in text:  # a renamed tag: its page must go
            text = text.replace("ZZNEW", "ZZOLD")
        elif "ZZOLD" in text:  # a dropped tag
            text = text.replace("ZZOLD ", "")
        else:
            text = text.replace("TAGS: ", "TAGS: ZZNEW ")
        path.write_text(text, encoding="utf-8", errors="surrogateescape")

    def references(self, number: int) -> None:
        """Front matter on a telegram citing other cables (and one that is not here)."""
        path = self.pick(number, (".txt",))
        if path is None:
            return
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if text.startswith("---\n"):
            text = text.split("---\n", 2)[2]
        ids = sorted(p.stem for p in self.cables.rglob("*.html"))
        rng = random.Random(number)
        cited = [*rng.sample(ids, min(2, len(ids))), "99NOWHERE1"]
        tags = rng.choice(["[PREL, ZZFRONT]", "[PGOV]", "[ZZFRONT]"])
        front = f"---\nreferences: [{', '.join(cited)}]\ntags: {tags}\n---\n"
        path.write_text(front + text, encoding="utf-8", errors="surrogateescape")

    def add(self, number: int) -> None:
        if self.pool:
            source = self.pool.pop(number % len(self.pool))
            shutil.copy2(source, self.cables / source.name)

    def delete(self, number: int) -> None:
        if len(self.files()) > 10:
            path = self.pick(number)
            assert path is not None
            path.unlink()

    def rename(self, number: int) -> None:
        path = self.pick(number)
        if path is not None:
            target = self.cables / "moved" / f"{self.serial}-{path.name}"
            target.parent.mkdir(exist_ok=True)
            path.rename(target)

    def copy(self, number: int) -> None:
        """An identical copy: one page, and the copy listed on it."""
        path = self.pick(number, (".html",))
        if path is not None:
            target = self.cables / "copies" / f"{self.serial}-{path.name}"
            target.parent.mkdir(exist_ok=True)
            shutil.copy2(path, target)

    def variant(self, number: int) -> None:
        """A differing cable with the same id: pages ID_a and ID_b."""
        self.copy(number)
        copies = sorted((self.cables / "copies").glob(f"{self.serial}-*"))
        if copies:
            text = copies[0].read_text(encoding="utf-8", errors="surrogateescape")
            at = text.rfind("</pre>")
            copies[0].write_text(text[:at] + " A DIFFERENT ENDING." + text[at:])

    def template(self, number: int) -> None:
        folder = self.root / "templates"
        name = ["cable.html", "list.html", "_macros.html", "base.html", None][number % 5]
        if name is None:
            shutil.rmtree(folder, ignore_errors=True)
            return
        folder.mkdir(exist_ok=True)
        text = (BUILTIN_THEMES / "default" / "templates" / name).read_text(encoding="utf-8")
        (folder / name).write_text(f"{{# edit {self.serial} #}}<!-- {self.serial} -->" + text)

    def config(self, number: int) -> None:
        per_page = [4, 7, 50][number % 3]
        title = ["Property archive", "Another title"][number % 2]
        (self.root / "site.toml").write_text(f'title = "{title}"\nper_page = {per_page}\n')

    def page(self, number: int) -> None:
        path = self.root / "content" / "pages" / "notes.md"
        if number % 3 == 0 and path.exists():
            path.unlink()
            return
        ids = sorted(p.stem for p in self.cables.rglob("*.html"))
        mention = ids[number % len(ids)] if ids else "03OTTAWA49"
        path.write_text(f"# Notes {self.serial}\n\nSee {mention} and 99NOWHERE1.\n")

    def _replace(self, number: int, old: str, new: str) -> None:
        path = self.pick(number)
        if path is not None:
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            path.write_text(text.replace(old, new), encoding="utf-8", errors="surrogateescape")


EDITS = [
    "text",
    "subject",
    "tags",
    "references",
    "add",
    "delete",
    "rename",
    "copy",
    "variant",
    "template",
    "config",
    "page",
]


@settings(
    # A few sequences per run keep the suite quick; CABLESITE_PROPERTY_EXAMPLES=200 hunts.
    max_examples=int(os.environ.get("CABLESITE_PROPERTY_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(EDITS), st.integers(0, 10_000)), min_size=3, max_size=6
    )
)
def test_incremental_builds_equal_clean_builds(
    steps: list[tuple[str, int]],
    corpus_files: tuple[list[Path], list[Path]],
    dev_corpus: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`cablesite build` after each edit: a new process, the state from disk."""
    start, pool = corpus_files
    work = tmp_path_factory.mktemp("property")
    root = make_site(work / "site-root", start, dev_corpus)
    build(root, jobs=2)
    edits = Edits(root, pool)
    shared = False  # whether some id is held by two files (its text then places it)
    for name, number in steps:
        touched = edits.apply(name, number)
        shared |= name in ("copy", "variant")
        result = build(root, jobs=2)
        assert result.kind != "full", name  # "none" when the edit changed nothing
        if name in ("text", "subject") and touched and not shared:
            # From the memory the last full pass saved, and the deltas since.
            assert result.kind == "quick", name
        assert_same_as_clean(root, work / "clean")
    # The deltas saved by quick rebuilds leave a state a no-op build trusts
    # (once the files edited last are old enough to be trusted by their time).
    backdate(root, *root.glob("templates/*"))
    assert build(root).written == 0
    assert build(root).kind == "none"


@settings(
    max_examples=int(os.environ.get("CABLESITE_PROPERTY_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(EDITS), st.integers(0, 10_000), st.booleans()),
        min_size=3,
        max_size=7,
    )
)
def test_preview_rebuilds_equal_clean_builds(
    steps: list[tuple[str, int, bool]],
    corpus_files: tuple[list[Path], list[Path]],
    dev_corpus: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`cablesite serve`: one Builder keeping its memory, told which cable files changed.

    Quick rebuilds (an edit that moves nothing) and full passes alternate,
    in any order; a build without the watcher's list now and then checks
    that the two kinds of rebuild agree on what is up to date.
    """
    start, pool = corpus_files
    work = tmp_path_factory.mktemp("preview")
    root = make_site(work / "site-root", start, dev_corpus)
    builder = Builder(root, keep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder.build(BuildOptions(jobs=2))
        edits = Edits(root, pool)
        shared = False  # whether some id is held by two files (its text then places it)
        for name, number, told in steps:
            touched = edits.apply(name, number)
            shared |= name in ("copy", "variant")
            result = builder.build(BuildOptions(jobs=2), hint=touched if told else None)
            if name in ("text", "subject") and touched and told and not shared:
                assert result.kind == "quick", name
            assert_same_as_clean(root, work / "clean")
    # And a new process, from the state on disk, agrees with the preview's output.
    result = build(root, jobs=1)
    assert result.written == 0, sorted(result.changed)
    assert_same_as_clean(root, work / "clean")


# --- the promises one by one -----------------------------------------------------


@pytest.fixture
def site(corpus_files: tuple[list[Path], list[Path]], dev_corpus: Path, tmp_path: Path) -> Path:
    root = make_site(tmp_path / "site-root", corpus_files[0][:30], dev_corpus)
    build(root, jobs=2)
    return root


def test_a_no_op_build_reads_and_writes_nothing(site: Path) -> None:
    build(site)  # the first build's files were too recent to be trusted by their time
    before = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")}
    result = build(site)
    assert result.kind == "none"
    assert (result.written, result.parsed, result.rendered) == (0, 0, 0)
    assert result.unchanged == len([p for p in before if p.is_file()])
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")} == before


def test_a_touched_file_is_hashed_not_parsed(site: Path) -> None:
    path = next((site / "content" / "cables").glob("*.html"))
    os.utime(path)
    result = build(site)
    assert result.kind == "quick"
    assert (result.parsed, result.written, result.rendered) == (0, 0, 0)


def test_an_edited_cable_is_the_only_file_parsed(site: Path, tmp_path: Path) -> None:
    path = next((site / "content" / "cables").glob("*.html"))
    path.write_text(path.read_text(encoding="utf-8").replace("SUBJECT: ", "SUBJECT: NEW "))
    result = build(site)
    assert result.parsed == 1
    assert f"{path.stem}.html" in " ".join(result.changed)
    assert_same_as_clean(site, tmp_path / "clean")


@pytest.mark.parametrize(
    "damage",
    [
        lambda state: state.write_bytes(b"not a marshal file"),
        lambda state: state.write_bytes(state.read_bytes()[: len(state.read_bytes()) // 2]),
        lambda state: state.unlink(),
        lambda state: shutil.rmtree(state.parent),
        lambda state: state.write_bytes(state.read_bytes().replace(b"parse", b"other")),
        lambda state: (state.parent / BODY_FILE).write_bytes(b"\x00"),
        lambda state: (state.parent / BODY_FILE).unlink(),
    ],
    ids=[
        "garbage",
        "truncated",
        "missing",
        "no-cache-folder",
        "another-version",
        "damaged-body",
        "missing-body",
    ],
)
def test_a_damaged_cache_means_a_full_build(site: Path, damage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    damage(site / CACHE_NAME / HEAD_FILE)
    # A touched file: the build needs more than the head of the state.
    os.utime(next((site / "content" / "cables").glob("*.html")))
    result = build(site)
    assert result.kind == "full"
    assert result.written == 0  # the same bytes as before: every file kept
    assert_same_as_clean(site, tmp_path / "clean")


def test_a_lost_parse_cache_parses_again(site: Path, tmp_path: Path) -> None:
    shutil.rmtree(site / CACHE_NAME / "packs")
    (site / "templates").mkdir()
    original = BUILTIN_THEMES / "default" / "templates" / "cable.html"
    (site / "templates" / "cable.html").write_text("<!-- x -->" + original.read_text())
    result = build(site)
    assert result.kind == "quick" and result.written > 20
    assert_same_as_clean(site, tmp_path / "clean")


def _edit_subject(path: Path, word: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("SUBJECT: ", f"SUBJECT: {word} ", 1), encoding="utf-8")


def test_quick_rebuilds_in_new_processes_add_up(site: Path, tmp_path: Path) -> None:
    """Each `cablesite build` after a quick one starts from the saved memory and the delta."""
    first, second = sorted((site / "content" / "cables").glob("*.html"))[:2]
    for number, path in enumerate([first, second, first]):
        _edit_subject(path, f"EDIT{number}")
        result = build(site)
        assert result.kind == "quick" and result.parsed == 1
        assert result.written >= 1
        assert_same_as_clean(site, tmp_path / "clean")
    assert (site / CACHE_NAME / DELTA_FILE).is_file()
    # A structural edit takes the full pass, which folds the delta into the state.
    tagged = first.read_text(encoding="utf-8").replace("TAGS: ", "TAGS: ZZNEW ", 1)
    first.write_text(tagged, encoding="utf-8")
    assert build(site).kind == "incremental"
    assert not (site / CACHE_NAME / DELTA_FILE).exists()
    assert_same_as_clean(site, tmp_path / "clean")


@pytest.mark.parametrize("damaged", [MEMORY_FILE, DELTA_FILE])
def test_a_damaged_memory_or_delta_means_the_full_pass(
    site: Path, damaged: str, tmp_path: Path
) -> None:
    first, second = sorted((site / "content" / "cables").glob("*.html"))[:2]
    _edit_subject(first, "ONE")
    assert build(site).kind == "quick"
    (site / CACHE_NAME / damaged).write_bytes(b"\x00 not what was saved")
    _edit_subject(second, "TWO")
    result = build(site)
    # Without its delta the state's body is unknown: a full build; without the
    # memory, the incremental pass.
    assert result.kind == ("full" if damaged == DELTA_FILE else "incremental")
    assert_same_as_clean(site, tmp_path / "clean")
    assert build(site).kind in ("quick", "none")


def test_a_preview_then_a_build_process(site: Path, tmp_path: Path) -> None:
    """A serve session's quick rebuilds save no state: a build after it takes the full pass."""
    path = sorted((site / "content" / "cables").glob("*.html"))[0]
    builder = Builder(site, keep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert builder.build(BuildOptions()).kind == "quick"  # restored, nothing to do
        _edit_subject(path, "PREVIEWED")
        hint = frozenset({path.resolve()})
        assert builder.build(BuildOptions(), hint=hint).kind == "quick"
    _edit_subject(path, "BUILT")
    assert build(site).kind == "incremental"
    assert_same_as_clean(site, tmp_path / "clean")


def test_a_deleted_output_means_a_full_build(site: Path) -> None:
    shutil.rmtree(site / "site")
    result = build(site)
    assert result.kind == "full" and (site / "site" / "index.html").is_file()


def test_an_interrupted_apply_is_redone(site: Path, tmp_path: Path) -> None:
    from generator.engine.journal import mark_pending

    page = next(p for p in (site / "site" / "cable").rglob("*.html"))
    relative = page.relative_to(site / "site").as_posix()
    page.write_text("half of a page")
    mark_pending(site / CACHE_NAME, [relative])
    result = build(site)
    assert relative in result.changed
    assert_same_as_clean(site, tmp_path / "clean")


def test_the_number_of_workers_changes_nothing(
    corpus_files: tuple[list[Path], list[Path]], dev_corpus: Path, tmp_path: Path
) -> None:
    one = make_site(tmp_path / "one", corpus_files[0], dev_corpus)
    two = make_site(tmp_path / "two", corpus_files[0], dev_corpus)
    build(one, jobs=1)
    build(two, jobs=2)
    assert tree(one / "site") == tree(two / "site")
