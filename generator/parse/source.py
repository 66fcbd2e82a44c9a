"""What a format reader hands to the cable assembler.

A format module (telegram, WikiLeaks page, CSV row, JSON record, Scoop
extract, Markdown) only knows where the routing header, the body and its
own metadata are.  Turning that into a `Cable` — ids, fields, paragraphs,
dates — is the same for all of them and lives in `assemble.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Source:
    """One cable's raw parts as a format found them."""

    body: str
    header: str = ""
    source_format: str = "telegram"
    source_path: str | None = None
    # Metadata the source states outright (front matter, the viewer's table,
    # the dump's columns).  It wins over what the text suggests.
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    partial: bool = False
    # The title a Scoop extract gives when the cable's SUBJECT line is lost.
    fallback_subject: str = ""
    # An id the source hints at without vouching for it (an export's `_id`
    # that holds a cable id): used only when the text gives none.
    fallback_id: str = ""
    # Ids the source lists as cited (the dump's column, an export's field).
    listed_references: list[str] = field(default_factory=list)


# The name, stem and suffix of a path as `pathlib.PurePosixPath` gives them,
# without making a path object (a few µs each, for every cable).
def path_name(path: str) -> str:
    """The last part of a path: empty and "." parts do not count ("a/b/" -> "b")."""
    end = len(path)
    while end:
        start = path.rfind("/", 0, end) + 1
        part = path[start:end]
        if part and part != ".":
            return part
        end = start - 1 if start else 0
    return ""


def path_suffix(path: str) -> str:
    name = path_name(path)
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def path_stem(path: str) -> str:
    name = path_name(path)
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name
