"""The cables.csv dump: one cable per row, streamed.

No header row; eight quoted columns: row number, date ("12/28/1966 18:48"),
id, origin, classification, cited ids, routing header, body.  Quotes inside
fields are MySQL backslash escapes (\\" and \\'), not doubled quotes, and
fields span lines.  The full dump is 1.7 GB, so rows are read one at a time
and a malformed row is reported and skipped without losing the rows after
it: every row starts at a line that opens with `"<number>","<date>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from generator.model import Problem
from generator.parse.source import Source

_ROW_START = re.compile(r'^"\d+","\d{1,2}/\d{1,2}/\d{4}[ \d:]*","')
# Possessive: a field's text cannot end inside a run of plain characters or an
# escape, so giving any back can never help. Without it a field with no closing
# quote made the engine keep a backtracking point per character (superlinear),
# and plain text was matched a character at a time (ten times slower).
_FIELD = re.compile(r'"((?:[^"\\]++|\\.)*+)"(,|\s*$)', re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPES = {"0": "", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
COLUMNS = ("row", "created", "id", "origin", "classification", "references", "header", "body")


def unescape(field: str) -> str:
    """Undo MySQL's backslash escapes: \\" -> ", \\\\ -> \\, \\n -> newline."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), field)


def split_row(record: str) -> list[str] | None:
    """The fields of one row's text, or None when it is not well formed."""
    fields: list[str] = []
    pos = 0
    record = record.rstrip("\r\n")
    while pos < len(record):
        m = _FIELD.match(record, pos)
        if not m:
            return None
        fields.append(unescape(m.group(1)))
        pos = m.end()
        if m.group(2) != ",":
            break
    return fields if pos >= len(record.rstrip()) else None


def _records(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each row, cut where a line starts a new row."""
    start, buf = 0, []
    for number, line in enumerate(lines, 1):
        if _ROW_START.match(line) and buf:
            yield start, "".join(buf)
            buf = []
        if not buf:
            start = number
        buf.append(line)
    if buf:
        yield start, "".join(buf)


def read_dump(lines: Iterable[str], path: str) -> Iterator[Source | Problem]:
    """Each row as a Source, or a Problem naming the row's line."""
    for line_no, record in _records(lines):
        if not record.strip():
            continue
        fields = split_row(record.replace("\r\n", "\n"))
        if fields is None or len(fields) != len(COLUMNS):
            count = "unbalanced quotes" if fields is None else f"{len(fields)} columns, expected 8"
            yield Problem(path, line_no, f"malformed row skipped ({count})")
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        yield Source(
            body=row["body"],
            header=row["header"],
            source_format="cables-csv",
            source_path=f"{path}:{line_no}",
            meta={k: row[k] for k in ("id", "created", "origin", "classification") if row[k]},
            listed_references=[r for r in re.split(r"[,\s|]+", row["references"]) if r],
        )
