"""Turn a format's raw parts (`Source`) into a `Cable`.

This is where the banner gives station, serial and classification, the
routing header gives the creation time, the header fields are parsed, the
body is cut into paragraphs, and the canonical id is made.  Metadata the
source states outright (front matter, the viewer's table, the dump's
columns) wins over what the text suggests; disagreements become warnings.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from functools import lru_cache

from generator.model import Cable, Paragraph, Reference
from generator.parse import fields
from generator.parse.classification import classification_from, normalise_classification
from generator.parse.dates import infer_created, parse_datetime
from generator.parse.fastmatch import LinePattern, line_start
from generator.parse.ids import canonical_id, canonical_station, full_year, make_id, split_id
from generator.parse.patterns import (
    BANNER_LINES,
    DTG,
    MONTHS,
    PARAGRAPH_LINES,
    PARAGRAPH_START,
)
from generator.parse.references import parse_reference_items
from generator.parse.source import Source, path_stem
from generator.parse.text import remove_furniture
from generator.reference.stations import is_station, origin_name

_CAPTION_WORDS = r"(?:SENSITIVE|E[ ]?F[ ]?T[ ]?O|NOFORN|SIPDIS|EXDIS|NODIS|LIMDIS|STADIS|ROGER|CHEROKEE|FOR[ ]OFFICIAL[ ]USE[ ]ONLY|//[A-Z ]+)"
_BANNER_REST = re.compile(
    rf"^[ \t/]*(?P<captions>(?:{_CAPTION_WORDS}[ \t]+)*)"
    # "SECTION 01 OF 02", also as OCR left it ("ECTION 01 OF 02", "SECTON ...").
    r"(?:[A-Z]{4,8}[ \t]+(?P<section>\d{1,2})[ \t]+OF[ \t]+(?P<sections>\d{1,2})[ \t]+)?"
    r"(?!SECTION\b)(?P<station>[A-Z][A-Z .'\-]*?)[ \t]+(?P<serial>\d{1,7})\b(?P<after>.*)$"
)
_FM_LINE = re.compile(
    r"^[ \t]*FM[ \t]+(?:AMEMBASSY|AMCONSUL|AMCONGEN|USMISSION|USINT|USLO|AMEMB|USDEL)?[ \t]*(?P<station>[A-Z][A-Z .'\-]+?)"
    r"(?:[ \t]+(?:WASHDC|WASHINGTON DC|DC))?[ \t]*$",
    re.MULTILINE,
)
_ROUTING_LINE = re.compile(
    r"^[ \t]*(?:VZCZC|ZZ|ZNR|ZNY|ZEN|ZFR|DE[ \t]+R|FM[ \t]|TO[ \t]|INFO[ \t]|BT$|RUE|RHE|RHM|R[ \t]|P[ \t]|O[ \t]|Z[ \t]|"
    r"PP[ \t]|OO[ \t]|RR[ \t]|ZZ[ \t]|[A-Z]{2,4}[ \t]+[A-Z]{4,5}\b|AMEMBASSY|AMCONSUL|USMISSION|SECSTATE|\d{6}Z)",
)
_CAPTION_START = re.compile(r"^[ \t/]*" + _CAPTION_WORDS)
_CAPTION_LINE = re.compile(rf"^[ \t/]*{_CAPTION_WORDS}[ \t]*$")
_FIELD_BELOW_BANNER = re.compile(
    r"^[ \t]*(?:E\.?[ \t]?O\.?|TAGS|SUBJ|REF|CLASSIFIED BY|\d+\.)", re.I
)
_STATION_IN_ID = re.compile(r"^\d{2}([A-Z]+?)\d+$")
_ID_LIKE = re.compile(r"^\d{2}[A-Z]+\d+$")


def assemble(src: Source) -> Cable:
    """The Cable for one source; never raises on odd text (problems become warnings)."""
    warnings = list(src.warnings)
    header, body = _split_header(src.header, src.body)
    clean = remove_furniture(body)
    banner = _find_banner(clean)
    station, serial, level_word, captions = _read_banner(banner, clean)
    if not station:
        station = _station_from_header(header)

    created = _created(src, header, warnings)
    decl = fields.parse_declassify_on(clean)
    # The file name's year counts only for a cable the source does not date.
    name_year = _year_from_file_name(src.source_path, station, serial) if created is None else None
    inferred = bool(src.meta.get("created_inferred")) and created is not None
    if created is None and not src.meta.get("id"):
        undated_refs = _references(src, clean, None, None)
        created = _infer(clean, undated_refs, decl, name_year, warnings)
        inferred = created is not None
    year = created.year if created else name_year

    cable_id, raw_id = _cable_id(src, year, station, serial, warnings)
    if cable_id and not station:
        station = _station_of(cable_id)
    month = created.month if created else None
    references = tuple(_references(src, clean, year, cable_id, month))
    subject = fields.parse_subject(clean) or src.fallback_subject
    signers = fields.parse_signers(clean)
    classification = _classification(src, level_word, captions, warnings)
    return Cable(
        id=cable_id,
        created=created,
        released=_released(src),
        origin=str(src.meta.get("origin") or (origin_name(station) if station else "")),
        station=station,
        classification=classification,
        tags=tuple(_tags(src, clean)),
        subject=str(src.meta.get("subject") or subject),
        references=references,
        classified_by=tuple(fields.parse_classified_by(clean)),
        reasons=fields.parse_reasons(clean),
        declassify_on=decl,
        summary=fields.parse_summary(clean),
        signers=tuple(signers),
        header=header.strip("\n"),
        body=body.strip("\n"),
        paragraphs=tuple(_without_signature(parse_paragraphs(clean), signers)),
        partial=bool(src.meta.get("partial", src.partial)),
        source_format=src.source_format,
        source_path=src.source_path,
        warnings=tuple(warnings),
        raw_id=raw_id,
        source=_str_or_none(src.meta.get("source")),
        note=_str_or_none(src.meta.get("note")),
        created_inferred=inferred,
    )


# --- header and banner ------------------------------------------------------------


def _split_header(header: str, body: str) -> tuple[str, str]:
    """Separate a routing header that came inside the body (raw telegrams)."""
    if header.strip():
        return header, body
    banner = _find_banner(body)
    if banner is None or line_start(banner) == 0:
        return "", body
    # The banner starts a line: what is above it is the header, if it looks like one.
    above = body[: line_start(banner) - 1]
    top = [ln for ln in above.split("\n") if ln.strip()]
    if (
        top
        and all(_ROUTING_LINE.match(ln) or ln.strip().isupper() for ln in top)
        and any(DTG.search(ln) or ln.lstrip().startswith(("FM ", "VZCZC", "TO ")) for ln in top)
    ):
        return above, body[line_start(banner) :]
    return "", body


@lru_cache(maxsize=8)
def _find_banner(body: str) -> re.Match[str] | None:
    """The classification banner: the first banner-shaped line near the top.

    Cached: the header split, the banner and the paragraphs all ask for it.
    """
    # Within the first 4,000 characters, as in a copy of them (`$` matches at endpos).
    for m in BANNER_LINES.finditer(body, 0, 4000):
        rest = m.group("rest")
        # "CONFIDENTIAL" alone, or followed by section/station/serial; not prose.
        if not rest.strip() or _BANNER_REST.match(rest) or _CAPTION_START.match(rest):
            return m
    return None


def _read_banner(banner: re.Match[str] | None, body: str) -> tuple[str, int | None, str, str]:
    """(station, serial, classification word, caption text) from the banner."""
    if banner is None:
        return "", None, "", ""
    rest = banner.group("rest")
    captions = _caption_text(body, banner.end(), rest)
    m = _BANNER_REST.match(rest) or _station_line_below(body, banner.end())
    if not m:
        return "", None, banner.group("cls"), captions
    station = canonical_station(m.group("station"))
    return station, int(m.group("serial")), banner.group("cls"), captions


def _station_line_below(body: str, banner_end: int) -> re.Match[str] | None:
    """A banner whose station and serial went onto the next line ("BAGHDAD 002782")."""
    for line in _lines_below(body, banner_end, 5):
        if not line.strip():
            continue
        m = _BANNER_REST.match(line)
        if m and is_station(canonical_station(m.group("station"))) and not m.group("after").strip():
            return m
        if not _CAPTION_LINE.match(line):
            return None
    return None


def _caption_text(body: str, banner_end: int, rest: str) -> str:
    """The banner's own words and the handling captions under it, up to the fields."""
    below = []
    for line in _lines_below(body, banner_end, 11):
        if line and _FIELD_BELOW_BANNER.match(line):  # a blank line is never a field
            break
        below.append(line)
    return rest + "\n" + "\n".join(below)


def _lines_below(body: str, pos: int, count: int) -> list[str]:
    """`body[pos:].split("\\n")[1 : count + 1]` without copying the rest of the body."""
    lines = []
    start = body.find("\n", pos)
    while start != -1 and len(lines) < count:
        end = body.find("\n", start + 1)
        lines.append(body[start + 1 : end if end != -1 else len(body)])
        start = end
    return lines


def _station_from_header(header: str) -> str:
    m = _FM_LINE.search(header)
    return canonical_station(m.group("station")) if m else ""


def _station_of(cable_id: str) -> str:
    m = _STATION_IN_ID.match(cable_id)
    return m.group(1) if m else ""


# --- dates --------------------------------------------------------------------------


def _created(src: Source, header: str, warnings: list[str]) -> datetime | None:
    if src.meta.get("created"):
        parsed = parse_datetime(src.meta["created"])
        if parsed is None:
            warnings.append(f"created: cannot read the date {src.meta['created']!r}")
        else:
            return parsed
    m = DTG.search(header)
    if not m:
        return None
    return _dtg_datetime(m, warnings)


def _dtg_datetime(m: re.Match[str], warnings: list[str]) -> datetime | None:
    year = int(m.group("year"))
    year = year if year > 100 else full_year(year)
    try:
        return datetime(
            year,
            MONTHS[m.group("month")],
            int(m.group("day")),
            int(m.group("hour")),
            int(m.group("minute")),
        )
    except ValueError:
        warnings.append(f"date-time group {m.group(0)!r} is not a valid date")
        return None


def _released(src: Source) -> date | None:
    raw = src.meta.get("released")
    if not raw:
        return None
    parsed = parse_datetime(raw)
    return parsed.date() if parsed else None


_DIGITS = tuple("0123456789")


def _year_from_file_name(path: str | None, station: str, serial: int | None) -> int | None:
    """The year of a file named after its cable ("00ANKARA8112.txt"), if it is that cable."""
    if not path:
        return None
    stem = path_stem(path.rsplit(":", 1)[0] if path.endswith(_DIGITS) else path)
    parts = split_id(canonical_id(stem))
    if parts is None:
        return None
    yy, name_station, name_serial = parts
    if (station and name_station != station) or (serial and name_serial != serial):
        return None
    return full_year(int(yy))


def _infer(
    body: str,
    references: list[Reference],
    decl: str | None,
    name_year: int | None,
    warnings: list[str],
) -> datetime | None:
    ref_years = [full_year(int(r.id[:2])) for r in references if r.id and r.id[:2].isdigit()]
    inferred = infer_created(body, ref_years if name_year is None else [], decl)
    if name_year is not None and (inferred is None or inferred.year != name_year):
        warnings.append(f"no date in the source: the year {name_year} is taken from the file name")
        return None
    if inferred is None:
        warnings.append("no date in the source and none could be inferred from the text")
        return None
    warnings.append(
        f"no date in the source: created inferred as {inferred:%Y-%m-%d} from the text "
        "(declassification date, cited cables, dates it mentions as past)"
    )
    return inferred


# --- id -------------------------------------------------------------------------------


def _cable_id(
    src: Source, year: int | None, station: str, serial: int | None, warnings: list[str]
) -> tuple[str, str | None]:
    """(canonical id, the source's own spelling when it differs)."""
    from_text = make_id(year, station, serial) if year and station and serial else ""
    meta_raw = src.meta.get("id")
    if meta_raw:
        # The importer records the source's malformed spelling as raw_id.
        raw = str(src.meta.get("raw_id") or meta_raw).strip()
        cid = canonical_id(str(meta_raw))
        if from_text and from_text != cid:
            warnings.append(f"the source says id {raw} but the banner reads {from_text}")
        return cid, (raw if raw != cid else None)
    if not from_text and _fits(src.fallback_id, year, station, serial):
        warnings.append(f"no id in the text: using {src.fallback_id} from the record's _id field")
        return src.fallback_id, None
    if not from_text:
        missing = [
            w for w, v in (("year", year), ("station", station), ("serial", serial)) if not v
        ]
        warnings.append(f"cannot make the cable id: no {', no '.join(missing)}")
    return from_text, None


def _fits(candidate: str, year: int | None, station: str, serial: int | None) -> bool:
    """Does a hinted id agree with whatever the text and the date do say?"""
    parts = split_id(candidate) if candidate else None
    if parts is None:
        return False
    yy, hinted_station, hinted_serial = parts
    return (
        (year is None or int(yy) == year % 100)
        and (not station or hinted_station == station)
        and (serial is None or hinted_serial == serial)
    )


# --- other fields ------------------------------------------------------------------


def _references(
    src: Source, body: str, year: int | None, own_id: str | None, month: int | None = None
) -> list[Reference]:
    items = parse_reference_items(body, year, own_id or None, month)
    found = {r.id for r in items if r.id}
    listed = src.meta.get("references") or src.listed_references
    for raw in (
        listed if isinstance(listed, list | tuple) else str(listed).replace("|", ",").split(",")
    ):
        cid = canonical_id(str(raw))
        if _ID_LIKE.match(cid) and cid not in found and cid != own_id:
            items.append(Reference("", str(raw).strip(), cid))
            found.add(cid)
    return items


def _tags(src: Source, body: str) -> list[str]:
    meta = src.meta.get("tags")
    if meta:
        if isinstance(meta, str):
            return fields.parse_tags("TAGS: " + meta)
        return [str(t).strip().upper() for t in meta if str(t).strip()]
    return fields.parse_tags(body)


def _classification(src: Source, level_word: str, captions: str, warnings: list[str]) -> str:
    if src.meta.get("classification"):
        return normalise_classification(src.meta["classification"])
    if not level_word:
        warnings.append("no classification banner found")
        return ""
    return classification_from(level_word, captions)


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


# --- paragraphs --------------------------------------------------------------------

_PREAMBLE_FIELD = re.compile(
    r"^[ \t]*(?:E\.?[ \t]?O\.?[ \t]*\d{5}|TAGS?\b|SUBJ(?:ECT)?[ \t]*:|REF(?:ERENCE)?S?\b|REFTELS?\b|CLASSIFIED[ \t]+BY)",
    re.IGNORECASE | re.MULTILINE,
)
_PREAMBLE_FIELDS = LinePattern(_PREAMBLE_FIELD, first="[ETSRC]")
_CONTINUATION = re.compile(
    r"^[ \t]*(?:[a-z]|--|-[ \t]|\*|o[ \t]|\([a-z0-9]{1,3}\)|[a-z0-9][.)][ \t])"
)


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_MARKING_START = re.compile(r"^[ \t]*\((U|C|S|SBU|S//NF|C//NF|S/NF|C/NF|LOU)\)[ \t]+")


def _preamble_end(body: str) -> int:
    """Where the message proper begins: after the last header field's block."""
    first_para = PARAGRAPH_LINES.search(body)
    limit = line_start(first_para) if first_para else min(len(body), 6000)
    last = None
    for m in _PREAMBLE_FIELDS.finditer(body, 0, limit):
        last = m
    if last is None:
        banner = _find_banner(body)
        return banner.end() if banner else 0
    blank = _BLANK_LINE.search(body, last.end())
    end = blank.end() if blank else len(body)
    return min(end, limit) if first_para else end


_TRANSMISSION_TRAILER = re.compile(r"(?:\n[ \t]*(?:BT|NNNN|#\d{3,5}|\d{4})[ \t]*)+\s*\Z")


def _without_trailer(text: str) -> str:
    """The text without its transmission trailer (BT, #0311, NNNN), looked for at the end only.

    That is the trailer pattern removed from the last 200 characters.  It
    can match only where the text ends in BT, NNNN or a number, and only
    from a newline: the newlines of the end are tried in order.
    """
    last = text.rstrip()[-1:]
    if last not in ("T", "N") and not last.isdecimal():
        return text
    newline = text.find("\n", max(0, len(text) - 200))
    while newline != -1:
        if _TRANSMISSION_TRAILER.match(text, newline):
            return text[:newline]
        newline = text.find("\n", newline + 1)
    return text


def _without_signature(paragraphs: list[Paragraph], signers: list[str]) -> list[Paragraph]:
    """The signature is shown on its own; it is not part of the last paragraph."""
    if not paragraphs or not signers:
        return paragraphs
    last = paragraphs[-1]
    if last.number is None and last.text.strip() == signers[-1]:
        return paragraphs[:-1]
    lines = last.text.rstrip().split("\n")
    if len(lines) > 1 and lines[-1].strip() == signers[-1]:
        text = "\n".join(lines[:-1]).rstrip()
        return [*paragraphs[:-1], Paragraph(last.number, last.marking, text)]
    return paragraphs


def parse_paragraphs(body: str) -> list[Paragraph]:
    """The message cut into paragraphs, each with its number and marking."""
    text = _without_trailer(body[_preamble_end(body) :])
    paragraphs: list[Paragraph] = []
    for block in _BLANK_LINE.split(text):
        if not block or block.isspace():  # as `not block.strip()`, without the copy
            continue
        # A block of one line holds one paragraph at most.
        for piece in _split_numbered(block) if "\n" in block else (block,):
            m = PARAGRAPH_START.match(piece)
            if m:
                number, mark = m.group("num", "mark")
                # A marking starts with a letter: without its spaces it is never empty.
                marking = mark.replace(" ", "") if mark else None
                paragraphs.append(Paragraph(int(number), marking, _dedent(piece[m.end() :])))
            elif paragraphs and paragraphs[-1].number is not None and _CONTINUATION.match(piece):
                last = paragraphs[-1]
                paragraphs[-1] = Paragraph(
                    last.number, last.marking, f"{last.text}\n\n{_dedent(piece)}"
                )
            else:
                mark = _MARKING_START.match(piece)
                marking = mark.group(1) if mark else None
                paragraphs.append(
                    Paragraph(None, marking, _dedent(piece[mark.end() :] if mark else piece))
                )
    return paragraphs


def _split_numbered(block: str) -> list[str]:
    """A block may hold several numbered paragraphs with no blank line between them."""
    starts = [line_start(m) for m in PARAGRAPH_LINES.finditer(block)]
    if not starts or starts == [0]:
        return [block]
    bounds = ([0] if starts[0] != 0 else []) + starts + [len(block)]
    return [block[a:b].strip("\n") for a, b in itertools.pairwise(bounds) if block[a:b].strip()]


def _dedent(text: str) -> str:
    text = text.strip()
    if "\n" not in text:  # most paragraphs are one line of text
        return text
    return "\n".join(line.strip() for line in text.split("\n"))
