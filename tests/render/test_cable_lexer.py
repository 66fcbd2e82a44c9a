"""The Pygments lexer for raw cable text: real telegrams, odd input, any string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.token import (
    Comment,
    Error,
    Generic,
    Keyword,
    Literal,
    Name,
    Token,
    _TokenType,
)
from repo import DEV_CORPUS

from generator.render.highlight.lexer import CableLexer

TELEGRAMS = DEV_CORPUS / "telegram"

HEADER = """\
VZCZCXYZ0015
PP RUEHWEB
DE RUEHKG #0382 0781558
ZNR UUUUU ZZH
P 191558Z MAR 07
FM AMEMBASSY KINGSTON
TO RUEHC/SECSTATE WASHDC PRIORITY 4496
INFO RUEHBO/AMEMBASSY BOGOTA 7397
RUEHBR/AMEMBASSY BRASILIA 3851
BT
C O N F I D E N T I A L SECTION 01 OF 02 OTTAWA 000049

SIPDIS
NOFORN

E.O. 12958: DECL: 01/07/2012
TAGS: PREL, MARR, CA
SUBJECT: YOUR MEETING WITH CANADIAN DEFENSE MINISTER
ON JANUARY 9

REF: A. 02 OTTAWA 3442 B. STATE 70129

Classified By: Charge d'Affaires Michael Gallagher,
Reasons 1.5 (b) and (d).

1. (C) Canadian Defense Minister John McCallum is looking
forward to the meeting.  END SUMMARY.
\xb62. (S//NF) More text.
3. (SBU) Even more.
TRIPOLI 00000220  002 OF 003
End Comment.
"""


def lex(text: str) -> list[tuple[_TokenType, str]]:
    return list(CableLexer(stripnl=False, ensurenl=False).get_tokens(text))


def tokens_of(text: str, token: _TokenType) -> list[str]:
    return [value.strip() for kind, value in lex(text) if kind in token and value.strip()]


def telegram_texts() -> list[str]:
    return [path.read_text(encoding="latin-1") for path in sorted(TELEGRAMS.glob("*.txt"))]


def test_routing_header() -> None:
    assert tokens_of(HEADER, Comment.Preproc)[:4] == [
        "VZCZCXYZ0015",
        "PP RUEHWEB",
        "RUEHKG #0382 0781558",
        "ZNR UUUUU ZZH",
    ]
    assert tokens_of(HEADER, Literal.Date)[0] == "191558Z MAR 07"
    assert "BT" in tokens_of(HEADER, Comment.Preproc)
    assert {"FM", "TO", "INFO", "DE"} <= set(tokens_of(HEADER, Keyword))
    entities = tokens_of(HEADER, Name.Entity)
    assert entities[0] == "AMEMBASSY KINGSTON"
    assert "BRASILIA" in entities  # a continuation line of INFO
    assert "PRIORITY" in tokens_of(HEADER, Keyword.Constant)


def test_banner_and_captions() -> None:
    assert tokens_of(HEADER, Generic.Heading) == ["C O N F I D E N T I A L"]
    assert "SECTION 01 OF 02" in tokens_of(HEADER, Generic.Subheading)
    assert "OTTAWA 000049" in tokens_of(HEADER, Name.Label)
    assert {"SIPDIS", "NOFORN"} <= set(tokens_of(HEADER, Keyword))


@pytest.mark.parametrize(
    "banner",
    [
        "UNCLAS KINGSTON 000382",
        "UNCLAS SENSITIVE KINGSTON 000382",
        "CONFIDENTIAL PARIS 001007",
        "S E C R E T SECTION 02 OF 03 BAGHDAD 002346",
        "SECRET",
        "S E C R E T",
        "UNCLASSIFIED",
        "CONFIDENTIAL",
    ],
)
def test_banner_variants(banner: str) -> None:
    assert tokens_of(banner + "\n", Generic.Heading), banner


def test_metadata_block() -> None:
    assert tokens_of(HEADER, Name.Tag) == ["PREL", "MARR", "CA"]
    assert "01/07/2012" in tokens_of(HEADER, Literal.Date)
    assert tokens_of(HEADER, Generic.Subheading)[-2:] == [
        "YOUR MEETING WITH CANADIAN DEFENSE MINISTER",
        "ON JANUARY 9",
    ]
    assert tokens_of(HEADER, Name.Label)[1:3] == ["02 OTTAWA 3442", "STATE 70129"]
    classified = tokens_of(HEADER, Comment.Special)
    assert classified == ["Charge d'Affaires Michael Gallagher,", "Reasons 1.5 (b) and (d)."]
    assert {"E.O. 12958", "TAGS", "SUBJECT", "REF", "Classified By", "DECL:"} <= set(
        tokens_of(HEADER, Keyword)
    )


def test_body_paragraphs_markers_and_page_breaks() -> None:
    assert tokens_of(HEADER, Name.Decorator) == ["(C)", "(S//NF)", "(SBU)"]
    assert {"1.", "\xb62.", "3."} <= set(tokens_of(HEADER, Name.Label))
    assert tokens_of(HEADER, Keyword.Pseudo) == ["END SUMMARY.", "End Comment."]
    assert tokens_of(HEADER, Comment)[-1:] == ["TRIPOLI 00000220  002 OF 003"]


@pytest.mark.parametrize(
    "line",
    ["PARIS 00001040  003 OF 003", "PAGE 02        ROME  03639  01 OF 03  231626Z"],
)
def test_page_break_lines_are_comments(line: str) -> None:
    assert tokens_of(line + " \n", Comment) == [line]
    assert tokens_of("THE MINISTER SAID 12345\n", Comment) == []


def test_body_text_is_plain() -> None:
    text = "The minister said SECRET talks would END soon; ending the summary.\n"
    assert [kind for kind, _ in lex(text)] == [Token.Text, Token.Text.Whitespace]


@pytest.mark.skipif(not TELEGRAMS.exists(), reason="needs ../shared/corpus/dev/telegram")
def test_real_telegrams_lex_without_errors_and_find_their_structure() -> None:
    texts = telegram_texts()
    assert len(texts) >= 8
    for text in texts:
        tokens = lex(text)
        assert "".join(value for _, value in tokens) == text.replace("\r\n", "\n")
        kinds = {kind for kind, _ in tokens}
        assert Error not in kinds
        assert Generic.Heading in kinds  # the banner
        assert Name.Tag in kinds
        assert Keyword.Constant in kinds or Literal.Date in kinds  # the DTG line


@pytest.mark.skipif(not TELEGRAMS.exists(), reason="needs ../shared/corpus/dev/telegram")
def test_highlights_as_html() -> None:
    html = highlight(telegram_texts()[0], CableLexer(), HtmlFormatter())
    assert '<span class="gh">UNCLAS</span>' in html
    assert '<span class="nt">PGOV</span>' in html


def test_registered_names() -> None:
    assert CableLexer.name == "Cable"
    assert CableLexer.aliases == ["cable", "telegram"]


cable_like = st.text(
    alphabet=st.sampled_from(list("ABCDEOPRSTUVZ ()/.:,-¶\t\n\r0123456789ensumaryd")),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), cable_like))
def test_any_text_lexes_back_to_itself(text: str) -> None:
    lexer = CableLexer(stripnl=False, ensurenl=False)
    raw = list(lexer.get_tokens_unprocessed(text))
    assert "".join(value for _, _, value in raw) == text
    assert all(kind is not Error for _, kind, _ in raw)
    # get_tokens() normalises newlines and drops a leading BOM, as every Pygments lexer does.
    expected = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    assert "".join(value for _, value in lexer.get_tokens(text)) == expected
