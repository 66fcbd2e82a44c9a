"""TAGS: the Traffic Analysis by Geography and Subject line.

"TAGS: PREL, PGOV, PINS, TU", "Tags: prel pgov", "TAGS PTER MARR".  OCR and
the dump run tags together ("PHUMBA", "ETRDEINVECINPGOVCS"): such a run is
split into known tags.  Person tags are a surname and given names ("OVIP
RICE CONDOLEEZZA") and stay whole as "RICE, CONDOLEEZZA".
"""

from __future__ import annotations

import re
from functools import cache

from generator.parse.fastmatch import LinePattern, folded
from generator.parse.text import HEAD
from generator.reference.glossary import known_tags

# At the start of a line in any case ("Tags: prel pgov"), or with its colon
# after another field on the same line, in any case too ("E.O. 12958: N/A
# TAGS: ECON", "E.o. 12958: decl: 01/07/2014 Tags: prel, pgov, tu").
_TAGS_LINE = re.compile(
    r"(?:^[ \t]*(?i:TAGS?)(?:[ \t]*[:;,][ \t]*|[ \t]+)|(?<=[ \t])(?i:TAGS?)[ \t]*:[ \t]*)(?P<first>[^\n]*)",
    re.MULTILINE,
)
# The keyword misspelt ("AGS:", "TAS:", "TGS:", "TABS:", "TAGES:"): only at a
# line's start and with its punctuation, where the text holds no "tag".
_MISSPELT_TAGS_LINE = LinePattern(
    re.compile(
        r"^[ \t]*(?:AGS|TAS|TGS|TABS|TAGES)[ \t]*[:;][ \t]*(?P<first>[^\n]*)",
        re.MULTILINE | re.IGNORECASE,
    ),
    first="[AaTt]",
)
# What ends a tags line that ran into the next field (flattened text).
_NEXT_FIELD = re.compile(
    r"\b(?:SUBJ(?:ECT)?\s*:|SUBJECT\b|REF(?:S|TEL)?\s*:|CLASSIFIED\s+BY|E\.O\.)", re.I
)
# Page furniture and captions a flattened TAGS line carries: never tags.
_FURNITURE = re.compile(
    r"\bPAGE[ \t]+\d{1,3}(?:[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,7})?(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?"
    r"(?:[ \t]+\d{6}Z)?|\b\d{6}Z\b|\b(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|SIPDIS|NOFORN|SENSITIVE)\b"
)
# A date-time group ("082030Z"), looked for only where a Z is.
_DTG_LIKE = re.compile(r"\d{6}Z")


def _may_hold_furniture(raw: str) -> bool:
    """Can `_FURNITURE` match? One of its words, or a date-time group, is there.

    Most TAGS lines hold none: a few `in` tests cost less than the pattern.
    """
    return (
        "PAGE" in raw
        or "SECRET" in raw
        or "CONFIDENTIAL" in raw
        or "UNCLAS" in raw
        or "SIPDIS" in raw
        or "NOFORN" in raw
        or "SENSITIVE" in raw
        or ("Z" in raw and _DTG_LIKE.search(raw) is not None)
    )


# An initial keeps its full stop ("OVIP (STEINBERG, JAMES B.)").
# (The letter is matched once for both kinds of word: an initial is tried first.)
_TOKEN = re.compile(r"[A-Za-z](?:\.(?![A-Za-z])|[A-Za-z0-9\-']*)|,|\(|\)")


def parse_tags(text: str) -> list[str]:
    """The TAGS of a cable, upper case, in order, each once."""
    text = text or ""
    m = _tags_line(text)
    if not m:
        return []
    raw = _tag_text(m, text).upper()
    if _may_hold_furniture(raw):
        raw = _FURNITURE.sub(" ", raw)
    return list(dict.fromkeys(_tags_from_tokens(_TOKEN.findall(raw))))


def _tags_line(text: str) -> re.Match[str] | None:
    """`_TAGS_LINE.search(text[:HEAD])`, tried only where "tag" occurs in any case.

    A match starts at the start of a line that holds the word, or at an
    upper-case TAG itself; these positions are tried in order.
    """
    low = folded(text)
    if low is None:
        return _TAGS_LINE.search(text, 0, HEAD) or _MISSPELT_TAGS_LINE.search(text, 0, HEAD)
    tried = -1
    i = low.find("tag", 0, HEAD)
    while i != -1:
        for pos in (text.rfind("\n", 0, i) + 1, i):
            if pos > tried:
                m = _TAGS_LINE.match(text, pos, HEAD)
                if m:
                    return m
                tried = pos
        i = low.find("tag", i + 1, HEAD)
    return _MISSPELT_TAGS_LINE.search(text, 0, HEAD)


def _tag_text(m: re.Match[str], text: str) -> str:
    """The tag line plus wrapped lines that end or continue with a comma."""
    raw = m.group("first")
    following = text[m.end() :].split("\n", 4)[1:4]
    for line in following:
        if not line.strip() or _NEXT_FIELD.match(line.strip()):
            break
        comma = raw.rstrip().endswith(",") or line.lstrip().startswith(",")
        # A list continued without a comma: a line of nothing but tag codes.
        if not (comma or _all_tags(line)):
            break
        raw += " " + line
    nxt = _NEXT_FIELD.search(raw)
    return raw[: nxt.start()] if nxt else raw


def _all_tags(line: str) -> bool:
    words = line.replace(",", " ").split()
    return bool(words) and all(w.upper() in known_tags() for w in words)


def _is_tag(token: str) -> bool:
    return token in known_tags() or (len(token) == 2 and token.isalpha())


def _tags_from_tokens(tokens: list[str]) -> list[str]:
    """Tags in order; words after OVIP or in parentheses make one person tag."""
    tags: list[str] = []
    name: list[str] = []
    person_context = False

    def flush_name() -> None:
        if len(name) >= 2 and person_context:
            tags.append(f"{name[0]}, {' '.join(name[1:])}")
        elif name:
            # A run of words that are not tag codes is one tag ("HUMAN RIGHTS").
            tags.append(" ".join(name))
        name.clear()

    for token in tokens:
        if token in {",", "(", ")"}:
            # A comma inside a person tag ("RICE, CONDOLEEZZA") keeps the name open.
            if token != "," or not name or len(name) > 1 or not person_context:
                flush_name()
            if token == "(":
                person_context = True
            elif token == ")":
                person_context = False
            continue
        if _is_tag(token):
            flush_name()
            tags.append(token)
            person_context = token == "OVIP"
            continue
        split = split_run(token)
        if split:
            flush_name()
            tags.extend(split)
            continue
        if token.endswith(".") and name and person_context:
            name.append(token)  # an initial
            continue
        if not token.isalpha() and "-" not in token and "'" not in token:
            flush_name()
            continue
        name.append(token)
    flush_name()
    return tags


@cache
def split_run(token: str) -> tuple[str, ...] | None:
    """Known tags that exactly make up a run such as "PHUMBA", or None.

    Four letters are a tag of their own (KNUP, MASC), not two countries; and
    a split into country codes only ("POLITICS" = PO LI TI CS) is a word.
    """
    if len(token) < 5 or len(token) > 60 or not token.isalpha():
        return None
    known = known_tags()
    best: dict[int, tuple[str, ...]] = {0: ()}
    for end in range(1, len(token) + 1):
        for size in (4, 5, 3, 2, 6):
            start = end - size
            if start in best and token[start:end] in known:
                candidate = (*best[start], token[start:end])
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    result = best.get(len(token))
    if not result or len(result) < 2 or all(len(tag) == 2 for tag in result):
        return None
    return result
