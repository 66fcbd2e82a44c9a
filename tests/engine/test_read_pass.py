"""Pass 1's shortcuts give what the plain calls give."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from repo import DEV_CORPUS, FIXTURES

from generator.engine import read_pass
from generator.engine.discover import Inputs, Source, parse_reader
from generator.engine.full_pass import SourceArchive, assemble_sources
from generator.engine.read_pass import (
    _READ_WHOLE,
    _content_hash,
    _with_source_path,
    read_normalised,
    read_sources,
)
from generator.model import Cable, Paragraph, Problem
from generator.parse import SUPPORTED_SUFFIXES, read_cables

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


def _inputs(count: int) -> Inputs:
    files = [p for p in cable_files() if p.suffix in SUPPORTED_SUFFIXES][:count]
    return Inputs(
        tuple(Source(str(p), f"content/{i:03}-{p.name}") for i, p in enumerate(files)), ()
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_source_is_told_in_source_order_while_the_read_goes_on(
    jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_pass, "CHUNK", 4)
    inputs = _inputs(40)
    assert len(inputs.sources) >= 20
    first = read_sources(inputs, {}, {}, jobs=jobs)
    # The second read keeps every third source as the first left it, parses the rest.
    kept = {s.display for s in inputs.sources[::3]}
    previous = {name: state for name, state in first.sources.items() if name in kept}
    known = {name: first.identities[name] for name in kept}
    events: list[tuple[str, object]] = []
    second = read_sources(
        inputs,
        previous,
        known,
        jobs=jobs,
        advance=lambda n: events.append(("advance", n)),
        each=lambda name, state: events.append(("each", (name, state))),
    )
    told = [what for kind, what in events if kind == "each"]
    assert told == list(second.sources.items())
    assert [name for name, _ in told] == [s.display for s in inputs.sources]
    assert second.parsed == len(inputs.sources) - len(kept)
    # Told as the chunks come back, not all at the end.
    last_advance = max(i for i, (kind, _) in enumerate(events) if kind == "advance")
    assert any(kind == "each" for kind, _ in events[:last_advance])


def test_the_archive_made_while_reading_is_the_one_made_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(read_pass, "CHUNK", 4)
    inputs = _inputs(40)
    sources = SourceArchive(inputs)
    read = read_sources(inputs, {}, {}, jobs=2, each=sources.add)
    made = sources.assembled()
    after = assemble_sources(inputs, read.sources)
    assert made.archive == after.archive
    assert (made.problems, made.spans, made.counts) == (after.problems, after.spans, after.counts)
