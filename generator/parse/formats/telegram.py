"""Raw telegram text (.txt): routing header, banner, fields, paragraphs."""

from __future__ import annotations

from generator.parse.source import Source


def read_telegram(text: str, path: str | None) -> Source:
    # The header/body split is made by the assembler, which knows the banner.
    return Source(body=text, source_format="telegram", source_path=path)
