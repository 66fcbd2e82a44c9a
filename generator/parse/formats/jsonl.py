"""JSON Lines exports: one JSON object per line.

Field names vary by exporter; the common ones are mapped below.  Some
exports (MongoDB-style) lost the body's newlines and put the cited ids in
`_id`, which is therefore never trusted as the cable's id: the id is made
from the text and the record's date, and `_id` read as references only when
it holds cable ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from generator.model import Problem
from generator.parse.formats.guards import MAX_NESTING, MAX_RECORD_BYTES, checked_meta, json_nesting
from generator.parse.source import Source
from generator.parse.text import restore_lost_newlines

FIELD_NAMES = {
    "id": ("reference_id", "refid", "cable_id", "canonical_id", "identifier", "id"),
    "created": ("date_time", "created", "date", "datetime", "created_at"),
    "released": ("released", "release_date"),
    "origin": ("origin", "office", "source_office"),
    "classification": ("classification", "class"),
    "subject": ("subject", "title"),
    "tags": ("tags",),
    "header": ("header", "routing"),
    "body": ("body", "content", "text"),
    "references": ("references", "refs", "_id"),
}
_CABLE_ID = re.compile(r"^\d{2}[A-Z]+\d+$")


def _first(record: dict, names: tuple[str, ...] | list[str]) -> object:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def _references(value: object) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[|,\s]+", str(value or ""))
    return [str(i) for i in items if _CABLE_ID.match(str(i))]


def read_jsonl(
    lines: Iterable[str], path: str, field_names: dict[str, str] | None = None
) -> Iterator[Source | Problem]:
    """Each record as a Source, or a Problem naming its line.

    `field_names` maps a field of ours (see FIELD_NAMES) to the name an
    export uses for it, e.g. {"body": "text", "id": "ref"}; it is looked up first.
    """
    mapped = field_names or {}
    names = {
        key: (mapped[key], *aliases) if key in mapped else aliases
        for key, aliases in FIELD_NAMES.items()
    }
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        # Checked before json.loads, which recurses once per level of nesting.
        if len(line) > MAX_RECORD_BYTES:
            yield Problem(path, line_no, f"record skipped: longer than {MAX_RECORD_BYTES >> 20} MB")
            continue
        if json_nesting(line):
            yield Problem(path, line_no, f"record skipped: nested deeper than {MAX_NESTING} levels")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield Problem(path, line_no, f"not a JSON object: {err.msg}")
            continue
        except RecursionError:  # the guard above should make this unreachable
            yield Problem(path, line_no, "record skipped: nested too deeply")
            continue
        if not isinstance(record, dict):
            yield Problem(path, line_no, "not a JSON object")
            continue
        body = _first(record, names["body"])
        if not isinstance(body, str) or not body.strip():
            yield Problem(path, line_no, "record has no cable text (body)")
            continue
        meta, dropped = checked_meta(_meta(record, names))
        for _, message in dropped:
            yield Problem(path, line_no, message)
        yield _source(record, meta, body, f"{path}:{line_no}", names)


def _meta(record: dict, names: dict[str, tuple[str, ...]]) -> dict[str, object]:
    meta = {}
    for key in ("id", "created", "released", "origin", "classification", "subject", "tags"):
        value = _first(record, names[key])
        if value not in (None, ""):
            meta[key] = value
    return meta


def _source(
    record: dict, meta: dict, body: str, where: str, names: dict[str, tuple[str, ...]]
) -> Source:
    warnings = []
    if "id" in meta and not _CABLE_ID.match(str(meta["id"]).strip().upper()):
        warnings.append(
            f"the record's id {str(meta['id'])[:40]!r} is not a cable id; id made from the text"
        )
        del meta["id"]
    header = _first(record, names["header"]) or ""
    hinted = _references(record.get("_id"))
    return Source(
        body=restore_lost_newlines(body),
        header=restore_lost_newlines(str(header)),
        source_format="jsonl",
        source_path=where,
        meta=meta,
        warnings=warnings,
        listed_references=_references(_first(record, names["references"])),
        # `_id` holds the cited ids in most records, the record's own id in some.
        fallback_id=hinted[0].upper() if len(hinted) == 1 else "",
    )
