"""How an imported cable is laid out on disk: its path and its file text.

A cable goes to `YYYY/MM/ID.txt` (by its creation date) or `undated/ID.txt`.
The file is YAML front matter carrying what the source knew, then the
routing header, a blank line and the body — a text cable that `read_cables`
reads back as the same cable.

Front matter keys, always in this order (absent ones are left out):

    id, raw_id, created, created_inferred, released, origin, classification,
    subject, tags, references, partial, note, header_lines, source, import_sha256

`header_lines` says how many lines of the text are the routing header.  A
source that keeps the header apart (the dump's column, the viewer's first
block) knows where it ends; a text file does not, and the parser's guess
fails on odd headers ("142115Z Jun 05"), so the importer passes on what the
source knew.  `created_inferred: true` marks a date no source stated (the
parser inferred it from the text), which the front matter would otherwise
turn into a stated one.  (The parser reads neither key yet: see the issue.)

`source` names the file (and row) the cable came from as the file's name,
or for a file found in a SOURCE folder as that folder's name and the path
inside it ("cables.csv:1207", "cablegate/cable/2006/03/06OTTAWA900.html"):
moving the inputs does not change every cable, and front matter that may be
published does not carry the user's home directory.  A cable file that
already had a `source` keeps it.

`subject` and `tags` are written only when the text itself would not give
them (an export's own fields, a Scoop title): front matter wins over the
text, so writing them always would freeze them against the user's edits of
the SUBJECT or TAGS line.

`import_sha256` is the SHA-256 of the file without that line.  It lets a
later import tell a file it wrote and nobody touched (safe to update) from
one the user edited (left alone unless --force).  Keeping the mark inside
each file rather than in a manifest means it is written atomically with the
file, survives moving the folder, and costs no memory per cable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import yaml

from generator.digests import raw_digest
from generator.model import Cable
from generator.parse import parse_subject, parse_tags
from generator.parse.text import remove_furniture

STAMP_KEY = "import_sha256"
UNDATED = "undated"
# Canonical ids are digits and capitals only; anything else could name a
# path outside the import folder ("../", "/", NUL), so it is refused.
_SAFE_ID = re.compile(r"^[0-9A-Z]{1,100}$")
_STAMP_LINE = re.compile(rb"^" + STAMP_KEY.encode() + rb": ([0-9a-f]{64})\n", re.MULTILINE)
_FENCE_END = re.compile(rb"\n---\n")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FIELD_WORDS = re.compile(r"SUBJ|TAG", re.IGNORECASE)

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _FrontMatterDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Safe dumper that writes every odd string as one double-quoted line.

    Double quotes escape newlines, tabs, control and format characters, so a
    hostile value ("x\\n---\\ny", trailing blanks, U+2028) can neither end the
    front matter early nor be altered by the reader's newline clean-up.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    odd = not value.isprintable() or value != value.strip()
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if odd else None)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    # `tags: [PREL, PGOV]`: lists of short ids read best on one line.
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_FrontMatterDumper.add_representer(str, _represent_str)
_FrontMatterDumper.add_representer(list, _represent_list)


class UnsafeId(ValueError):
    """The cable's id is not a canonical id and cannot name a file."""


@dataclass(frozen=True, slots=True)
class Layout:
    """One cable ready to be written."""

    id: str
    relpath: str  # "2005/06/05BAGHDAD2346.txt", always with "/" separators
    data: bytes  # the whole file, stamped
    identity: bytes  # digest of the content without its provenance: tells identical copies


def relpath_of(cable: Cable) -> str:
    """`YYYY/MM/ID.txt`, or `undated/ID.txt`; refuses ids that are not canonical."""
    if not _SAFE_ID.match(cable.id or ""):
        raise UnsafeId(f"cable id {cable.id[:60]!r} is not a canonical id ([0-9A-Z] only)")
    if cable.created is None:
        return f"{UNDATED}/{cable.id}.txt"
    return f"{cable.created.year:04d}/{cable.created.month:02d}/{cable.id}.txt"


def layout(cable: Cable, where: str) -> Layout:
    """The file for a cable read from `where` (a file, or `file:line` for a row)."""
    relpath = relpath_of(cable)
    meta = front_matter(cable)
    text = _text_after_front_matter(cable)
    # Only compared within one run, so any exact rendering will do; repr is
    # exact for these values and far cheaper than a second YAML dump.
    identity = raw_digest(repr(meta).encode() + text.encode())
    meta["source"] = cable.source or where
    unstamped = f"---\n{_dump(meta)}---\n{text}".encode()
    return Layout(cable.id, relpath, stamp(unstamped), identity)


def front_matter(cable: Cable) -> dict[str, Any]:
    """What the source knew about the cable, in a fixed key order (without `source`)."""
    meta: dict[str, Any] = {"id": cable.id}
    optional: list[tuple[str, Any]] = [
        ("raw_id", cable.raw_id),
        ("created", cable.created),
        ("created_inferred", getattr(cable, "created_inferred", False) or None),
        ("released", cable.released),
        ("origin", cable.origin),
        ("classification", cable.classification),
        ("subject", None if _text_gives_subject(cable) else cable.subject),
        ("tags", None if _text_gives_tags(cable) else list(cable.tags)),
        ("references", list(cable.reference_ids)),
        ("partial", cable.partial or None),
        ("note", cable.note),
        ("header_lines", cable.header.count("\n") + 1 if cable.header else None),
    ]
    meta.update((key, value) for key, value in optional if value not in (None, "", []))
    return meta


def _text_gives_subject(cable: Cable) -> bool:
    return all(parse_subject(text) == cable.subject for text in _readings(cable))


def _text_gives_tags(cable: Cable) -> bool:
    return all(tuple(parse_tags(text)) == cable.tags for text in _readings(cable))


def _readings(cable: Cable) -> list[str]:
    """The texts a reader may take the fields from: the body, or header and body.

    A text file does not say where its routing header ends, so the parser
    guesses; when it cannot tell, the header reads as part of the body.
    Either way the subject and tags must come out the same.
    """
    body = remove_furniture(cable.body)
    # A header without those words cannot change what the fields read as.
    if not _FIELD_WORDS.search(cable.header):
        return [body]
    return [body, remove_furniture(f"{cable.header}\n\n{cable.body}")]


def _text_after_front_matter(cable: Cable) -> str:
    if cable.header:
        return f"{cable.header}\n\n{cable.body}\n"
    return f"{cable.body}\n"


def _dump(meta: dict[str, Any]) -> str:
    return yaml.dump(
        meta,
        Dumper=_FrontMatterDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,  # one line per key: nothing is folded
    )


# --- the stamp ----------------------------------------------------------------------


def stamp(unstamped: bytes) -> bytes:
    """Add `import_sha256: <hash of the file without this line>` as the last key."""
    end = _front_matter_end(unstamped)
    digest = hashlib.sha256(unstamped).hexdigest()
    return unstamped[:end] + f"{STAMP_KEY}: {digest}\n".encode() + unstamped[end:]


def is_untouched(data: bytes) -> bool:
    """True when a file is exactly as the importer wrote it (its stamp still matches)."""
    end = _front_matter_end(data)
    if end < 0:
        return False
    m = _STAMP_LINE.search(data, 0, end)
    if m is None:
        return False
    unstamped = data[: m.start()] + data[m.end() :]
    return hashlib.sha256(unstamped).hexdigest() == m.group(1).decode()


def _front_matter_end(data: bytes) -> int:
    """Offset of the closing `---` line of the front matter, or -1."""
    if not data.startswith(b"---\n"):
        return -1
    m = _FENCE_END.search(data, 3)
    return m.start() + 1 if m else -1


def without_surrogates(text: str) -> str:
    """Lone surrogates (from a JSON `\\ud800`) cannot be written as UTF-8: U+FFFD instead."""
    return _SURROGATE.sub("\ufffd", text)


def has_surrogates(cable: Cable) -> bool:
    return any(
        _SURROGATE.search(value)
        for value in (cable.body, cable.header, cable.subject, cable.origin, cable.note or "")
    )
