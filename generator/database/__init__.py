"""The archive database: ``data/cables.db``, every cable as rows, with a full-text index.

A stage of its own after the archive: from an entry and its parsed cable
it makes the rows (:mod:`generator.database.rows`), and it keeps a
database file in step with the archive row by row
(:mod:`generator.database.writer`); the schema is in
:mod:`generator.database.schema`. The engine decides when and where
(:mod:`generator.engine.database_pass`).
"""

from generator.database.rows import (
    CableRow,
    CableText,
    EntryValues,
    PlainValues,
    cable_text,
    completed,
    entry_digest,
    entry_values,
    plain_values,
    row_from,
    row_of,
)
from generator.database.schema import SCHEMA_VERSION
from generator.database.writer import Database, open_database

__all__ = [
    "SCHEMA_VERSION",
    "CableRow",
    "CableText",
    "Database",
    "EntryValues",
    "PlainValues",
    "cable_text",
    "completed",
    "entry_digest",
    "entry_values",
    "open_database",
    "plain_values",
    "row_from",
    "row_of",
]
