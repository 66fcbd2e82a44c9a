"""The CPU-heavy half of an import: source items in, laid-out cable files out.

Runs in worker processes, so everything here is a plain function of
picklable values with no file-system effects except reading the one input
file a `FileItem` names.  The main process decides what to do with each
result (write, leave, skip) in input order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

from generator.importing.layout import Layout, UnsafeId, has_surrogates, layout, without_surrogates
from generator.model import Cable, Problem
from generator.parse import read_cables
from generator.parse.assemble import assemble
from generator.parse.source import Source
from generator.parse.text import normalise_newlines


class FileItem(NamedTuple):
    """A cable file to read whole; `label` names it in the front matter's `source`."""

    path: Path
    label: str


class RecordItem(NamedTuple):
    """A record already cut from a container (a dump row, a JSON line)."""

    source: Source
    label: str


# A problem met while cutting records is passed through, so the report keeps
# input order.
Item = FileItem | RecordItem | Problem

# Warnings that change what the user gets, worth a line in the report; the
# many others ("no classification banner found") belong to `cablesite check`.
_NOTEWORTHY = ("is not a cable id", "the source says id", "created inferred")


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """One cable, read and laid out, with where it came from."""

    layout: Layout
    path: str
    line: int | None
    notes: tuple[Problem, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


Result = Prepared | Problem


def prepare_batch(items: list[Item]) -> list[Result]:
    """Each item's results, in order (a file may hold no cable, or several)."""
    results: list[Result] = []
    for item in items:
        if isinstance(item, Problem):
            results.append(item)
        elif isinstance(item, FileItem):
            results.extend(_prepare_file(item.path, item.label))
        else:
            results.append(_prepare_record(item.source, item.label))
    return results


def _prepare_file(path: Path, label: str) -> list[Result]:
    problems: list[Problem] = []
    results: list[Result] = []
    try:
        for cable in read_cables(path, on_problem=problems.append):
            results.append(_laid_out(cable, str(path), None, label))
    except Exception as err:  # one bad file must not end a 250k-cable import
        results.append(_internal_error(str(path), None, err))
    first = next((r for r in results if isinstance(r, Prepared)), None)
    if first is None:
        return [*problems, *results]
    # The file was read after all (say, as Windows-1252): its problems are notes.
    results[results.index(first)] = dataclasses.replace(first, notes=(*problems, *first.notes))
    return results


def _prepare_record(source: Source, label: str) -> Result:
    """A dump row or JSON record: the same steps as `read_cables` takes for a container."""
    path, line = split_location(source.source_path or "")
    try:
        source.body = normalise_newlines(source.body)
        source.header = normalise_newlines(source.header)
        cable = assemble(source)
        if not cable.id:
            return Problem(path, line, "skipped: no cable id in the record or its text")
        return _laid_out(cable, path, line, f"{label}:{line}" if line else label)
    except Exception as err:  # one bad row must not end a 250k-cable import
        return _internal_error(path, line, err)


def _laid_out(cable: Cable, path: str, line: int | None, label: str) -> Result:
    notes = [Problem(path, line, w) for w in cable.warnings if any(n in w for n in _NOTEWORTHY)]
    if has_surrogates(cable) or has_surrogates_in(label):
        cable = _without_surrogates(cable)
        label = without_surrogates(label)
        notes.append(
            "text held unpaired UTF-16 surrogates (a broken \\u escape); written as U+FFFD"
        )
    try:
        laid_out = layout(cable, label)
    except UnsafeId as err:
        return Problem(path, line, f"skipped: {err}")
    return Prepared(laid_out, path, line, tuple(notes))


def has_surrogates_in(text: str) -> bool:
    return without_surrogates(text) != text


def _without_surrogates(cable: Cable) -> Cable:
    changes: dict[str, object] = {}
    for field in dataclasses.fields(cable):
        value = getattr(cable, field.name)
        if isinstance(value, str):
            changes[field.name] = without_surrogates(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            changes[field.name] = tuple(without_surrogates(v) for v in value)
    return dataclasses.replace(cable, **changes)


def _internal_error(path: str, line: int | None, err: Exception) -> Problem:
    return Problem(
        path,
        line,
        f"skipped: internal error while reading ({type(err).__name__}: {err}); please report it",
    )


def split_location(where: str) -> tuple[str, int | None]:
    """("cables.csv", 12) from "cables.csv:12"; (where, None) when it names no line."""
    path, _, tail = where.rpartition(":")
    if path and tail.isdigit():
        return path, int(tail)
    return where, None
