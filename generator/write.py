"""Writing the site: atomically, and only the bytes that changed.

A build writes into a staging folder next to the output (``.site.partial``)
and swaps it in only when every page rendered. An interrupted or failed
build therefore leaves the previous ``site/`` exactly as it was.

A file whose bytes are the same as in the previous build is not rewritten:
it is hard-linked from the old tree (copied where links are not possible),
so its modification time, and anything a deploy tool derives from it, stays
the same. Stale outputs disappear with the old tree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.errors import UserError
from generator.urls import is_safe_relative

# Kept from the old output into the new one: version-control placeholders.
_CARRIED_OVER = (".gitkeep",)


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

    def __enter__(self) -> StagedOutput:
        if self.dest.exists() and not self.dest.is_dir():
            raise UserError(str(self.dest), None, "output exists and is not a folder")
        for leftover in (self.stage, self.old):
            _remove(leftover)
        self.stage.mkdir(parents=True)
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        # Whatever went wrong, the previous site stays and the staging folder goes.
        _remove(self.stage)
        _remove(self.old)

    def write(self, path: str, data: bytes) -> bool:
        """Write one output file; False when it was unchanged since the last build."""
        if not is_safe_relative(path):
            raise ValueError(f"refusing to write outside the output folder: {path!r}")
        if path in self._paths:
            raise ValueError(f"two pages want the same file: {path}")
        self._paths.add(path)
        target = self.stage / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.reuse and _link_if_same(self.dest / path, target, data):
            self.unchanged += 1
            return False
        target.write_bytes(data)
        self.written += 1
        return True

    def commit(self) -> None:
        """Swap the finished tree in for the old one."""
        for name in _CARRIED_OVER:
            kept = self.dest / name
            if kept.is_file() and not (self.stage / name).exists():
                shutil.copy2(kept, self.stage / name)
        if self.dest.exists():
            os.rename(self.dest, self.old)
        os.rename(self.stage, self.dest)
        _remove(self.old)


def _link_if_same(old: Path, target: Path, data: bytes) -> bool:
    try:
        if old.is_symlink() or not old.is_file() or old.stat().st_size != len(data):
            return False
        if old.read_bytes() != data:
            return False
    except OSError:
        return False
    try:
        os.link(old, target)
    except OSError:
        shutil.copy2(old, target)
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


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
