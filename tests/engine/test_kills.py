"""Builds that cannot leave a wrong site: a kill at every file operation, in turn.

A small site (20 synthetic cables) is built, then changed (one cable
deleted, one edited, and one added but in the incremental case), and the
next build is killed with
``SIGKILL`` just before its first file operation, then in a fresh copy
just before its second, and so on until a build runs to the end
(``CABLESITE_KILL_AT``, :func:`generator.files.file_operation`: every
rename, replace, unlink, folder removal or folder swap of the build
process, in the output and in the cache). After each kill:

- every file in ``site/`` is whole: its old or its new version;
- once the next build's first step (:func:`recover_output`) has run,
  ``site/`` is exactly the old site or exactly the new one, for an
  incremental build too (its interrupted moves and deletions are finished);
- the next build gives exactly a clean build of the new content: no
  deleted cable's page left behind, no stale page, no temporary file, no
  staging folder.

Three kinds of build are killed so: an incremental build (files replaced
one by one), a ``--clean`` build (a whole new tree swapped in), and a
build with another ``--base-url`` (every page rewritten in place).
"""

from __future__ import annotations

import marshal
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from repo import REPO, synthetic_cables
from sitekit import tree

from generator import files
from generator.engine.builder import Builder, BuildOptions, build_site
from generator.engine.cache import CACHE_NAME
from generator.engine.output import recover_output
from generator.engine.state import HEAD_FILE, RACY_NS
from generator.files import KILL_AT, TEMPORARY_SUFFIX

CABLES = 20
# More operations than any of these builds makes: the loop must end before.
MOST = 200


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_cables(tmp_path_factory.mktemp("corpus") / "cables", CABLES)


def make_root(root: Path, corpus: Path) -> Path:
    (root / "content" / "cables").mkdir(parents=True)
    (root / "site.toml").write_text('title = "Kills"\nper_page = 10\n', encoding="utf-8")
    for path in sorted(corpus.iterdir())[:-1]:  # the last one is added by the change
        shutil.copy2(path, root / "content" / "cables" / path.name)
    return root


def change(root: Path, corpus: Path, *, add: bool = True) -> None:
    """Delete a cable, edit another's subject (the issue's case), add a new one."""
    cables = sorted((root / "content" / "cables").iterdir())
    cables[0].unlink()
    text = cables[1].read_text(encoding="utf-8")
    cables[1].write_text(text.replace("SUBJECT: ", "SUBJECT: EDITED ", 1), encoding="utf-8")
    if add:
        added = sorted(corpus.iterdir())[-1]
        shutil.copy2(added, root / "content" / "cables" / added.name)


def cli_build(root: Path, *options: str, kill_at: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop(KILL_AT, None)
    if kill_at:
        env[KILL_AT] = str(kill_at)
    command = [sys.executable, "-m", "generator", "build", "-q", "-j", "1", "-C", str(root)]
    return subprocess.run(
        [*command, *options], env=env, capture_output=True, text=True, check=False
    )


def leftovers(root: Path) -> list[str]:
    """Temporary files in the cache, staging or old trees beside the output."""
    found = [p.name for p in (root / CACHE_NAME).rglob("*") if p.name.endswith(TEMPORARY_SUFFIX)]
    found += [p.name for p in root.iterdir() if p.name in (".site.partial", ".site.old")]
    return found


def copy_site(before: Path, root: Path) -> Path:
    """A copy of a built site folder whose build state describes the copy's output.

    The state records the output folder's path and inode, so that a build
    never trusts signatures recorded for another folder; the copy's are
    another, and are written into the copied state's head here, as if the
    copy had been built where it is.
    """
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(before, root, symlinks=True)
    head = root / CACHE_NAME / HEAD_FILE
    data = marshal.loads(head.read_bytes())
    info = (root / "site").stat()
    data["output"] = (str((root / "site").resolve()), info.st_dev, info.st_ino)
    head.write_bytes(marshal.dumps(data))
    return root


def killed_build(root: Path, options: BuildOptions, kill_at: int) -> str | None:
    """Build `root` in a forked process killed before its `kill_at`-th file operation;
    the operation, or None when the build ran to the end.

    Forked rather than started anew: a new interpreter importing the
    generator costs more than building this site.
    """
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child never returns)
        code = 1
        try:
            os.close(read)
            os.dup2(write, 2)
            sys.stderr = open(write, "w", encoding="utf-8")  # noqa: SIM115 (pytest's is captured)
            files._build_process, files._kill_at, files._operations = os.getpid(), kill_at, 0
            build_site(root, options)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8", errors="replace") as said:
        stderr = said.read()
    _, status = os.waitpid(child, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, stderr
    return stderr.strip().splitlines()[-1]


def kills(
    before: Path, options: BuildOptions, work: Path, stride: int = 1
) -> Iterator[tuple[Path, str]]:
    """Each (a copy of `before` whose build was killed at its n-th operation, the
    operation), for n = 1, 1 + stride, …, until a build is no longer killed."""
    for n in range(1, MOST, stride):
        root = copy_site(before, work / f"kill-{n}")
        where = killed_build(root, options, n)
        if where is None:
            assert n > 1, "the build made no file operation"
            return
        yield root, where
        shutil.rmtree(root)
    raise AssertionError(f"a build still killed after {MOST} operations")


@pytest.mark.parametrize(
    ("kind", "options", "stride"),
    [
        ("incremental", (), 1),
        ("clean", ("--clean",), 1),
        # Every page is replaced in turn: every 7th operation (and each of the state's).
        ("base-url", ("--base-url", "https://user.github.io/repo/"), 7),
    ],
)
def test_a_kill_at_any_file_operation_leaves_the_old_or_the_new_site(
    kind: str, options: tuple[str, ...], stride: int, corpus: Path, tmp_path: Path
) -> None:
    before = make_root(tmp_path / "before", corpus)
    assert cli_build(before).returncode == 0
    old = tree(before / "site")
    # (Without the added cable in the incremental case: fewer pages to replace, each
    # one a build killed, for a test that stays well under a minute.)
    change(before, corpus, add=kind != "incremental")
    # The new site: what a clean build of the changed content, with these options, gives.
    clean = tmp_path / "clean"
    shutil.copytree(before, clean, symlinks=True, ignore=shutil.ignore_patterns("site", ".*"))
    clean_options = tuple(o for o in options if o != "--clean")
    assert cli_build(clean, "--clean", *clean_options).returncode == 0
    new = tree(clean / "site")
    assert new != old
    base_url = options[1] if kind == "base-url" else None
    killed = BuildOptions(base_url=base_url, clean=kind == "clean", jobs=1)

    operations = []
    for root, where in kills(before, killed, tmp_path, stride):
        operations.append(where)
        left = tree(root / "site")
        for path, data in left.items():
            assert data in (old.get(path), new.get(path)), f"{kind}, {where}: {path} is torn"
        if len(operations) % 2:
            # What the next build's first step makes of it (else the build does it).
            recover_output(root / "site")
            recovered = tree(root / "site")
            assert recovered in (old, new), f"{kind}, {where}: site/ is neither old nor new"
        build_site(root, BuildOptions(base_url=base_url, jobs=1))
        assert tree(root / "site") == new, f"{kind}, {where}: the next build is not clean"
        assert not leftovers(root), f"{kind}, {where}: {leftovers(root)}"
    # A deleted cable's page, and the pages it alone was on, were being removed.
    if kind == "incremental":
        assert any(w.split()[-2] == "unlink" and "/site/" in w for w in operations)
    # Each kind took its own path: pages replaced one by one, or a new tree swapped in.
    replaced = [w for w in operations if w.split()[-2] == "replace" and "/site/" in w]
    swapped = [w for w in operations if w.split()[-2] == "exchange"]
    if kind == "clean":
        assert swapped and not replaced, operations
    else:
        assert len(replaced) > 3 and not swapped, operations


def test_two_rename_swap_is_put_back(tmp_path: Path) -> None:
    """Where folders cannot be swapped in one call: killed between the two renames."""
    old = tmp_path / ".site.old"
    old.mkdir()
    (old / "index.html").write_text("old")
    (tmp_path / ".site.partial").mkdir()
    (tmp_path / ".site.partial" / "index.html").write_text("new, not yet in place")
    assert recover_output(tmp_path / "site") == "the previous site put back"
    assert (tmp_path / "site" / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_cache_deleted_during_two_concurrent_builds(corpus: Path, tmp_path: Path) -> None:
    """The cache may really be deleted at any time: here over and over while two builds
    of the same site run at once. Both succeed, and the site is a clean build's."""
    root = make_root(tmp_path / "site", corpus)
    assert cli_build(root).returncode == 0
    change(root, corpus)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, symlinks=True, ignore=shutil.ignore_patterns("site", ".*"))
    assert cli_build(clean, "--clean").returncode == 0
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop(KILL_AT, None)
    command = [sys.executable, "-m", "generator", "build", "-q", "-j", "2", "-C", str(root)]
    builds = [
        subprocess.Popen([*command, *extra], env=env, stderr=subprocess.PIPE, text=True)
        for extra in ((), ("--clean",))
    ]
    while any(build.poll() is None for build in builds):
        shutil.rmtree(root / CACHE_NAME, ignore_errors=True)
        time.sleep(0.01)
    for build in builds:
        assert build.returncode == 0, build.stderr.read() if build.stderr else ""
    assert tree(root / "site") == tree(clean / "site")
    build_site(root, BuildOptions(jobs=1))
    assert tree(root / "site") == tree(clean / "site")


def test_stale_temporary_files_are_swept(corpus: Path, tmp_path: Path) -> None:
    """A killed build's temporary files in the cache go with the next build."""
    root = make_root(tmp_path / "site", corpus)
    build_site(root, BuildOptions(jobs=1))
    stale = root / CACHE_NAME / f".{HEAD_FILE}.k1ll3d{TEMPORARY_SUFFIX}"
    stale.write_bytes(b"half a state")
    build_site(root, BuildOptions(jobs=1))
    assert not stale.exists()
    assert not leftovers(root)


def test_a_publish_build_while_serve_runs_leaves_no_mixed_site(
    corpus: Path, tmp_path: Path
) -> None:
    """`serve` (a builder that keeps its state and memory), then a publish build with
    another base URL in another process, then an edit that `serve` rebuilds: the
    builder must not trust what it kept, and a last plain build is a clean one."""
    root = make_root(tmp_path / "site", corpus)
    serve = Builder(root, keep=True)
    serve.build(BuildOptions(jobs=1))
    assert cli_build(root, "--base-url", "https://user.github.io/repo/").returncode == 0
    first = sorted((root / "content" / "cables").iterdir())[0]
    first.write_text(first.read_text().replace("SUBJECT: ", "SUBJECT: NEW ", 1))
    serve.build(BuildOptions(jobs=1))
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, symlinks=True, ignore=shutil.ignore_patterns("site", ".*"))
    assert cli_build(clean, "--clean").returncode == 0
    assert tree(root / "site") == tree(clean / "site")
    assert cli_build(root).returncode == 0
    assert tree(root / "site") == tree(clean / "site")


def test_an_edit_that_keeps_size_and_modification_time_is_seen(
    corpus: Path, tmp_path: Path
) -> None:
    """Its change time moved (nothing sets that back): the file is read again."""
    root = make_root(tmp_path / "site", corpus)
    paths = [root / "site.toml", *(root / "content").rglob("*")]
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in paths:
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    # Old enough to be trusted by their identity (see RACY_NS): a no-op is then "none".
    time.sleep((RACY_NS + 100_000_000) / 1e9)
    build_site(root, BuildOptions(jobs=1))
    assert build_site(root, BuildOptions(jobs=1)).kind == "none"
    edited = sorted((root / "content" / "cables").iterdir())[1]
    text = edited.read_text(encoding="utf-8")
    subject = text.index("SUBJECT: ") + len("SUBJECT: ")
    same_size = text[:subject] + "Q" + text[subject + 1 :]
    edited.write_text(same_size, encoding="utf-8")
    os.utime(edited, ns=(an_hour_ago, an_hour_ago))
    assert edited.stat().st_mtime_ns == an_hour_ago and len(same_size) == len(text)
    result = build_site(root, BuildOptions(jobs=1))
    assert result.kind != "none" and result.written > 0
