"""Quick rebuilds follow the entry's field roles: a structural change takes the full pass.

Each cable field that makes an entry field is changed in turn in a site
that a ``serve``-like builder keeps in memory; a change to a field whose
role is ``STRUCTURE`` must take the full pass, any other must be quick, and
the output must be a clean build's either way.
"""

from __future__ import annotations

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
