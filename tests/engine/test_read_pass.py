"""Pass 1's shortcuts give what the plain calls give."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from repo import DEV_CORPUS, FIXTURES

from generator.engine.discover import Source, parse_reader
from generator.engine.read_pass import (
    _READ_WHOLE,
    _content_hash,
    _with_source_path,
    read_normalised,
)
from generator.model import Cable, Paragraph, Problem
from generator.parse import read_cables

DEV = DEV_CORPUS


def cable_files() -> list[Path]:
    found = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    if DEV.is_dir():
        found += sorted(p for p in DEV.rglob("*") if p.is_file())[:150]
    return found


def test_with_source_path_is_replace() -> None:
    cable = Cable(id="09PARIS1", paragraphs=(Paragraph(1, "C", "text"),), source_path="/a/b")
    assert _with_source_path(cable, "x/y.txt") == dataclasses.replace(cable, source_path="x/y.txt")


@pytest.mark.parametrize("path", cable_files(), ids=lambda p: p.name)
def test_bytes_read_once_give_the_same_cables_and_problems(path: Path) -> None:
    source = Source(str(path), "content/" + path.name)
    content, data = _content_hash(source.location)
    assert content
    got: list[Problem] = []
    want: list[Problem] = []
    cables = list(read_normalised(source, got.append, parse_reader, data))
    assert cables == list(read_normalised(source, want.append, parse_reader))
    assert got == want
    plain: list[Problem] = []
    assert [c.id for c in read_cables(path, on_problem=plain.append, data=data)] == [
        c.id for c in cables
    ]


def test_unreadable_file_has_no_bytes(tmp_path: Path) -> None:
    assert _content_hash(str(tmp_path / "missing.txt")) == ("", None)


def test_content_hash_reads_small_files_whole_and_streams_large_ones(tmp_path: Path) -> None:
    small, large = tmp_path / "small.txt", tmp_path / "large.csv"
    small.write_bytes(b"UNCLAS ANKARA 8112\n" * 300)
    large.write_bytes(b"x" * (_READ_WHOLE + 1))
    for path, whole in ((small, True), (large, False)):
        content, data = _content_hash(str(path))
        assert content == hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        assert data == (path.read_bytes() if whole else None)
    assert _content_hash(str(tmp_path)) == ("", None)  # a folder cannot be read
