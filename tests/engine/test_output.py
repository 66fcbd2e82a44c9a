"""The output writers' checks on what they are given and what they find."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.engine.output import ChangedOutput, StagedOutput
from generator.urls import is_safe_relative


def _path_form(path: str) -> bool:
    """What is_safe_relative said when it was written with PurePosixPath."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


@given(st.lists(st.sampled_from(["", ".", "..", "...", "a", "b.html", "..a", "\\", " "])))
def test_is_safe_relative_says_what_the_path_form_said(parts: list[str]) -> None:
    for path in ("/".join(parts), "/" + "/".join(parts), "//".join(parts)):
        assert is_safe_relative(path) == _path_form(path), path


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "a\\..\\x", "", "a/.."])
def test_a_path_out_of_the_output_is_refused(tmp_path: Path, path: str) -> None:
    with StagedOutput(tmp_path / "site") as staged, pytest.raises(ValueError):
        staged.put(path, b"x")


def _old_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "cable").mkdir(parents=True)
    (site / "cable" / "same.html").write_bytes(b"same")
    (site / "cable" / "grew.html").write_bytes(b"same and more")
    (tmp_path / "outside.html").write_bytes(b"same")
    (site / "cable" / "link.html").symlink_to(tmp_path / "outside.html")
    os.mkfifo(site / "cable" / "fifo.html")
    (site / "cable" / "dir.html").mkdir()
    return site


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_new_tree_links_only_regular_files_with_the_same_bytes(tmp_path: Path) -> None:
    site = _old_site(tmp_path)
    old = os.stat(site / "cable" / "same.html").st_ino
    with StagedOutput(site) as staged:
        kept = {
            name: not staged.put(f"cable/{name}", b"same")
            for name in ("same.html", "grew.html", "link.html", "fifo.html", "dir.html")
        }
        staged.commit()
    # Only the regular file with these bytes is linked; a symbolic link is never
    # followed, a FIFO never waited on (the build would hang), a folder never read.
    assert kept == {
        "same.html": True,
        "grew.html": False,
        "link.html": False,
        "fifo.html": False,
        "dir.html": False,
    }
    assert os.stat(site / "cable" / "same.html").st_ino == old
    for name in kept:
        path = site / "cable" / name
        assert not path.is_symlink() and path.read_bytes() == b"same"
    assert (tmp_path / "outside.html").read_bytes() == b"same"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_an_incremental_build_stages_what_is_not_the_same_regular_file(tmp_path: Path) -> None:
    site = _old_site(tmp_path)
    with ChangedOutput(site) as changes:
        staged = [
            name
            for name in ("same.html", "grew.html", "link.html", "fifo.html", "new.html")
            if changes.put(f"cable/{name}", b"same")
        ]
        changes.commit([f"cable/{name}" for name in staged], [])
    assert staged == ["grew.html", "link.html", "fifo.html", "new.html"]
    for name in staged:
        path = site / "cable" / name
        assert not path.is_symlink() and path.read_bytes() == b"same"
    assert (tmp_path / "outside.html").read_bytes() == b"same"
