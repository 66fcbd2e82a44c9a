"""Cutting the inputs into small batches of work, streamed.

A container (the 1.7 GB `cables.csv`, a JSON Lines export) is read line by
line here, in the main process, and cut into records; parsing the records
is left to the workers.  Only a handful of batches exist at any time, so
memory does not grow with the input.  Each batch carries the number of
input bytes it covers, which drives the progress bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from generator.importing.inputs import InputFile
from generator.importing.jsonl_fields import remapped_lines
from generator.importing.prepare import FileItem, Item, RecordItem, Result, prepare_batch
from generator.model import Problem
from generator.parse.decode import decode_bytes
from generator.parse.formats.cables_csv import read_dump
from generator.parse.formats.guards import special_kind
from generator.parse.formats.jsonl import read_jsonl
from generator.parse.source import Source

BATCH_ITEMS = 32  # ~200 kB of cable text: big enough to amortise the trip to a worker
BATCH_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass
class Batch:
    items: list[Item] = field(default_factory=list)
    nbytes: int = 0


def prepare(batch: Batch) -> list[Result]:
    """The work a worker does on a batch (a module-level function, so it pickles)."""
    return prepare_batch(batch.items)


@dataclass
class ReadFailure:
    """A source that could not be read (to the end): the import fails."""

    problem: Problem


def batches(
    files: Iterable[InputFile],
    jsonl_fields: Mapping[str, str] | None,
    failures: list[ReadFailure],
) -> Iterator[Batch]:
    """Batches of items over all files; unreadable files are added to `failures`."""
    batch = Batch()
    for input_file in files:
        special = special_kind(input_file.path)
        if special:  # never opened: a FIFO would wait for a writer for ever
            problem = Problem(str(input_file.path), None, f"{special}, not a cable file; skipped")
            batch.items.append(problem)
        elif input_file.is_container:
            for item, nbytes in _container_items(input_file, jsonl_fields, failures):
                batch.items.append(item)
                batch.nbytes += nbytes
                if _full(batch):
                    yield batch
                    batch = Batch()
        else:
            batch.items.append(FileItem(input_file.path, input_file.label))
            batch.nbytes += input_file.size
        if _full(batch):
            yield batch
            batch = Batch()
    if batch.items or batch.nbytes:
        yield batch


def _full(batch: Batch) -> bool:
    return len(batch.items) >= BATCH_ITEMS or batch.nbytes >= BATCH_BYTES


class _CountingLines:
    """The decoded lines of a binary file, counting the bytes read so far."""

    def __init__(self, handle: Iterable[bytes]) -> None:
        self._handle = handle
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            # A byte order mark (Excel's "CSV UTF-8") would hide the first row's start.
            line = _decode_line(raw.removeprefix(_BOM) if self.bytes_read == 0 else raw)
            self.bytes_read += len(raw)
            yield line


def _container_items(
    input_file: InputFile,
    jsonl_fields: Mapping[str, str] | None,
    failures: list[ReadFailure],
) -> Iterator[tuple[Item, int]]:
    """(record or problem, bytes read since the previous one) for a dump or export."""
    path = input_file.path
    name = str(path)
    try:
        with path.open("rb") as handle:
            lines = _CountingLines(handle)
            counted = 0
            for record in _records(lines, path.suffix.lower(), name, jsonl_fields):
                item = (
                    record if isinstance(record, Problem) else RecordItem(record, input_file.label)
                )
                yield item, lines.bytes_read - counted
                counted = lines.bytes_read
    except OSError as err:
        failures.append(ReadFailure(Problem(name, None, f"cannot read: {err.strerror or err}")))


def _records(
    lines: Iterable[str], suffix: str, name: str, jsonl_fields: Mapping[str, str] | None
) -> Iterator[Source | Problem]:
    if suffix == ".csv":
        return read_dump(lines, name)
    if jsonl_fields:
        return read_jsonl(remapped_lines(lines, jsonl_fields), name)
    return read_jsonl(lines, name)


def _decode_line(raw: bytes) -> str:
    # As the parser does for containers: UTF-8, else cp1252 with latin-1 for its gaps.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(raw)[0]
