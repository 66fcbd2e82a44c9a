"""Markdown cables (.md): front matter for the metadata, the cable text below.

Hand transcriptions put what they know in front matter (id, created,
origin, classification, tags, subject, ...); the text is read like a
telegram so its REF block, paragraphs and markings still count.
"""

from __future__ import annotations

from generator.parse.source import Source


def read_markdown(body: str, path: str | None) -> Source:
    return Source(body=body, source_format="markdown", source_path=path)
