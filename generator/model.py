"""The data model: what a cable is once parsed.

Every object here is frozen and made of tuples, so a parsed cable can be
hashed, cached, compared and shared between processes without copying
surprises.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from typing import Any, TypeVar

_Frozen = TypeVar("_Frozen")


def _reduce_by_fields(self: Any) -> tuple[type, tuple[Any, ...]]:
    """Pickle as the class and its field values.

    A frozen dataclass with slots pickles through ``__getstate__`` and
    ``__setstate__``, which look up the dataclass fields on every call: a
    third slower both ways, and the parse cache pickles every cable once and
    unpickles it for every page render. The values are read by one
    ``operator.attrgetter`` of the class's fields (every class here has
    several, so it returns a tuple), in C rather than a comprehension.
    """
    cls = type(self)
    values = _FIELD_VALUES.get(cls)
    if values is None:
        values = _FIELD_VALUES[cls] = operator.attrgetter(*cls.__slots__)
    return (cls, values(self))


_FIELD_VALUES: dict[type, operator.attrgetter[Any]] = {}


def _stores_into_slots(cls: type[_Frozen]) -> type[_Frozen]:
    """Give a frozen, slotted dataclass an ``__init__`` that stores each field in its slot.

    A frozen dataclass's own ``__init__`` calls ``object.__setattr__`` for
    every field, since its class's ``__setattr__`` refuses all changes: about
    twice what storing into the slot costs. For a parsed cable (25 fields, and
    three for each paragraph and reference) that was 5% of parsing a synthetic
    cable, and unpickling a cable from the parse cache goes through
    ``__init__`` too. Each slot's member descriptor stores its value directly.
    The signature and defaults are the dataclass's own (positional or by
    keyword, in field order), and the object still refuses every change once
    made; tests/test_model.py compares the two.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {}
    parameters = []
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default_factory is not MISSING:
            raise TypeError(
                f"{cls.__name__}.{f.name}: a default factory needs the dataclass's own __init__"
            )
        scope[f"_store_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            parameters.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            parameters.append(f"{f.name}=_default_{f.name}")
    lines = [f"def __init__(self, {', '.join(parameters)}):"]
    lines += [f"    _store_{name}(self, {name})" for name in names]
    exec("\n".join(lines), scope)  # as dataclasses and namedtuple make theirs
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[misc]
    return cls


@_stores_into_slots
@dataclass(frozen=True, slots=True)
class Reference:
    """One item of a cable's REF block.

    `label` is the bullet as written ("A", "B", "" when the block has a
    single unlabelled item); `text` the item's raw text; `id` the canonical
    id of the cited cable, or None when the item is not a cable (an e-mail,
    a memo, a phone call, a meeting).
    """

    label: str
    text: str
    id: str | None

    __reduce__ = _reduce_by_fields


@_stores_into_slots
@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of the body.

    `number` is the paragraph number as written ("1." -> 1) or None for an
    unnumbered block; `marking` the classification portion marking without
    its parentheses ("C", "SBU", "S//NF") or None.
    """

    number: int | None
    marking: str | None
    text: str

    __reduce__ = _reduce_by_fields


@_stores_into_slots
@dataclass(frozen=True, slots=True)
class Cable:
    """One diplomatic cable, as faithfully as its source allows.

    `raw_id` keeps the id exactly as the source gave it when that differs
    from the canonical `id` (e.g. the dump's "7575LIBREVILLE1895"), so the
    site can keep old permalinks alive.
    """

    id: str
    created: datetime | None = None
    released: date | None = None
    origin: str = ""
    station: str = ""
    classification: str = ""
    tags: tuple[str, ...] = ()
    subject: str = ""
    references: tuple[Reference, ...] = ()
    classified_by: tuple[str, ...] = ()
    reasons: str | None = None
    declassify_on: str | None = None
    summary: str | None = None
    signers: tuple[str, ...] = ()
    header: str = ""
    body: str = ""
    paragraphs: tuple[Paragraph, ...] = ()
    partial: bool = False
    source_format: str = ""
    source_path: str | None = None
    warnings: tuple[str, ...] = ()
    raw_id: str | None = None
    source: str | None = None
    note: str | None = None
    # True when no source stated the date and `created` was inferred from the
    # text (see parse/dates.py); pages show the day only, marked as inferred.
    created_inferred: bool = False

    __reduce__ = _reduce_by_fields

    @property
    def reference_ids(self) -> tuple[str, ...]:
        """Canonical ids of the cited cables, in order, without duplicates."""
        return tuple(dict.fromkeys(r.id for r in self.references if r.id))

    @property
    def year(self) -> int | None:
        return self.created.year if self.created else None


# Control characters (and Unicode line breaks) as escapes: a report is one line, so a
# file named "x\ny.txt: forged" cannot add a line of its own to warnings.txt.
_ONE_LINE = {
    code: repr(chr(code))[1:-1]
    for code in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)
    if chr(code) != "\t"
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with an input that a user can fix.

    Its string form is the one every tool uses for such reports,
    `path:line: message`, so editors and terminals can jump to it.
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}".translate(_ONE_LINE)

    def kind(self) -> str:
        """What the warning says, whatever cable or numbers it is about: the terminal and
        the diagnostics page group warnings by it."""
        return _NUMBER.sub("#", _CABLE_ID_PREFIX.sub("", self.message))


_CABLE_ID_PREFIX = re.compile(r"^[0-9A-Z][0-9A-Z_-]*\d: ")
_NUMBER = re.compile(r"\d+")
