"""The public parse API: text or files in, `Cable` objects out.

    read_cables(path) -> Iterator[Cable]   any supported file; a container yields many
    parse_cable(text, *, filename=None) -> Cable
    canonical_id(raw) -> str
    parse_references(text, year, cable_id=None) -> list[str]
    parse_tags(text) -> list[str]
    parse_subject(text) -> str
    parse_declassify_on(text) -> str | None
    parse_classified_by(text) -> list[str]
    parse_signers(text) -> list[str]
    parse_summary(text) -> str | None
    title_case(subject) -> str

Parsing is pure: nothing here touches the file system except `read_cables`,
which reads the one file it is given.  Nothing raises on bad input: a file
or row that holds no readable cable is reported through `on_problem` (by
default a `CableWarning`) and skipped.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from generator.errors import failure
from generator.model import Cable, Problem
from generator.parse.assemble import assemble
from generator.parse.decode import decode_bytes, looks_binary
from generator.parse.fields import (
    parse_classified_by,
    parse_declassify_on,
    parse_signers,
    parse_subject,
    parse_summary,
)
from generator.parse.formats.cables_csv import read_dump
from generator.parse.formats.frontmatter import split_front_matter
from generator.parse.formats.jsonl import read_jsonl
from generator.parse.formats.markdown import read_markdown
from generator.parse.formats.scoop import is_scoop, read_scoop
from generator.parse.formats.telegram import read_telegram
from generator.parse.formats.wikileaks_html import is_wikileaks_page, read_wikileaks_page
from generator.parse.ids import canonical_id
from generator.parse.references import parse_references
from generator.parse.source import Source, path_suffix
from generator.parse.tags import parse_tags
from generator.parse.text import normalise_newlines
from generator.parse.titles import title_case

__all__ = [
    "SUPPORTED_SUFFIXES",
    "CableWarning",
    "canonical_id",
    "parse_cable",
    "parse_classified_by",
    "parse_declassify_on",
    "parse_references",
    "parse_signers",
    "parse_subject",
    "parse_summary",
    "parse_tags",
    "read_cables",
    "title_case",
]

SUPPORTED_SUFFIXES = frozenset(
    {".txt", ".text", ".cable", ".html", ".htm", ".csv", ".jsonl", ".md", ".markdown"}
)
_CONTAINERS = frozenset({".csv", ".jsonl"})


class CableWarning(UserWarning):
    """A cable file or record that could not be read, or was read with doubts."""


ProblemHandler = Callable[[Problem], None]


def _warn(problem: Problem) -> None:
    warnings.warn(str(problem), CableWarning, stacklevel=3)


def parse_cable(text: str, *, filename: str | None = None) -> Cable:
    """The cable in a text, whatever its format (told by content and file name)."""
    return assemble(_source_of(str(text or ""), filename))


def read_cables(
    path: str | Path, *, on_problem: ProblemHandler | None = None, data: bytes | None = None
) -> Iterator[Cable]:
    """Every cable in a file: one for a cable file, many for a dump or an export.

    `data` is the file's bytes when the caller has read them already (the
    build hashes each file before parsing it); a dump or an export is read
    from the file all the same.
    """
    report = on_problem or _warn
    if not isinstance(path, Path):
        path = Path(path)
    name = str(path)
    suffix = path_suffix(name).lower()
    if suffix in _CONTAINERS:
        yield from _read_container(path, suffix, report)
        return
    try:
        if data is None:
            data = _read_file(name)
    except OSError as err:
        report(Problem(name, None, f"cannot read: {err.strerror or err}"))
        return
    text = _decoded(data, name, report)
    if text is None:
        return
    cable = _parse_file_text(text, name, report)
    if cable is not None:
        yield cable


# Below malloc's mmap threshold: a larger buffer is mapped and unmapped on every read.
_CHUNK = 1 << 16


def _read_file(name: str) -> bytes:
    """The bytes of a file: `Path.read_bytes` without its buffered file object."""
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return read_open_file(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def read_open_file(fd: int, size: int) -> bytes:
    """The rest of an open file of `size` bytes (as fstat saw it).

    The first read asks for that size and one byte more, to see the end;
    reading on until nothing comes keeps a growing file whole.
    """
    chunks = [os.read(fd, size + 1)]
    while chunk := os.read(fd, _CHUNK):
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _decoded(data: bytes, name: str, report: ProblemHandler) -> str | None:
    if not data.strip():
        report(Problem(name, None, "empty file"))
        return None
    if looks_binary(data):
        report(Problem(name, None, "binary file, not a cable"))
        return None
    text, warning = decode_bytes(data)
    if warning:
        report(Problem(name, int(warning.split(":")[0].split()[1]), warning.split(": ", 1)[1]))
    return text


def _parse_file_text(text: str, name: str, report: ProblemHandler) -> Cable | None:
    source = _source_of(text, name, report)
    if source is None:
        return None
    cable = assemble(source)
    if not cable.id:
        reason = next((w for w in cable.warnings if w.startswith("cannot make")), "no cable id")
        if not _looks_like_cable(source.body):
            reason = "not a cable (no classification banner, SUBJECT, TAGS or id)"
        report(Problem(name, _banner_line(text), f"skipped: {reason}"))
        return None
    return cable


def _looks_like_cable(body: str) -> bool:
    head = body[:5000].upper()
    return any(
        word in head for word in ("SUBJECT", "TAGS", "E.O.", "UNCLAS", "CONFIDENTIAL", "SECRET")
    )


def _banner_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n")[:60], 1):
        if line.strip():
            return number
    return None


def _source_of(
    text: str, filename: str | None, report: ProblemHandler | None = None
) -> Source | None:
    """Detect the format (file name first, then content) and read the text."""
    suffix = path_suffix(filename).lower() if filename else ""
    if suffix in {".html", ".htm"} or (not suffix and is_wikileaks_page(text)):
        source = read_wikileaks_page(text, filename)
        if source is None:
            if report:
                report(
                    Problem(
                        filename or "<text>", None, "not a WikiLeaks cable page (no cable table)"
                    )
                )
                return None
            return Source(body="", source_path=filename, warnings=["not a WikiLeaks cable page"])
        source.body = normalise_newlines(source.body)
        source.header = normalise_newlines(source.header)
        return source
    if suffix in _CONTAINERS:
        first = next(
            iter(_container_sources(text.splitlines(keepends=True), suffix, filename or "")), None
        )
        return first if isinstance(first, Source) else Source(body="", source_path=filename)
    text = normalise_newlines(text)
    front = split_front_matter(text)
    if report:
        for line, message in [front.error] if front.error else front.problems:
            report(Problem(filename or "<text>", line, message))
    header, body = _split_stated_header(front.body, front.meta.get("header_lines"))
    if suffix in {".md", ".markdown"}:
        source = read_markdown(body, filename)
    elif is_scoop(body):
        source = read_scoop(body, filename)
    else:
        source = read_telegram(body, filename)
    source.header = header or source.header
    source.meta.update({k: v for k, v in front.meta.items() if v not in (None, "")})
    if not report:
        for line, message in [front.error] if front.error else front.problems:
            source.warnings.append(f"line {line}: {message}")
    return source


def _split_stated_header(text: str, header_lines: object) -> tuple[str, str]:
    """Front matter's `header_lines: N` says the first N lines are the routing header.

    The importer writes it, so a cable whose header the text alone would not
    reveal (odd DTGs, a header kept by an export) reads back exactly.
    """
    if not isinstance(header_lines, int) or isinstance(header_lines, bool) or header_lines <= 0:
        return "", text
    lines = text.split("\n")
    header, rest = lines[:header_lines], lines[header_lines:]
    if rest and not rest[0].strip():
        rest = rest[1:]
    return "\n".join(header), "\n".join(rest)


def _container_sources(lines: Iterable[str], suffix: str, name: str) -> Iterator[Source | Problem]:
    if suffix == ".csv":
        return read_dump(lines, name)
    return read_jsonl(lines, name)


def _read_container(path: Path, suffix: str, report: ProblemHandler) -> Iterator[Cable]:
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        report(Problem(name, None, f"cannot read: {err.strerror or err}"))
        return
    with handle:
        lines = _without_bom(_decode_line(raw) for raw in handle)
        for item in _container_sources(lines, suffix, name):
            if isinstance(item, Problem):
                report(item)
                continue
            try:
                item.body = normalise_newlines(item.body)
                item.header = normalise_newlines(item.header)
                cable = assemble(item)
            except Exception as err:  # one bad record must not lose the rest
                report(Problem(name, _line_of(item), f"record skipped: {failure(err)}"))
                continue
            if not cable.id:
                report(
                    Problem(name, _line_of(item), "skipped: no cable id in the record or its text")
                )
                continue
            yield cable


def _without_bom(lines: Iterator[str]) -> Iterator[str]:
    """A byte-order mark before the first row is not part of it."""
    first = next(lines, None)
    if first is None:
        return
    yield first.removeprefix("\ufeff")
    yield from lines


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(raw)[0]


def _line_of(source: Source) -> int | None:
    tail = (source.source_path or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None
