"""YAML front matter: a `---` block at the top of a text cable or page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_FENCE = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass
class FrontMatter:
    meta: dict[str, Any]
    body: str
    # Lines the front matter took, so body line numbers can be reported truly.
    lines: int
    error: tuple[int, str] | None = None


def split_front_matter(text: str) -> FrontMatter:
    """The metadata block and the text after it; a broken block is reported, not raised."""
    m = _FENCE.match(text)
    if not m:
        return FrontMatter({}, text, 0)
    lines = text.count("\n", 0, m.end())
    body = text[m.end() :]
    try:
        loaded = yaml.safe_load(m.group("yaml"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        return FrontMatter({}, body, lines, (line, f"front matter is not valid YAML: {problem}"))
    if loaded is None:
        return FrontMatter({}, body, lines)
    if not isinstance(loaded, dict):
        return FrontMatter({}, body, lines, (2, "front matter must be a mapping of keys to values"))
    return FrontMatter({str(k).lower(): v for k, v in loaded.items()}, body, lines)
