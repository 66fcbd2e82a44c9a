"""JSON Lines exports whose field names the user maps (`--field body=text`).

The parser's reader (`generator.parse.formats.jsonl.read_jsonl`) knows the
common field names but takes no mapping.  Rather than copy that reader (and
drift from it), each record is renamed on its way in: the mapped field is
put under the parser's own name for it, and the other names the parser
would try for that field are removed, so `--field id=ref` means the id is
in `ref` and nowhere else.  Lines that are not JSON objects pass through
untouched, so the parser reports them with their line numbers.

`_id` is never removed: the parser reads it on its own terms (cited ids, or
a hint for the id when the text gives none).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from generator.parse.formats.jsonl import FIELD_NAMES

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
        mapping[name] = source_field
    check_mapping(mapping)
    return mapping


def check_mapping(mapping: Mapping[str, str]) -> None:
    for name in mapping:
        if name not in FIELD_NAMES:
            raise FieldMappingError(f"--field {name}: unknown field (known: {', '.join(FIELDS)})")


def remapped_lines(lines: Iterable[str], mapping: Mapping[str, str]) -> Iterator[str]:
    """The export's lines with each record's fields renamed for the parser."""
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            yield line
            continue
        if not isinstance(record, dict):
            yield line
            continue
        yield json.dumps(remapped(record, mapping)) + "\n"


def remapped(record: dict, mapping: Mapping[str, str]) -> dict:
    out = dict(record)
    for name, source_field in mapping.items():
        for default in FIELD_NAMES[name]:
            if default != "_id":
                out.pop(default, None)
        # Read from the original record: two fields may swap names.
        if source_field in record:
            out[FIELD_NAMES[name][0]] = record[source_field]
    return out
