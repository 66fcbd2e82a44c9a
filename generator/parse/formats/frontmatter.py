"""YAML front matter: a `---` block at the top of a text cable or page.

Loaded with a safe loader that refuses what front matter never needs and an
attacker would use: aliases (`*name`, the "billion laughs" bomb: nine levels
of nine aliases is 328 bytes that expand to 387 million items), nesting
deeper than a few levels (PyYAML composes recursively), blocks larger than
`MAX_FRONT_MATTER_BYTES`. A timestamp that is no date (`2003-13-45`) is
kept as text and reported, not raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError

from generator.parse.formats.guards import (
    MAX_FRONT_MATTER_BYTES,
    MAX_NESTING,
    BadDate,
    checked_meta,
    yaml_flow_nesting,
)

_TOO_DEEP = f"nested deeper than {MAX_NESTING} levels"
_FENCE = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass
class FrontMatter:
    meta: dict[str, Any]
    body: str
    # Lines the front matter took, so body line numbers can be reported truly.
    lines: int
    error: tuple[int, str] | None = None
    # (line, message) of each value dropped for its type (`tags: 5`).
    problems: list[tuple[int, str]] = field(default_factory=list)


class _FrontMatterLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` without aliases, with a nesting limit, tolerant of bad dates."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise ComposerError(None, None, "aliases (*name) are not allowed", mark)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                mark = self.peek_event().start_mark
                raise ComposerError(None, None, _TOO_DEEP, mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return BadDate(node.value)


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_lenient_timestamp
)


def load_front_matter(text: str) -> Any:
    """The YAML of a front matter block, loaded safely (raises `yaml.YAMLError`)."""
    loader = _FrontMatterLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _key_line(yaml_text: str, key: str) -> int:
    """The file line of a top-level key (the block starts on line 2)."""
    found = re.search(rf"^['\"]?{re.escape(key)}['\"]?\s*:", yaml_text, re.M | re.I)
    return yaml_text.count("\n", 0, found.start()) + 2 if found else 2


def split_front_matter(text: str) -> FrontMatter:
    """The metadata block and the text after it; a broken block is reported, not raised."""
    m = _FENCE.match(text)
    if not m:
        return FrontMatter({}, text, 0)
    lines = text.count("\n", 0, m.end())
    body = text[m.end() :]
    yaml_text = m.group("yaml")
    if len(yaml_text) > MAX_FRONT_MATTER_BYTES:
        limit = f"{MAX_FRONT_MATTER_BYTES // 1024} KB"
        return FrontMatter({}, body, lines, (1, f"front matter is larger than {limit}; ignored"))
    try:
        if yaml_flow_nesting(yaml_text):  # checked before the loader recurses into it
            raise ComposerError(None, None, _TOO_DEEP, None)
        loaded = load_front_matter(yaml_text)
    except yaml.YAMLError as err:
        error = _located(err, 0)
        kept, errors = _salvaged(yaml_text)
        if not kept:
            return FrontMatter({}, body, lines, error)
        # The keys that load on their own are kept: one bad value (`tags:`
        # nested a thousand deep) loses only itself, not the cable's id and date.
        meta, dropped = checked_meta(kept)
        if len(errors) > 1:  # one warning for the block, however many keys it lost
            line, message = errors[0]
            errors = [(line, f"{message} (and in {len(errors) - 1} more key(s), all dropped)")]
        problems = [*errors, *((_key_line(yaml_text, key), m) for key, m in dropped)]
        return FrontMatter(meta, body, lines, problems=sorted(problems))
    if loaded is None:
        return FrontMatter({}, body, lines)
    if not isinstance(loaded, dict):
        return FrontMatter({}, body, lines, (2, "front matter must be a mapping of keys to values"))
    meta, dropped = checked_meta({str(k).lower(): v for k, v in loaded.items()})
    problems = [(_key_line(yaml_text, key), message) for key, message in dropped]
    return FrontMatter(meta, body, lines, problems=problems)


def _located(err: yaml.YAMLError, first_line: int) -> tuple[int, str]:
    """(file line, message) of a YAML error in a block starting `first_line` lines in."""
    mark = getattr(err, "problem_mark", None)
    line = (mark.line if mark is not None else 0) + 2 + first_line
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return line, f"front matter is not valid YAML: {problem}"


_TOP_LEVEL_KEY = re.compile(r"^[^\s#-][^:]*:", re.M)


def _salvaged(yaml_text: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """Each top-level key loaded on its own: the keys that load, and an error for each that does not."""
    starts = [m.start() for m in _TOP_LEVEL_KEY.finditer(yaml_text)]
    kept: dict[str, Any] = {}
    errors: list[tuple[int, str]] = []
    for start, end in zip(starts, [*starts[1:], len(yaml_text)], strict=True):
        first_line = yaml_text.count("\n", 0, start)
        try:
            if yaml_flow_nesting(yaml_text[start:end]):
                raise ComposerError(None, None, _TOO_DEEP, None)
            loaded = load_front_matter(yaml_text[start:end])
        except yaml.YAMLError as err:
            errors.append(_located(err, first_line))
            continue
        if isinstance(loaded, dict):
            kept.update({str(k).lower(): v for k, v in loaded.items()})
    return kept, errors
