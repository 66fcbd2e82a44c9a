"""A Pygments lexer for the raw text of a State Department cable.

It marks what a reader scans a telegram for: the routing header (VZCZC..., DE,
ZNR/ZNY, the date-time group, FM/TO/INFO), the classification banner, handling
captions (SIPDIS, NOFORN, ...), the E.O./TAGS/SUBJECT/REF/"Classified By" block,
paragraph numbers with their markings ("1. (C)", "¶2. (S//NF)"), END SUMMARY
style markers and the page-break lines that repeat the station and serial.

Only standard token types are used, so any Pygments style colours a cable.
Every rule is line-anchored or falls through to plain text, so the lexer
accepts any string: odd input comes out as Text, never as an Error token.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Generic,
    Keyword,
    Literal,
    Name,
    Number,
    Punctuation,
    Text,
    Whitespace,
)

__all__ = ["CableLexer"]

# Classification words as banners write them, spaced out or not.
_CLASSIFICATION = (
    r"(?:C O N F I D E N T I A L|S E C R E T|T O P {1,2}S E C R E T|U N C L A S"
    r"|CONFIDENTIAL|TOP SECRET|SECRET|UNCLASSIFIED|UNCLAS)"
)
# Qualifiers that follow the classification on the banner line.
_QUALIFIER = r"(?:SENSITIVE|EFTO|E F T O|NOFORN|SBU|FOUO|//[A-Z][A-Z/ ]*)"
# Handling captions that stand alone on their own line.
_CAPTION = (
    r"(?:SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|STADIS|ROGER|CHEROKEE|NOCONTRACT|ORCON|PROPIN"
    r"|EFTO|SENSITIVE(?: BUT UNCLASSIFIED)?|FOR OFFICIAL USE ONLY|SBU|DISSENT CHANNEL"
    r"|SECSTATE FOR [A-Z/ ]+)"
)
# Portion markings after a paragraph number: (U), (C), (SBU), (S//NF), (C/NF), (S-ENTIRE TEXT).
_MARKING = r"\((?:[A-Z]{1,4}(?:/{1,2}[A-Z]{1,8})*|[A-Z]{1,4}[ -]ENTIRE TEXT)\)"
# Section labels that open a paragraph or line: "SUMMARY:", "Comment:", "ACTION REQUEST:".
_LABEL = (
    r"(?:(?:SUMMARY|COMMENT|NOTE|BACKGROUND|ACTION REQUEST|BEGIN TEXT|END TEXT)"
    r"(?: AND (?:COMMENT|ACTION REQUEST|INTRODUCTION))?"
    r"|(?:Summary|Comment|Note|Background|Action [Rr]equest)(?: and [Cc]omment)?)[ \t]*:"
)
# "END SUMMARY.", "End Comment", "END OF NOTE", "BEGIN TEXT" wherever they occur.
_END_MARKER = r"(?i:(?:end|begin)\s+(?:of\s+)?(?:summary|comment|note|text|action request)\b\.?)"
# Plain text up to the end of the line or the next END/BEGIN marker. One token per run
# keeps the token stream (and the HTML) small; the lookahead only runs at an E or a B.
_PLAIN = (
    r"(?:[^\nEeBb]|[Ee](?!(?i:nd\s+(?:of\s+)?(?:summary|comment|note|text|action request)\b))"
    r"|[Bb](?!(?i:egin\s+(?:summary|comment|note|text)\b)))+"
)
_DATE = r"\d{1,2}/\d{1,2}/\d{2,4}"
_BLANK_OR_HEADER_AHEAD = (
    r"(?=[ \t]*(?:\n|$|REF|Ref|Classified|CLASSIFIED|¶|\d{1,3}\.[ \t]|E\.\s?O\.|TAGS|SUBJ))"
)


def _block(token: Any) -> list[tuple[Any, ...]]:
    """Rules for a field that runs on until a blank line or the next header line."""
    return [
        (r"\n" + _BLANK_OR_HEADER_AHEAD, Whitespace, "#pop"),
        (r"\n", Whitespace),
        (r"[^\n]+", token),
    ]


class CableLexer(RegexLexer):
    """Raw cable text: routing header, banner, metadata block and body."""

    name = "Cable"
    aliases: ClassVar[list[str]] = ["cable", "telegram"]
    filenames: ClassVar[list[str]] = []
    mimetypes: ClassVar[list[str]] = ["text/x-cable"]

    tokens: ClassVar[dict[str, list[Any]]] = {
        "root": [
            (r"^(?:[ \t]*\n)+", Whitespace),
            # --- routing header ---------------------------------------------------
            (r"^(?:VZCZC[A-Z0-9]*|BT|NNNN|ZN[RY] [A-Z ]+)[ \t]*$", Comment.Preproc),
            (r"^[OPRZ]{1,2}(?: [A-Z]{4,8})+[ \t]*$", Comment.Preproc),  # "PP RUEHWEB"
            (r"^(DE)( [A-Z]{4,8} #[^\n]*)$", bygroups(Keyword, Comment.Preproc)),
            (
                r"^([OPRZ](?: [OPRZ])?)( )(\d{6}Z [A-Z]{3} \d{2,4})([^\n]*)$",
                bygroups(Keyword.Constant, Whitespace, Literal.Date, Comment.Preproc),
            ),
            (r"^(FM)([ \t]+)([^\n]*)$", bygroups(Keyword, Whitespace, Name.Entity)),
            (r"^(TO|INFO)([ \t]+)", bygroups(Keyword, Whitespace), "addressees"),
            # --- banner and captions ---------------------------------------------
            (
                r"^(" + _CLASSIFICATION + r")((?:[ \t]+" + _QUALIFIER + r")*)"
                r"([ \t]+SECTION[ \t]+\d+[ \t]+OF[ \t]+\d+)?"
                r"([ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{2,8})?([ \t]*)$",
                bygroups(
                    Generic.Heading, Generic.Heading, Generic.Subheading, Name.Label, Whitespace
                ),
            ),
            (r"^(?:C O R R E C T E D\s+C O P Y|CORRECTED COPY)[^\n]*$", Generic.Subheading),
            (
                r"^([ \t]*)(" + _CAPTION + r"(?:[ \t,]+" + _CAPTION + r")*)([ \t]*)$",
                bygroups(Whitespace, Keyword, Whitespace),
            ),
            # --- metadata block --------------------------------------------------
            (r"^(E\.\s?O\.\s*\d{5}|EO \d{5})(:?)", bygroups(Keyword, Punctuation), "eo"),
            (r"^(TAGS)(:?)", bygroups(Keyword, Punctuation), "tags"),
            (r"^(SUBJECT|SUBJ)(:)", bygroups(Keyword, Punctuation), "subject"),
            (r"^(REFS?|REFTELS?|REFERENCES?|Refs?)(:)", bygroups(Keyword, Punctuation), "ref"),
            (
                r"^([ \t]*)(Classified [Bb]y|CLASSIFIED BY|Derived [Ff]rom|DERIVED FROM)(:?)",
                bygroups(Whitespace, Keyword, Punctuation),
                "classified",
            ),
            # --- body ------------------------------------------------------------
            (
                r"^([ \t]*)(¶?\d{1,3}\.|¶ ?\d{1,3}\.?)(?=[ \t])([ \t]+)(" + _MARKING + r")?"
                r"([ \t]*)(" + _LABEL + r")?",
                bygroups(
                    Whitespace, Name.Label, Whitespace, Name.Decorator, Whitespace, Keyword.Pseudo
                ),
            ),
            (
                r"^([ \t]*)([A-Z]\.)([ \t]+)(" + _MARKING + r")",
                bygroups(Whitespace, Name.Label, Whitespace, Name.Decorator),
            ),
            (r"^([ \t]*)(" + _LABEL + r")", bygroups(Whitespace, Keyword.Pseudo)),
            # Page breaks repeat station and serial: "PARIS 00001040  002 OF 003", and in
            # older cables "PAGE 02        ROME  03639  01 OF 03  231626Z".
            (
                r"^((?:PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{5,8}"
                r"(?:[ \t]+\d{2,3}[ \t]+OF[ \t]+\d{2,3})?"
                r"|[A-Z][A-Z .'-]*?[ \t]+\d{5,8}[ \t]+\d{2,3}[ \t]+OF[ \t]+\d{2,3})"
                r"(?:[ \t]+\d{6}Z)?)([ \t]*)$",
                bygroups(Comment, Whitespace),
            ),
            # A heading is a short line underlined (or framed) by a line of dashes.
            (r"^[^\n \t-][^\n]{0,79}(?=\n[ \t]*-{3,}[ \t-]*$)", Generic.Subheading),
            (r"^[ \t]*-{3,}[ \t-]*$", Punctuation),
            (_END_MARKER, Keyword.Pseudo),
            (_PLAIN, Text),
            (r"\n", Whitespace),
        ],
        "addressees": [
            # Continuation lines of TO/INFO: "RUEHBO/AMEMBASSY BOGOTA 7397", "  DS-00 ...".
            (r"\n(?=[A-Z]{4,8}/|[ \t]+[A-Z]+-\d\d)", Whitespace),
            # A bare upper-case line is one more addressee, unless the banner starts there.
            (
                r"\n(?!"
                + _CLASSIFICATION
                + r"|"
                + _CAPTION
                + r"|(?:BT|INFO|TO|FM|XMT|CC)\b)(?=[A-Z][A-Z0-9 .,'&()/-]*\n)",
                Whitespace,
            ),
            (r"\n", Whitespace, "#pop"),
            (r"[A-Z]{4,8}/", Comment.Preproc),
            (r"\b(?:NIACT IMMEDIATE|IMMEDIATE|PRIORITY|ROUTINE|FLASH)\b", Keyword.Constant),
            (r"\b\d+\b", Number),
            (r"[ \t]+", Whitespace),
            (r"[^\n \t]+", Name.Entity),
        ],
        "eo": [
            (r"\n", Whitespace, "#pop"),
            (r"DECL(?:ASSIFY)?(?:[ \t]+ON)?:?", Keyword),
            (_DATE, Literal.Date),
            (r"\b(?:N/A|NA|OADR|X\d|MR|25X\d|1\.[4-6])\b", Name.Constant),
            (r"[ \t]+", Whitespace),
            (r"[^\n \t]+?(?=[ \t\n]|$|\d{1,2}/)", Text),
            (r"[^\n]", Text),
        ],
        "tags": [
            # A following line of bare codes still belongs to TAGS ("...OECD PREL\nEUN").
            (r"\n(?=[A-Z]{2,6}(?:[ \t,]+[A-Z]{2,6})*[ \t]*\n)", Whitespace),
            (r"\n", Whitespace, "#pop"),
            (r"[,;]", Punctuation),
            (r"[ \t]+", Whitespace),
            (r"[^\n \t,;]+", Name.Tag),
        ],
        "subject": _block(Generic.Subheading),
        "ref": [
            (r"\n" + _BLANK_OR_HEADER_AHEAD, Whitespace, "#pop"),
            (r"\n", Whitespace),
            # A cited cable: "06 KINGSTON 1280", "STATE 70129", "B. 02 OTTAWA 3556".
            (
                r"(?:\d{2,4}[ \t]+)?[A-Z][A-Z-]*(?:[ \t][A-Z][A-Z-]*){0,3}[ \t]+\d{1,6}\b",
                Name.Label,
            ),
            (r"[ \t]+", Whitespace),
            (r"[^\n \t]+", Text),
        ],
        "classified": _block(Comment.Special),
    }

    def __init__(self, **options: Any) -> None:
        # Leading blank lines are part of the cable as received; keep them unless asked.
        options.setdefault("stripnl", False)
        super().__init__(**options)
