"""Writing the site: atomically, and only the bytes that changed.

Two writers, one per kind of build; render workers write through either
with :meth:`put`, the build process commits.

:class:`StagedOutput` (a full build): every file is written into a staging
folder next to the output (``.site.partial``), which is swapped in only
when every page rendered. The swap is one system call where the system
has one (``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np(RENAME_SWAP)``
on macOS): ``site/`` is at every instant the old tree or the new one, and
the old tree, now at the staging folder's name, is deleted after. Elsewhere
the old tree is renamed aside (``.site.old``) and the new one into place;
a kill between the two renames leaves no ``site/`` for a moment, and
:func:`recover_output`, the first step of every build, puts the old one
back. A file whose bytes are the same as in the previous build is
hard-linked from the old tree (copied where links are not possible), so
its modification time, and anything a deploy tool derives from it, stays
the same. Stale outputs disappear with the old tree.

:class:`ChangedOutput` (an incremental build): only the pages whose inputs
changed are rendered, and linking 250,000 unchanged files into a new tree
would cost more than rendering them. So the changed files alone are staged;
once every one of them rendered, a manifest naming the files to move in and
the files to delete is written into the staging folder, then each file is
moved over its old version with ``os.replace`` (atomic per file) and the
pages that no longer exist are deleted. A failure while rendering applies
nothing. A kill while applying leaves every file whole (its old or its
new version), and the manifest: :func:`recover_output` finishes the
moves and the deletions (rolls forward) before the next build does
anything, so what a kill leaves is, once recovered, exactly the new site.
"""

from __future__ import annotations

import marshal
import os
import shutil
import stat
import sys
from pathlib import Path

from generator.errors import UserError
from generator.files import file_operation, write_atomically
from generator.parse import read_open_file
from generator.urls import is_safe_relative

# In an incremental build's staging folder, once every changed file is staged:
# what to move in and what to delete (see ChangedOutput and recover_output).
MANIFEST = ".cablesite-apply.marshal"

# Kept from the old output into the new one: version-control placeholders.
_CARRIED_OVER = (".gitkeep",)


class NoOutput:
    """Where a render job writes before the step opens its output: nowhere."""

    def put(self, path: str, data: bytes) -> bool:
        raise RuntimeError("no output is open")


class StagedOutput:
    """The output folder of one build; use as a context manager, then `commit`."""

    def __init__(self, dest: Path, *, reuse: bool = True) -> None:
        self.dest = dest.absolute()
        self.stage = self.dest.with_name(f".{self.dest.name}.partial")
        self.old = self.dest.with_name(f".{self.dest.name}.old")
        self.reuse = reuse and self.dest.is_dir()
        self.written = 0
        self.unchanged = 0
        self._paths: set[str] = set()
        self._made: set[str] = set()

    def __enter__(self) -> StagedOutput:
        if self.dest.exists() and not self.dest.is_dir():
            raise UserError(str(self.dest), None, "output exists and is not a folder")
        recover_output(self.dest)
        self.stage.mkdir(parents=True)
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        # Whatever went wrong, the previous site stays and the staging folder goes.
        # (After a commit the staging folder's name holds the old tree.)
        _remove(self.stage)
        _remove(self.old)

    def write(self, path: str, data: bytes) -> bool:
        """Write one output file; False when it was unchanged since the last build."""
        if path in self._paths:
            raise ValueError(f"two pages want the same file: {path}")
        self._paths.add(path)
        if self.put(path, data):
            self.written += 1
            return True
        self.unchanged += 1
        return False

    def put(self, path: str, data: bytes) -> bool:
        """Stage one file (from any process); False when it was kept from the old tree."""
        _check_safe(path)
        target = f"{self.stage}/{path}"
        _make_parent(target, self._made)
        if self.reuse and _link_if_same(f"{self.dest}/{path}", target, data):
            return False
        _write_new(target, data)
        return True

    def put_file(self, path: str, source: Path, *, unchanged: bool) -> bool:
        """Stage a copy of `source` (the database); linked from the old tree when
        `unchanged` says the old tree's file has its bytes. True when copied."""
        _check_safe(path)
        target = self.stage / path
        _make_parent(str(target), self._made)
        old = self.dest / path
        if self.reuse and unchanged and old.is_file() and not old.is_symlink():
            os.link(old, target)
            return False
        _link_or_copy(source, target)
        return True

    def commit(self) -> None:
        """Swap the finished tree in for the old one."""
        for name in _CARRIED_OVER:
            kept = self.dest / name
            if kept.is_file() and not (self.stage / name).exists():
                shutil.copy2(kept, self.stage / name)
        if not self.dest.exists():
            file_operation("rename", self.stage)
            os.rename(self.stage, self.dest)
        elif not _exchange(self.stage, self.dest):
            # No atomic swap here: for a moment there is no site/, and a kill
            # then is undone by recover_output (which renames .site.old back).
            file_operation("rename", self.dest)
            os.rename(self.dest, self.old)
            file_operation("rename", self.stage)
            os.rename(self.stage, self.dest)
        # The old tree, under the staging folder's name (or .site.old).
        _remove(self.stage)
        _remove(self.old)


class ChangedOutput:
    """The changed files of an incremental build; use as a context manager, then `commit`."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest.absolute()
        self.stage = self.dest.with_name(f".{self.dest.name}.partial")
        self._made: set[str] = set()

    def __enter__(self) -> ChangedOutput:
        recover_output(self.dest)
        self.stage.mkdir(parents=True)
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None and (self.stage / MANIFEST).is_file():
            return  # stopped while applying: the next build's recover_output finishes it
        _remove(self.stage)

    def put(self, path: str, data: bytes) -> bool:
        """Stage a file unless the output already holds these bytes; True when staged."""
        _check_safe(path)
        if _same_bytes(f"{self.dest}/{path}", data):
            return False
        target = f"{self.stage}/{path}"
        _make_parent(target, self._made)
        _write_new(target, data)
        return True

    def put_file(self, path: str, source: Path) -> bool:
        """Stage a copy of `source` (the database), moved in by `commit` like a page."""
        _check_safe(path)
        target = self.stage / path
        _make_parent(str(target), self._made)
        _link_or_copy(source, target)
        return True

    def commit(self, staged: list[str], removed: list[str]) -> None:
        """Move the staged files into the output, then delete the removed ones.

        The manifest goes first: from then on, a kill is finished by the next
        build's :func:`recover_output`.
        """
        for path in removed:
            _check_safe(path)
        write_atomically(self.stage / MANIFEST, marshal.dumps((list(staged), list(removed))))
        _apply(self.stage, self.dest, staged, removed, self._made)


def _apply(stage: Path, dest: Path, staged: list[str], removed: list[str], made: set[str]) -> None:
    """Move each staged file still in `stage` over its old version; delete `removed`.

    Done again after a kill, it does only what was left: a file moved is
    no longer in the stage, a file deleted is no longer there.
    """
    for path in staged:
        source = stage / path
        if not os.path.lexists(source):
            continue  # moved in before a kill
        target = dest / path
        _make_parent(str(target), made)
        if target.is_dir() and not target.is_symlink():
            file_operation("rmtree", target)
            shutil.rmtree(target)
        file_operation("replace", target)
        os.replace(source, target)
    for path in removed:
        target = dest / path
        if target.is_symlink() or target.is_file():
            file_operation("unlink", target)
            target.unlink()
        _prune_empty(target.parent, dest)


def recover_output(dest: Path) -> str:
    """Finish or undo what a killed build left of its swap; what was done, in words.

    The first step of every build (under the build lock). An incremental
    build's staging folder with its manifest was being applied: the rest
    of it is applied (rolled forward). A staging folder without one was
    still being rendered, or holds the old tree of a finished swap: it is
    deleted. Where the swap takes two renames, an output missing beside a
    ``.site.old`` was between them: the old tree is put back.
    """
    dest = dest.absolute()
    stage = dest.with_name(f".{dest.name}.partial")
    old = dest.with_name(f".{dest.name}.old")
    done = ""
    if not os.path.lexists(dest) and old.is_dir():
        file_operation("rename", old)
        os.rename(old, dest)
        done = "the previous site put back"
    manifest = stage / MANIFEST
    if dest.is_dir() and manifest.is_file():
        try:
            staged, removed = marshal.loads(manifest.read_bytes())
            paths = [str(p) for p in [*staged, *removed]]
        except Exception:
            paths = None  # damaged: written before the first move, so nothing was applied
        if paths is not None and all(is_safe_relative(p) for p in paths):
            _apply(stage, dest, [str(p) for p in staged], [str(p) for p in removed], set())
            done = "an interrupted build's changes applied"
    _remove(stage)
    _remove(old)
    return done


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _write_new(path: str, data: bytes) -> None:
    """Write a file in the staging folder (a safe, site-relative path under it).

    Straight to the file descriptor, with the path as a string: a full build
    writes 280,000 files, and `Path.write_bytes` (a Path made per file, a
    buffered file object) cost three times as much CPU per file.
    """
    fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _prune_empty(folder: Path, top: Path) -> None:
    """Remove `folder` and its parents while they are empty, up to (not including) `top`."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _check_safe(path: str) -> None:
    if not is_safe_relative(path):
        raise ValueError(f"refusing to write outside the output folder: {path!r}")


def _make_parent(target: str, made: set[str]) -> None:
    """Make the folder of the file at `target`; `made` remembers the folders made (or
    found) already.

    A full build writes 250,000 files into a few thousand folders: without
    the memory that would be a `mkdir` call per file. Paths are strings
    here, as in `_write_new`: a `Path` per file cost more than the write.
    """
    parent = target.rpartition("/")[0]
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)


# Opening the old file is the check that it is a regular file of our own: not
# through a symbolic link (O_NOFOLLOW), and never waiting on a FIFO (O_NONBLOCK;
# fstat then says it is not a regular file).
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NO_FOLLOW
_READ_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _same_bytes(old: str, data: bytes) -> bool:
    """Whether the regular file at `old` (not a symbolic link) holds exactly `data`.

    One open, one fstat and one read: a full build over an existing site
    asks this of every one of its 280,000 files, and the `Path` calls it
    replaced (lstat, stat, stat again, open) cost a tenth of the render.
    """
    if not _NO_FOLLOW and os.path.islink(old):
        return False
    try:
        fd = os.open(old, _READ_FLAGS)
    except OSError:  # absent, a symbolic link (ELOOP), unreadable
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        return read_open_file(fd, info.st_size) == data
    except OSError:
        return False
    finally:
        os.close(fd)


def _link_if_same(old: str, target: str, data: bytes) -> bool:
    if not _same_bytes(old, data):
        return False
    try:
        os.link(old, target)
    except OSError:
        shutil.copy2(old, target)
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to `source` (a file its owner never writes while the output holds
    it: the database's slot, generator/engine/database_pass.py), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        file_operation("unlink", path)
        path.unlink()
    elif path.is_dir():
        file_operation("rmtree", path)
        shutil.rmtree(path)


# --- the atomic swap of two folders ---------------------------------------------------

_exchange_call: object = None  # the system call, once looked up (False: there is none)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one system call; False where the system has none (or the
    file system refuses it), and nothing was done."""
    call = _swap_call()
    if call is None:
        return False
    file_operation("exchange", b)
    return call(os.fsencode(a), os.fsencode(b))


def _swap_call():  # type: ignore[no-untyped-def]
    """``renameat2(RENAME_EXCHANGE)`` (Linux, glibc 2.28+) or ``renamex_np(RENAME_SWAP)``
    (macOS) through ctypes, as a function of two paths that says whether it swapped."""
    global _exchange_call
    if _exchange_call is None:
        _exchange_call = _find_swap_call() or False
    return _exchange_call or None


def _find_swap_call():  # type: ignore[no-untyped-def]
    import ctypes  # only full builds swap: not imported by the others

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        renameat2.argtypes.append(ctypes.c_uint)
        at_fdcwd, rename_exchange = -100, 2
        return lambda a, b: renameat2(at_fdcwd, a, at_fdcwd, b, rename_exchange) == 0
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        renamex_np = libc.renamex_np
        renamex_np.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        rename_swap = 2
        return lambda a, b: renamex_np(a, b, rename_swap) == 0
    return None


def check_output_folder(dest: Path, root: Path) -> None:
    """Refuse outputs that a build would wipe together with the user's files.

    The swap replaces the whole output folder, so it must never be the site
    folder itself, one of its parents, or a folder holding the content.
    """
    out = dest.resolve()
    site = root.resolve()
    content = (root / "content").resolve()
    if out in (site, content) or out in site.parents or out in content.parents:
        raise UserError(str(dest), None, "output folder would contain the site's own files")
    if _inside(out, content):
        raise UserError(str(dest), None, "output folder must not be inside content/")
    if (out / "site.toml").exists() or (out / "content").exists():
        raise UserError(str(dest), None, "output folder holds a site (site.toml or content/)")


def _inside(child: Path, parent: Path) -> bool:
    return parent == child or parent in child.parents
