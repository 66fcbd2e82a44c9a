"""Limits and type checks for untrusted metadata, applied before it is parsed or used.

A cable file is written by anyone: front matter nested a thousand deep, a
JSON record nested five thousand deep, `tags: 5`, a date that is no date.
Each such value must become a warning naming the file and line, never an
exception that stops the build. The checks here are linear in the input's
size, and cheap enough to run on every record of a 250,000-cable export.
"""

from __future__ import annotations

import os
import re
import stat
from datetime import date
from typing import Any

# Front matter is a handful of keys (the importer writes under 4 KB): more than
# this is not front matter. PyYAML's pure-Python loader (needed for the checks
# below) reads about 150 KB/s, so this also bounds a file's cost.
MAX_FRONT_MATTER_BYTES = 16 * 1024
# Deeper than anything a cable's metadata needs, far below Python's recursion limit.
MAX_NESTING = 32
# A JSON Lines record holds one cable; the longest real cables are under 1 MB.
MAX_RECORD_BYTES = 16 * 1024 * 1024

# Possessive, in runs: a plain alternation keeps a backtracking point per
# character, which made a 1 MB string superlinear.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_nesting(text: str, limit: int = MAX_NESTING) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit`.

    Counted before `json.loads` runs (which recurses once per level) by one
    pass over the brackets outside strings; a text with fewer brackets than
    the limit is not scanned at all.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


_YAML_QUOTED = re.compile(r"'(?:[^']++|'')*+'|\"(?:[^\"\\]++|\\.)*+\"", re.S)


def yaml_flow_nesting(text: str, limit: int = MAX_NESTING) -> bool:
    """Whether YAML text opens flow collections (`[`, `{`) deeper than `limit`.

    Counted before the loader runs, outside quoted strings; a bracket in a
    plain scalar (`subject: a [b`) counts too, which only errs towards
    refusing front matter no one writes.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    return json_nesting(_YAML_QUOTED.sub("", text), limit)


# What each metadata key of a cable may hold. A scalar is a string or a number.
_TEXT_KEYS = ("id", "raw_id", "origin", "classification", "subject", "source", "note")
_DATE_KEYS = ("created", "released")
_LIST_KEYS = ("tags", "references")
_BOOL_KEYS = ("partial", "created_inferred")


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _problem(key: str, value: object) -> str | None:
    """What is wrong with one metadata value, or None when its type fits the key."""
    if key in _TEXT_KEYS and not _scalar(value):
        return f"{key}: {_shown(value)} is not text"
    if key in _DATE_KEYS:
        if isinstance(value, BadDate):
            return f"{key}: {value} is not a date"
        if not (isinstance(value, str | date) or _scalar(value)):
            return f"{key}: {_shown(value)} is not a date"
    if key in _LIST_KEYS and not (
        isinstance(value, str)
        or (isinstance(value, list | tuple) and all(_scalar(item) for item in value))
    ):
        kind = "tags" if key == "tags" else "cable ids"
        return f"{key}: {_shown(value)} is not a list of {kind}"
    if key in _BOOL_KEYS and not isinstance(value, bool):
        return f"{key}: {_shown(value)} is not true or false"
    return None


def checked_meta(meta: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The metadata whose values fit their keys, and (key, problem) for each that does not.

    A value of the wrong type is dropped: the cable is then read as if the
    key were absent (its tags from its TAGS line, its date from its DTG).
    """
    kept: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in meta.items():
        problem = _problem(key, value) if value not in (None, "") else None
        if problem is None:
            kept[key] = value
        else:
            problems.append((key, problem))
    return kept, problems


class BadDate(str):
    """A YAML timestamp that is no date (`2003-13-45`), kept as its text to be reported."""

    __slots__ = ()


def special_kind(path: str | os.PathLike[str]) -> str:
    """What a file that is not a regular file is ("a FIFO"), or "" for a regular or missing one.

    Opening a FIFO for reading waits for a writer: it would hang the build.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""  # gone or unreadable: reported when it is read
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"
