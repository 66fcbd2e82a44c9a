"""Field parsers: one function per field of a cable, pure text in, data out.

Each takes the raw text of a whole cable or a fragment of it and never
raises on odd input: it returns an empty result instead.  They work on the
text lines, so formats that lost their newlines restore them first (see
`text.restore_lost_newlines`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from generator.parse import references as _references
from generator.parse.fastmatch import (
    LinePattern,
    foldable,
    is_word_char,
    line_start,
    lowered,
    search_word,
)
from generator.parse.patterns import BANNER_LINE, PARAGRAPH_LINES, PARAGRAPH_START
from generator.parse.tags import parse_tags
from generator.parse.text import HEAD, collapse_spaces, remove_furniture
from generator.reference.glossary import glossary
from generator.reference.stations import station_spellings

__all__ = [
    "parse_classified_by",
    "parse_declassify_on",
    "parse_reasons",
    "parse_references",
    "parse_signers",
    "parse_subject",
    "parse_summary",
    "parse_tags",
]

parse_references = _references.parse_references

# A portion marking such as (C), (SBU), (S//NF), (C/NF), (U), (LOU).
MARKING = (
    r"\((?:U|C|S|TS|SBU|LOU|FOUO|U//FOUO|S//NF|C//NF|S/NF|C/NF|C//REL[A-Z ,]*|S//REL[A-Z ,]*|NF)\)"
)
_LEADING_MARKING = re.compile(rf"^\s*{MARKING}\s*", re.IGNORECASE)

# Lines that open another header field and so end the one before them.
_FIELD_START = re.compile(
    r"^[ \t]*(?:REF(?:ERENCE)?S?\b|REFTELS?\b|CLASSIFIED[ \t]+BY|E\.?[ \t]?O\.?[ \t]*\d{5}|TAGS?\b"
    r"|SUBJ(?:ECT)?[ \t]*:|(?:BEGIN[ \t]+)?SUMMARY\b|(?:¶|\xb6)?[ \t]*\d{1,3}[ \t]*[.)][ \t]"
    r"|\((?:U|C|S|SBU|S//NF|C//NF|S/NF|C/NF|LOU)\)[ \t])",
    re.IGNORECASE,
)


def _field_continuation(first: str, following: list[str], limit: int = 6) -> list[str]:
    """A field's first line and the wrapped lines that continue it."""
    parts = [first]
    for line in following[:limit]:
        if not line.strip() or _FIELD_START.match(line):
            break
        parts.append(line)
    return parts


# --- subject -------------------------------------------------------------------

_SUBJECT = re.compile(
    r"^[ \t]*SUBJ(?:ECT)?[ \t]*(?::|\.|-(?=\s))[ \t]*(?P<first>[^\n]*)", re.I | re.M
)
_SUBJECT_LINES = LinePattern(_SUBJECT, first="S")
# The keyword as the release also has it, tried only where the above finds
# nothing, and only before paragraph 1: "SUBJECT" with no colon (upper case,
# so "Subject to approval" is prose), a clipped "UBJECT:", "Subject:" mid-line.
_SUBJECT_VARIANT = re.compile(
    r"^[ \t]*(?:SUBJECT[ \t]+(?=[A-Z(\"'])|UBJECT[ \t]*:[ \t]*)(?P<first>[^\n]*)"
    r"|(?<=[^\s])[ \t]+(?i:SUBJECT)[ \t]*:[ \t]*(?P<mid>[^\n]*)",
    re.M,
)
# Where a subject the source ran into the next thing ends.
_SUBJECT_END = re.compile(
    r"\s(?:REF|REFS|REFTEL)\s*:|(?:REF(?:S|TELS?|\(S\))?|Ref(?:s|\(s\))?)\s*:"
    r"|\s?CLASSIFIED\s+BY\s*:|\sSENSITIVE\s+BUT\s+UNCLASSIFIED\b|-{3,}|={3,}",
    re.I,
)
_RULE_LINE = re.compile(r"[ \t]*[-=_*]{3,}[ \t]*")
_NUMERIC_REFERENCE = re.compile(r"&#(?:[0-9]{1,7}|[xX][0-9a-fA-F]{1,6});")


def _may_run_on(subject: str) -> bool:
    """False only when the subject holds none of the words `_SUBJECT_END` looks for, in any case.

    Most subjects hold none of them, and a few `in` tests of the lowered
    subject cost less than that pattern (or one of those words as a pattern).
    """
    if not foldable(subject):
        return True
    low = subject.lower()
    return "ref" in low or "classified" in low or "sensitive" in low or "---" in low or "===" in low


def _subject_match(text: str) -> tuple[str, int] | None:
    """(first line of the subject, where it ends) for the SUBJECT keyword in any of its forms."""
    m = _SUBJECT_LINES.search(text, 0, HEAD)
    if m:
        return m.group("first"), m.end()
    first_paragraph = PARAGRAPH_LINES.search(text, 0, HEAD)
    end = first_paragraph.start() if first_paragraph else min(len(text), HEAD)
    low = lowered(text)  # cached for the text: the summary asks for it too
    if len(low) == len(text) and low.find("ubject", 0, end) == -1:
        return None
    v = _SUBJECT_VARIANT.search(text, 0, end)
    if not v:
        return None
    return (v.group("first") if v.group("first") is not None else v.group("mid")), v.end()


def parse_subject(text: str) -> str:
    """The SUBJECT line joined across its wrapped lines, without its marking."""
    text = remove_furniture(text or "")
    found = _subject_match(text)
    if not found:
        return ""
    first, end = found
    if first.strip():
        following = _lines_after_subject(first, text, end)
    else:
        # "SUBJECT:" + blank line + the subject.
        rest = _lines_after(text, end, 9)
        while rest and not rest[0].strip():
            rest = rest[1:]
        if not rest or _FIELD_START.match(rest[0]):
            return ""
        first, rest = rest[0], rest[1:]
        following = _subject_lines(first, rest[:6]) if rest and rest[0].strip() else []
    parts = _field_continuation(first, following)
    subject = _join_wrapped(parts)
    subject = _LEADING_MARKING.sub("", subject)
    # A subject the source ran into the next field ("... SUBJECT: X REF: Y").
    if _may_run_on(subject):
        subject = _SUBJECT_END.split(subject)[0]
    if "&#" in subject:
        subject = _NUMERIC_REFERENCE.sub(lambda m: html.unescape(m.group()), subject)
    return (
        subject.strip(" \t.;,") if subject.rstrip().endswith((" .", ",", ";")) else subject.strip()
    )


def _lines_after(text: str, end: int, count: int) -> list[str]:
    """The `count` lines after the one that ends at `end`, within the head the field
    is looked for in.  Whole lines only: the last piece of a split holds the rest."""
    return text[end:HEAD].split("\n", count + 1)[1 : count + 1]


def _lines_after_subject(first: str, text: str, end: int) -> list[str]:
    """The lines that may continue a subject whose first line ends at `end`.

    Most subjects are one line with a blank line after it, and a split scans
    as far as the lines it cuts: the line after is looked at first, alone.
    """
    after = _lines_after(text, end, 1)
    if not after or not after[0].strip():
        return []
    return _subject_lines(first, _lines_after(text, end, 6))


def _subject_lines(first: str, following: list[str]) -> list[str]:
    """The lines after the subject's first that may continue it: not a rule line, a
    repeated banner, or (after an upper-case subject) a line of body text."""
    upper = first.upper() == first
    kept = []
    for line in following:
        if not line.strip():  # where _field_continuation stops anyway
            break
        if _RULE_LINE.fullmatch(line) or BANNER_LINE.match(line) is not None:
            break
        if upper and line.strip() and _starts_sentence_case(line):
            break
        kept.append(line)
    return kept


def _starts_sentence_case(line: str) -> bool:
    """A line of running text: several words, most with lower-case letters."""
    words = line.split()
    lower = sum(1 for w in words if any(c.islower() for c in w))
    return len(words) >= 3 and lower * 2 > len(words)


def _join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines; a line ending in a hyphen joins without a space."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out.endswith("-") and not out.endswith(" -"):
            out += part
        else:
            out = f"{out} {part}" if out else part
    return collapse_spaces(out)


# --- declassification ----------------------------------------------------------

_DECL = re.compile(
    r"DECL(?:ASSIFY)?(?:[ \t]+ON)?[ \t]*[:.]?[ \t]*"
    r"(?:(?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})(?!\d)"
    r"|(?P<Y>\d{4})[/.\-](?P<M>\d{1,2})[/.\-](?P<D>\d{1,2})(?!\d))",
    re.IGNORECASE,
)


def parse_declassify_on(text: str) -> str | None:
    """The declassification date as ISO "YYYY-MM-DD", or None ("N/A", "OADR", "X1")."""
    m = search_word(_DECL, text or "", "decl", HEAD)
    if not m:
        return None
    if m.group("Y"):
        year, month, day = int(m.group("Y")), int(m.group("M")), int(m.group("D"))
    else:
        month, day, year = int(m.group("m")), int(m.group("d")), int(m.group("y"))
        if month > 12 >= day:  # written day first
            month, day = day, month
        if year < 100:
            year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# --- classified by --------------------------------------------------------------

# Not the "DECLASSIFIED BY NARA" of an E.O. line.
_CLASSIFIED_BY = re.compile(r"(?<![A-Za-z])CLASSIFIED[ \t]+BY[ \t]*[:.\-]?[ \t]*", re.IGNORECASE)
# Where the name ends: the reasons clause in its many spellings ("for
# reasons", "REASONS", "Resons", "RASONS", "-reasons", "under 1.4", "PER
# 1.4", "based upon", "due to", "- 1.5", "for for"), or "(acting)".
# The lookahead is for speed alone: it names the first character of every
# alternative, so the engine leaves most positions after one test of a set
# instead of trying the eleven alternatives, each case-insensitively, at each.
_NAME_END = re.compile(
    r"(?=[fpurebds1(])(?:"
    r"\b(?:for|per|under)\s+(?:the\s+)?r[ea]{1,2}s?ons?\b|\br(?:ea|e|a)s?ons?\b|\bE\.?\s?O\.?\s*1\d{4}"
    r"|\b1\.[4-6]\b|\bbased\s+(?:on|upon)\b|\bdue\s+to\b|\bsection\s+1\.|\bfor\s+for\b"
    r"|\b(?:PER|per)\b|\(\s*acting\s*\)|\bunder\s+(?:section\s+)?1\.[4-6])",
    re.IGNORECASE,
)
# Words that are part of a title or office, not of a name.
_TITLE_WORDS = frozenset(
    """
    acting deputy chief of mission dcm charge chargé d'affaires daffaires a.i. ai ambassador
    amb political politicalofficer economic econ pol polec polecon econpol officer off poloff
    econoff polcouns econcouns polcounselor counselor counsellor minister consul general
    consulgeneral cg pc ec section head director assistant secretary under principal regional
    affairs senior advisor adviser coordinator special envoy representative permanent alternate
    attache attaché defense military public management consular legal rso pao dao dhs mgt the
    and for by classified interim acting/dcm ps pol/econ pol-econ pol/mil polmil polmiloff
    politico-military economics commercial agricultural labor labour officer-in-charge in
    charge deputy-chief office bureau division unit team leader spokesman spokesperson usun
    nato usnato us u.s. mr mrs ms dr amb. ambassador-at-large at large chief-of-mission
    principal-officer ministercounselor minister-counselor ministercounsellor dep dir depdir
    acting-director sr. sr ambassador/dcm chargé, chargé-d'affaires embassy consulate mission
    post staff ecopol polecon/chief pmo pmoff econ/pol poleconcouns pol/econcouns rmas rmo
    refcoord affaires d' cda a.i mincouns mc counselor,
    couns ecmin polmin polmincons mincons cons min econmin to of at on line added
    """.split()
)
# Titles misspelt by a letter ("Ambassaor", "Counselr", "Direcotr") are titles too.
_LONG_TITLE_WORDS = tuple(w for w in _TITLE_WORDS if len(w) >= 6 and w.isalpha())


def _without_one_letter(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _near_title_index() -> dict[str, frozenset[str]]:
    """Each long title word, and each with one letter deleted -> the title words.

    A word one edit from a title shares a key with it: a letter changed or two
    neighbours swapped leave the same word once one letter is deleted; a letter
    added or dropped makes one the other with a letter deleted.
    """
    index: dict[str, set[str]] = {}
    for word in _LONG_TITLE_WORDS:
        for key in (word, *_without_one_letter(word)):
            index.setdefault(key, set()).add(word)
    return {key: frozenset(words) for key, words in index.items()}


# The names of a release are many thousands, so most tokens are new to the
# cache of `_is_title_word`: comparing each with every long title (40 µs) cost
# more than all the rest of the field; the index leaves a few to compare.
_NEAR_TITLE = _near_title_index()


def _near_titles(word: str) -> set[str]:
    """The long title words that may be one edit from word (`_one_edit` decides)."""
    found: set[str] = set()
    for key in (word, *_without_one_letter(word)):
        found.update(_NEAR_TITLE.get(key, ()))
    return found


_PREPOSITIONS = frozenset(("to", "for", "of", "in", "at", "on"))
_PARTICLES = frozenset("de da del della der van von bin al el la le du dos das di ter ten".split())
_NAME_TOKEN = re.compile(
    r"^(?:[A-Z][A-Za-z'’\-]*\.?|[A-Z]\.(?:[A-Z]\.)*(?:[A-Z][A-Za-z'’\-]+)?|(?:Mc|Mac|O')[A-Z][a-z]+)$"
)
_SUFFIX = re.compile(r"^(?:JR|SR|II|III|IV)\.?$", re.IGNORECASE)
# "... David C. Litt for r" + page break + "easons 1.4": a word cut by the source.
_CUT_REASONS = re.compile(r"\s+for\s+r\w*\s*$")
# "REA" / "SONS", "for re" / "ason": the reasons word broken across a line.
_SPLIT_REASONS = re.compile(
    r"\b(r|re|rea|reas|reaso)[ \t]*\n[ \t]*(eason|ason|son|on|n)(s?)\b", re.I
)
# A name broken mid-word: "John Smi" / "th for reasons": a stub of one or two letters.
_SPLIT_NAME = re.compile(r"(?<=[A-Za-z]{2})[ \t]*\n[ \t]*([a-z]{1,2}|[A-Z]{1,2})(?=[ \t,.;]|$)")
# "Counselor:Steve Weston", "DCM/Ted Osius": a title glued to the name.
_GLUED = re.compile(r"(?<=[A-Za-z]{2})[:/](?=[A-Z][a-z])")
# Zero typed for O in a word: "AMBASSAD0R", "REAS0N".
_ZERO_IN_WORD = re.compile(r"(?<=[A-Za-z])0(?=[A-Za-z])")
_LINE_ADDED = re.compile(r"LINE[ \t]+ADDED\b", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@lru_cache(maxsize=4096)
def _is_title_word(token: str, mixed_case: bool) -> bool:
    t = token.strip(",;:()'’").rstrip(".").lower()
    if t in _TITLE_WORDS or "/" in t:
        return True
    if "-" in t and all(part in _TITLE_WORDS for part in t.split("-") if part):
        return True  # "Minister-Counsellor"
    bare = token.strip(",;:().'’")
    if _camel_title(bare):
        return True  # "PolMinCons"
    if len(t) >= 6 and t.isalpha() and any(_one_edit(t, w) for w in _near_titles(t)):
        return True
    # In mixed-case text an all-capitals word is an office ("DCM", "CDA",
    # "POLECON"); names are written capitalised. Initials ("A.") are names.
    return mixed_case and len(bare) >= 2 and bare.isupper() and bare.isalpha()


_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def _camel_title(word: str) -> bool:
    parts = _CAPITALISED.findall(word)
    return (
        len(parts) >= 2 and "".join(parts) == word and all(p.lower() in _TITLE_WORDS for p in parts)
    )


def _one_edit(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Upper-case names of countries and posts: "SUDAN", "SRI LANKA", "BUENOS AIRES"."""
    names = {info.meaning.upper() for info in glossary().values() if info.kind == "country"}
    names |= set(station_spellings())
    return frozenset(n for n in names if n)


def _without_place(name: list[str], stopped_at: str) -> list[str]:
    """After "AMBASSADOR TO SUDAN" the name starts after the place."""
    if stopped_at.lower().strip(",;:()") not in _PREPOSITIONS:
        return name
    for size in range(min(4, len(name) - 1), 0, -1):
        if " ".join(name[:size]).upper() in _places():
            return name[size:]
    return name


def _name_from_phrase(phrase: str) -> str:
    """The personal name that ends a phrase like "Acting DCM Marc Wall"."""
    tokens = phrase.replace("\n", " ").split()
    mixed_case = any(c.islower() for c in phrase)
    name: list[str] = []
    stopped_at = ""
    for token in reversed(tokens):
        clean = token.strip(",;:()'’")
        if not clean:
            break
        if clean.lower() in _PARTICLES and name:
            name.append(clean)
            continue
        if _is_title_word(clean, mixed_case) or not _NAME_TOKEN.match(clean):
            stopped_at = clean
            break
        name.append(clean)
    while name and name[-1].lower() in _PARTICLES:
        name.pop()
    name.reverse()
    name = _without_place(name, stopped_at)
    if not name or all(len(t.rstrip(".")) <= 1 for t in name):
        return ""
    return " ".join(name).rstrip(",")


_TRAILING_PUNCTUATION = re.compile(r"[\s.,;:\-]+$")


def _without_trailing_punctuation(chunk: str) -> str:
    """`_TRAILING_PUNCTUATION.sub("", chunk)`: its one match is the run of those
    characters that ends the chunk, found from the end instead of tried at every
    blank (`\\s` is `str.isspace`)."""
    end = len(chunk)
    while end and (chunk[end - 1] in ".,;:-" or chunk[end - 1].isspace()):
        end -= 1
    return chunk[:end]


_PERSON_SEPARATOR = re.compile(r"\s+(?:and|&)\s+|;", re.IGNORECASE)


def _people(chunk: str) -> list[str]:
    """`_PERSON_SEPARATOR.split(chunk)`; most chunks name one person and hold none of
    its words, which a few `in` tests tell for less than a scan with a pattern that
    begins with `\\s+` (tried at every blank).  No other character lowers to "and"."""
    if ";" not in chunk and "&" not in chunk and "and" not in chunk.lower():
        return [chunk]
    return _PERSON_SEPARATOR.split(chunk)


def _name_chunk(text: str, start: int) -> str:
    """The text after "Classified By", up to the reasons: words rejoined, typos undone."""
    chunk = text[start : start + 400].lstrip()
    chunk = _BLANK_LINE.split(chunk, maxsplit=1)[0]
    if "\n" in chunk:
        chunk = _SPLIT_REASONS.sub(r"\1\2\3", chunk)
        chunk = _SPLIT_NAME.sub(r"\1", chunk)
    if "for" in chunk:  # `_CUT_REASONS` starts with a blank: tried at every one
        chunk = _CUT_REASONS.sub("", chunk)
    if "0" in chunk:
        chunk = _ZERO_IN_WORD.sub("O", chunk)
    # The line sometimes repeats itself: "CLASSIFIED BY: CLASSIFIED BY POLITICAL ...".
    chunk = _CLASSIFIED_BY.sub("", chunk, count=1) if _CLASSIFIED_BY.match(chunk) else chunk
    end = _NAME_END.search(chunk)
    if end:
        chunk = chunk[: end.start()]
    chunk = chunk.replace("\n", " ")
    if ":" in chunk or "/" in chunk:  # `_GLUED` starts with a lookbehind: tried everywhere
        chunk = _GLUED.sub(" ", chunk)
    return _without_trailing_punctuation(chunk)


def parse_classified_by(text: str) -> list[str]:
    """The people named on the "Classified By:" line, as written, without their titles."""
    m = search_word(_CLASSIFIED_BY, text or "", "classified", HEAD)
    if not m or _LINE_ADDED.match(text, m.end()):  # "CLASSIFIED BY LINE ADDED": a correction
        return []
    names: list[str] = []
    for person in _people(_name_chunk(text, m.end())):
        parts = person.split(",")
        for i, part in enumerate(parts):
            name = _name_from_phrase(part)
            if name:
                suffix = parts[i + 1].strip() if i + 1 < len(parts) else ""
                if _SUFFIX.match(suffix):  # "THOMAS W. SIMONS, JR.", "RICHARD L. BALTIMORE, III"
                    word = suffix.rstrip(".")
                    name += ", " + (word + "." if word.upper() in {"JR", "SR"} else word)
                names.append(name)
                break
    return list(dict.fromkeys(names))


_REASONS = re.compile(
    r"\breasons?\s*:?\s*(?P<r>(?:1\.[4-6]|1\.5)[^\n]*?)(?:\.\s*$|\.\s+(?=[A-Z])|\n\s*\n|$)",
    re.IGNORECASE | re.MULTILINE,
)


def parse_reasons(text: str) -> str | None:
    """The classification reasons of the "Classified By" line: "1.4 (b) and (d)"."""
    m = search_word(_CLASSIFIED_BY, text or "", "classified", HEAD)
    if not m:
        return None
    chunk = text[m.end() : m.end() + 500].lstrip()
    first = chunk.split("\n\n")[0].replace("\n", " ")
    r = _REASONS.search(first) or _REASONS.search(chunk.replace("\n\n", "").replace("\n", " "))
    if not r:
        return None
    return collapse_spaces(r.group("r")).rstrip(" .,;")


# --- summary --------------------------------------------------------------------

# "SUMMARY:" opening a line or following a paragraph's marking ("1. (C) Summary:").
_SUMMARY_AT = re.compile(
    r"SUMMARY(?:[ \t]+AND[ \t]+(?:COMMENT|ACTION(?:[ \t]+REQUEST)?|INTRODUCTION))?[ \t]*(?::|\.|-{1,2}|\n)",
    re.IGNORECASE,
)
# Before "SUMMARY": a line's start, a marking's ")", or a paragraph number ("1. Summary:").
_BEFORE_SUMMARY = re.compile(
    r"(?:^|[\n)]|(?:^|\n)[ \t]*\d{1,2}\.)[ \t]*(?:BEGIN[ \t]+)?\Z", re.IGNORECASE
)


def _summary_start(body: str) -> int | None:
    """Where the summary's text begins, found from the word "summary" (fast)."""
    low = lowered(body)
    if len(low) == len(body):
        # Every character lowers to one: the lowered head is the head of the lowered text.
        head, end = low, HEAD
    else:
        head = body[:HEAD].lower()
        end = len(head)
    pos = head.find("summary", 0, end)
    while pos != -1:
        m = _SUMMARY_AT.match(body, pos)
        if m and _BEFORE_SUMMARY.search(body, max(0, pos - 12), pos):
            return m.end()
        pos = head.find("summary", pos + 7, end)
    return None


_SUMMARY_WORD = re.compile(r"^\s*(?:BEGIN\s+)?SUMMARY\s*[:.\-]+\s*", re.IGNORECASE)
_SUMMARY_END = re.compile(r"\bend\s+(?:of\s+)?summary\b")
_SUMMARY_END_ANY_CASE = re.compile(_SUMMARY_END.pattern, re.IGNORECASE)


def _summary_end(body: str, start: int = 0) -> int | None:
    """Where "END SUMMARY" (any case, "END OF SUMMARY") first starts at or after `start`.

    That is `_SUMMARY_END.search` in the lower-cased text, found from each
    "summary" backwards: `str.find` of a long word is fast, the pattern's
    scan for "end" in English text is not.
    """
    low = lowered(body)
    if len(low) != len(body):  # a character whose lower case is longer: keep offsets true
        m = _SUMMARY_END_ANY_CASE.search(body, start)
        return m.start() if m else None
    end = low.find("summary", start)
    while end != -1:
        after = end + 7
        if after == len(low) or not is_word_char(low[after]):
            where = _end_before(low, end)
            if where is not None and where >= start:
                return where
        end = low.find("summary", end + 1)
    return None


def _end_before(low: str, pos: int) -> int | None:
    """Where "end" + blanks, or "end" + blanks + "of" + blanks, that end at pos start (a word)."""
    words = _blanks_before(low, pos)
    if words is None:
        return None
    if low.endswith("of", 0, words):
        before_of = _blanks_before(low, words - 2)
        if before_of is not None and low.endswith("end", 0, before_of):
            words = before_of
    if not low.endswith("end", 0, words):
        return None
    where = words - 3
    return where if where == 0 or not is_word_char(low[where - 1]) else None


def _blanks_before(low: str, pos: int) -> int | None:
    """Where the run of whitespace (one or more, as \\s) that ends at pos starts."""
    start = pos
    while start > 0 and low[start - 1].isspace():
        start -= 1
    return start if start < pos else None


def parse_summary(text: str) -> str | None:
    """The text of the summary paragraph, without markings or the SUMMARY words."""
    if not text:
        return None
    body = remove_furniture(text)
    start = _summary_start(body)
    if start is not None:
        end = _summary_end(body, start)
        raw = body[start:end] if end is not None else _paragraph_from(body, start)
    else:
        end = _summary_end(body)
        if end is None:
            return None
        raw = body[_paragraph_start_before(body, end) : end]
    # "SUMMARY\n-------\n\n1. (C) ...": a heading, then the numbered paragraph.
    raw = raw.strip().removesuffix("(").lstrip("-= \n")
    summary = _LEADING_MARKING.sub("", _strip_paragraph_number(raw))
    summary = _LEADING_MARKING.sub("", _SUMMARY_WORD.sub("", summary))
    summary = collapse_spaces(summary).strip(" -:")
    return summary or None


def _strip_paragraph_number(text: str) -> str:
    m = PARAGRAPH_START.match(text)
    return text[m.end() :] if m else text


def _paragraph_from(body: str, pos: int) -> str:
    """From pos to the start of the next numbered paragraph (or a blank line)."""
    nxt = PARAGRAPH_LINES.search(body, pos)
    stop = line_start(nxt) if nxt else len(body)
    # A blank line (perhaps holding spaces) or a dashed heading ends it.
    for end in _PARAGRAPH_BREAK.finditer(body, pos + 1, stop):
        if body[pos : end.start()].strip():
            stop = end.start()
            break
    return body[pos:stop]


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n[ \t]*[-=_]{3,}[ \t]*(?=\n|$)")


def _paragraph_start_before(body: str, pos: int) -> int:
    """Where the paragraph containing pos starts: its number, or the blank line before it."""
    starts = [line_start(m) for m in PARAGRAPH_LINES.finditer(body, 0, pos)]
    blank = body.rfind("\n\n", 0, pos)
    candidates = [s for s in starts if s > blank] or ([blank + 2] if blank != -1 else [0])
    return candidates[-1]


# --- signers --------------------------------------------------------------------

_TRAILER_LINE = re.compile(
    r"^(?:BT|NNNN|#\d+|\d{4}|(?:UN)?CLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|NOFORN|SIPDIS|SENSITIVE"
    r"|LIMITED OFFICIAL USE|END(?: OF)? (?:CABLE|TEXT|MESSAGE).*|ADP\d*.*|NOTE BY .*|NOTE\s*:.*"
    r"|=*\s*CABLE ENDS\s*=*|\*+\s*MISSING SECTION.*|[\W_]+"
    r"|\d{2,4}[A-Z]+\d+ - CLASSIFICATION: .*)$",
    re.IGNORECASE,
)
_NOT_NAMES = {
    "END",
    "COMMENT",
    "SUMMARY",
    "SIPDIS",
    "NOFORN",
    "BT",
    "NNNN",
    "UNCLASSIFIED",
    "CONFIDENTIAL",
    "SECRET",
    "UNCLAS",
    "EXDIS",
    "NODIS",
    "LIMDIS",
    "THANKS",
    "MINIMIZE",
    "CONSIDERED",
    "NOTE",
    "ACTION",
    "INFO",
    "REQUEST",
    "TEXT",
    "CABLE",
    "MESSAGE",
    "ENDS",
    "QUOTE",
    "UNQUOTE",
    "PARA",
    "REGARDS",
    "DONE",
    "YES",
    "NO",
    "OK",
    "AMEN",
    "POINTS",
    "TEXT.",
    "SIGNED",
    "SECTION",
    "MISSING",
}
_PARTICLE = r"(?:van|von|de|da|del|du|le|la|di|al|el|bin|ter|ten|Van|Von|De|Da|Del|Du|Le|La|Di)"
_SIGNATURE = re.compile(
    rf"^((?:{_PARTICLE}[ ]+)?[A-Z][A-Za-z'\-]+(?:[ /]+(?:{_PARTICLE}[ ]+)?[A-Z][A-Za-z'\-]+\.?){{0,2}})"
    r"(?:[ ]*\.|[ ]+\d{4}-\d\d-\d\d)?$"
)
_PARTICLE_START = re.compile(_PARTICLE)
_SIGNATURE_AFTER_SENTENCE = re.compile(
    r"[.!?)\]\"'](?:\s+)([A-Z][A-Z'\-]+(?:\s+[A-Z][A-Z'\-]+){0,2}|[A-Z][a-z]{3,}(?:-[A-Z][a-z]+)?)\.?\s*$"
)


def _lines_from_end(text: str) -> Iterator[str]:
    """The non-blank lines of a text, stripped, last first: the end is read, not the whole."""
    end = len(text)
    while end >= 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            yield line
        end = start - 1


def _is_review_stamp(line: str) -> bool:
    """The declassification review stamp of old cables ("Margaret P. Grafeld
    Declassified/Released US Department of State EO Systematic Review 30 JUN 2005")."""
    upper = line.upper()
    return "DECLASSIFIED/RELEASED" in upper or "SYSTEMATIC REVIEW" in upper or "GRAFELD" in upper


def parse_signers(text: str) -> list[str]:
    """The name that signs the cable off at its end ("... END COMMENT. STEVENS")."""
    lines = _lines_from_end(remove_furniture(text or ""))
    last = next(lines, None)
    while last is not None and (_TRAILER_LINE.match(last) or _is_review_stamp(last)):
        last = next(lines, None)
    if last is None:
        return []
    # A marker run onto the name: "SMITH##".
    last = last.rstrip("#").rstrip() or last
    more_lines = next(lines, None) is not None
    candidates = []
    m = _SIGNATURE.match(last)
    if m and more_lines and (last.isupper() or len(last.split()) <= 2):
        candidates.append(m.group(1))
    m = _SIGNATURE_AFTER_SENTENCE.search(last)
    if m:
        candidates.append(m.group(1))
    for candidate in candidates:
        if _plausible_signature(candidate):
            return [candidate.rstrip(".")]
    return []


def _plausible_signature(candidate: str) -> bool:
    words = candidate.replace("/", " ").split()
    if any(w.upper().strip(".") in _NOT_NAMES for w in words):
        return False
    return candidate.isupper() or len(words) == 1 or bool(_PARTICLE_START.match(words[0]))
