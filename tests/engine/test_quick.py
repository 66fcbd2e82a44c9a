"""Quick rebuilds follow the entry's field roles: a structural change takes the full pass.

Each cable field that makes an entry field is changed in turn in a site
that a ``serve``-like builder keeps in memory; a change to a field whose
role is ``STRUCTURE`` must take the full pass, any other must be quick, and
the output must be a clean build's either way.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sitekit import build, cable, make_site, reader_for, ref, tree

from generator.archive.entry import FIELD_ROLES, Role
from generator.engine.builder import Builder

FILES = {
    "a.txt": [cable("03OTTAWA49", datetime(2003, 1, 7), references=(ref("A", "02OTTAWA3442"),))],
    "b.txt": [cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("MARR",))],
    "c.txt": [cable("03OTTAWA311", datetime(2003, 2, 3), references=(ref("A", "03OTTAWA49"),))],
}
# A change to the cable in b.txt, and the entry field it changes.
CHANGES = {
    "id": ("id", {"id": "02OTTAWA3443"}),
    "created": ("created", {"created": datetime(2002, 11, 2)}),
    "origin": ("origin", {"origin": "Consulate Toronto"}),
    "classification": ("classification", {"classification": "SECRET"}),
    "tags": ("tags", {"tags": ("PREL",)}),
    "references": ("references", {"references": (ref("A", "03OTTAWA311"),)}),
    "raw_id": ("raw_id", {"raw_id": "2OTTAWA3442"}),
    "subject": ("title", {"subject": "A NEW SUBJECT"}),
    "released": ("released", {"released": date(2011, 8, 30)}),
    "partial": ("partial", {"partial": True}),
    "body": ("cable_digest", {"body": "1. (C) Other words."}),
}


def test_every_role_of_a_field_a_cable_gives_is_tried() -> None:
    tried = {field for field, _ in CHANGES.values()}
    given = {name for name, role in FIELD_ROLES.items() if role is not Role.PLACE}
    assert given - tried <= {"origin_slug", "classification_slug", "text_digest"}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_is_quick_unless_it_moves_the_cable(change: str, tmp_path: Path) -> None:
    field, values = CHANGES[change]
    files = {name: list(cables) for name, cables in FILES.items()}
    root = make_site(tmp_path / "site", files)
    builder = Builder(root, reader=reader_for(files, root), keep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder.build()
        files["b.txt"] = [replace(files["b.txt"][0], **values)]
        (root / "content" / "cables" / "b.txt").write_text("edited\n", encoding="utf-8")
        result = builder.build(hint=frozenset({root / "content" / "cables" / "b.txt"}))
    structural = FIELD_ROLES[field] is Role.STRUCTURE
    assert (result.kind != "quick") == structural, (field, result.kind)
    clean = tmp_path / "clean"
    make_site(clean, files)
    build(clean, files, clean=True)
    assert tree(root / "site") == tree(clean / "site")
    shutil.rmtree(clean)


def _serve_builder(root: Path, files: dict[str, list]) -> Builder:  # type: ignore[type-arg]
    builder = Builder(root, reader=reader_for(files, root), keep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder.build()
    return builder


def _rebuild(builder: Builder, *paths: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return builder.build(hint=frozenset(paths)).kind


def test_a_save_through_a_temporary_file_is_quick(tmp_path: Path) -> None:
    # sed -i, and editors that save atomically, write the new text to a file beside the
    # cable and rename it over the cable: the watcher reports both paths, the first gone.
    files = {name: list(cables) for name, cables in FILES.items()}
    root = make_site(tmp_path / "site", files)
    builder = _serve_builder(root, files)
    folder = root / "content" / "cables"
    files["b.txt"] = [replace(files["b.txt"][0], subject="SAVED THROUGH A TEMPORARY FILE")]
    for temporary in ("sedX1b2Q3", "b.txt___jb_tmp___", "tmp4kd9.txt", "deep/sedY"):
        (folder / temporary).parent.mkdir(exist_ok=True)
        (folder / temporary).write_text("edited\n", encoding="utf-8")
        os.replace(folder / temporary, folder / "b.txt")
        assert _rebuild(builder, folder / temporary, folder / "b.txt") == "quick", temporary
        if temporary.startswith("deep/"):
            (folder / "deep").rmdir()  # (a folder made for the temporary file, and removed)
    clean = tmp_path / "clean"
    make_site(clean, files)
    build(clean, files, clean=True)
    assert tree(root / "site") == tree(clean / "site")


@pytest.mark.parametrize("change", ["a new file", "a known file deleted", "a folder moved away"])
def test_an_unknown_path_takes_the_full_pass_unless_it_came_and_went(
    change: str, tmp_path: Path
) -> None:
    files = {name: list(cables) for name, cables in FILES.items()}
    files["old/d.txt"] = [cable("03OTTAWA500", datetime(2003, 3, 1))]
    root = make_site(tmp_path / "site", files)
    (root / "content" / "cables" / "notes").write_text("not a cable\n", encoding="utf-8")
    builder = _serve_builder(root, files)
    folder = root / "content" / "cables"
    if change == "a new file":
        files["e.txt"] = [cable("03OTTAWA501", datetime(2003, 3, 2))]
        (folder / "e.txt").write_text("new\n", encoding="utf-8")
        path = folder / "e.txt"
    elif change == "a known file deleted":
        (folder / "notes").unlink()  # (a file the build lists as not read, not a cable)
        path = folder / "notes"
    else:
        del files["old/d.txt"]
        shutil.move(folder / "old", tmp_path / "elsewhere")
        path = folder / "old"
    assert _rebuild(builder, path) != "quick"
    clean = tmp_path / "clean"
    make_site(clean, files)
    if change == "a new file" or change == "a folder moved away":
        (clean / "content" / "cables" / "notes").write_text("not a cable\n", encoding="utf-8")
    build(clean, files, clean=True)
    assert tree(root / "site") == tree(clean / "site")
