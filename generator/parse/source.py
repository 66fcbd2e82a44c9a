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
