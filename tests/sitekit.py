"""Helpers for the site tests: small sites made of hand-built cables.

The site layer is tested with `Cable` objects built here rather than parsed
files, so these tests pin what the site does with a cable whatever the
parser makes of a file (the dev-corpus tests cover the two together).
"""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

from generator.engine.builder import BuildOptions, BuildResult, build_site
from generator.model import Cable, Paragraph, Problem, Reference

HOSTILE = '<script>alert("x")</script> & "quoted" \'single\' javascript:alert(1)'


def cable(cable_id: str, created: datetime | None, **fields: object) -> Cable:
    """A cable with sensible defaults for everything not given."""
    body = str(fields.pop("body", f"1. (C) The text of {cable_id}."))
    defaults: dict[str, object] = {
        "origin": "Embassy Ottawa",
        "station": "OTTAWA",
        "classification": "CONFIDENTIAL",
        "tags": ("PREL", "CA"),
        "subject": f"SUBJECT OF {cable_id}",
        "header": f"C O N F I D E N T I A L {cable_id}",
        "body": body,
        "paragraphs": (Paragraph(1, "C", body.split(") ", 1)[-1]),),
        "source_format": "test",
    }
    defaults.update(fields)
    return Cable(id=cable_id, created=created, **defaults)  # type: ignore[arg-type]


def ref(label: str, cable_id: str | None, text: str | None = None) -> Reference:
    return Reference(label=label, text=text or (cable_id or "an e-mail"), id=cable_id)


def make_site(root: Path, files: Mapping[str, Sequence[Cable]], config: str = "") -> Path:
    """A site folder whose content/cables holds one placeholder file per entry of `files`."""
    (root / "content" / "cables").mkdir(parents=True, exist_ok=True)
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(config or 'title = "Test archive"\n', encoding="utf-8")
    for name in files:
        path = root / "content" / "cables" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("placeholder\n", encoding="utf-8")
    return root


def reader_for(files: Mapping[str, Sequence[Cable]], root: Path):  # type: ignore[no-untyped-def]
    folder = root / "content" / "cables"

    def read(path: Path, on_problem) -> Iterator[Cable]:  # type: ignore[no-untyped-def]
        name = path.relative_to(folder).as_posix()
        cables = files[name]
        if not cables:
            on_problem(Problem(str(path), 3, "cannot read this file"))
        return iter(cables)

    return read


def build(root: Path, files: Mapping[str, Sequence[Cable]], **options: object) -> BuildResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_site(root, BuildOptions(**options), reader=reader_for(files, root))  # type: ignore[arg-type]


def read(root: Path, path: str) -> str:
    return (root / "site" / path).read_text(encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a built site and its bytes (a database's: what it holds, see below)."""
    return {
        p.relative_to(folder).as_posix(): database_content(p)
        if p.suffix == ".db"
        else p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def database_content(path: Path) -> bytes:
    """What the archive database holds, whatever order it was written in: every row of
    every table, sorted, and every entry of the full-text index (term, cable, column,
    position). An incremental build writes other pages of the file than a clean one;
    this is what must be the same."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                " AND name NOT LIKE 'search_%' ORDER BY name"
            )
        ]
        content: list[object] = []
        for table in tables:
            rows = db.execute(f"SELECT * FROM {table}").fetchall()
            if table == "meta":
                rows = [row for row in rows if row[0] != "pair"]  # (a random token per file)
            content.append((table, sorted(rows, key=repr)))
        db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search, instance)")
        content.append(("search", sorted(db.execute("SELECT * FROM temp.vocab"), key=repr)))
    return repr(content).encode()
