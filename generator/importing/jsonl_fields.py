"""JSON Lines exports whose field names the user maps (`--field body=text`).

The parser's reader (`generator.parse.formats.jsonl.read_jsonl`) knows the
common field names but takes no mapping, so this is the same reading with
the names as a parameter, built from the parser's own helpers.  Without a
mapping the importer uses the parser's reader itself.

A mapping replaces the defaults for that field: `--field id=ref` means the
id is in `ref` and nowhere else, so a record without `ref` has its id made
from the text, as for any record whose id is not a cable id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from generator.model import Problem
from generator.parse.formats.jsonl import _CABLE_ID, FIELD_NAMES, _first, _references
from generator.parse.source import Source
from generator.parse.text import restore_lost_newlines

FIELDS = tuple(FIELD_NAMES)


class FieldMappingError(ValueError):
    """A --field option that does not name a known field as NAME=SOURCEFIELD."""


def parse_field_options(options: Iterable[str]) -> dict[str, str]:
    """{"body": "text_field"} from ["body=text_field"]; raises FieldMappingError."""
    mapping: dict[str, str] = {}
    for option in options:
        name, sep, source_field = option.partition("=")
        name, source_field = name.strip().lower(), source_field.strip()
        if not sep or not name or not source_field:
            raise FieldMappingError(
                f"--field {option!r}: expected NAME=SOURCEFIELD, e.g. body=text"
            )
        check_field_name(name)
        mapping[name] = source_field
    return mapping


def check_field_name(name: str) -> None:
    if name not in FIELD_NAMES:
        raise FieldMappingError(f"--field {name}: unknown field (known: {', '.join(FIELDS)})")


def field_names(mapping: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The parser's default names with the user's mapping put in their place."""
    for name in mapping:
        check_field_name(name)
    return {
        name: (mapping[name],) if name in mapping else FIELD_NAMES[name] for name in FIELD_NAMES
    }


def read_jsonl_mapped(
    lines: Iterable[str], path: str, names: Mapping[str, tuple[str, ...]]
) -> Iterator[Source | Problem]:
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield Problem(path, line_no, f"not a JSON object: {err.msg}")
            continue
        if not isinstance(record, dict):
            yield Problem(path, line_no, "not a JSON object")
            continue
        body = _first(record, names["body"])
        if not isinstance(body, str) or not body.strip():
            fields = "/".join(names["body"])
            yield Problem(path, line_no, f"record has no cable text (body, from {fields})")
            continue
        yield _source(record, body, names, f"{path}:{line_no}")


def _source(record: dict, body: str, names: Mapping[str, tuple[str, ...]], where: str) -> Source:
    meta = {}
    for key in ("id", "created", "released", "origin", "classification", "subject", "tags"):
        value = _first(record, names[key])
        if value not in (None, ""):
            meta[key] = value
    warnings = []
    if "id" in meta and not _CABLE_ID.match(str(meta["id"]).strip().upper()):
        warnings.append(
            f"the record's id {str(meta['id'])[:40]!r} is not a cable id; id made from the text"
        )
        del meta["id"]
    header = _first(record, names["header"]) or ""
    return Source(
        body=restore_lost_newlines(body),
        header=restore_lost_newlines(str(header)),
        source_format="jsonl",
        source_path=where,
        meta=meta,
        warnings=warnings,
        listed_references=_references(_first(record, names["references"])),
    )
