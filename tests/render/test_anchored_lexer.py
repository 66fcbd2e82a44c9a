"""The faster lexing loop gives exactly the tokens of Pygments' own."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.parse import read_cables
from generator.render.highlight import highlight_cable
from generator.render.highlight.anchored import anchored
from generator.render.highlight.lexer import CableLexer
from generator.render.text import raw_text

PYGMENTS = CableLexer(stripnl=False, ensurenl=True)
FAST = anchored(CableLexer)(stripnl=False, ensurenl=True)

# Pieces of real cables, so that random texts reach every state of the lexer.
PIECES = [
    "VZCZCXRO5911\n",
    "O 241555Z JUL 09\n",
    "FM AMEMBASSY PARIS\n",
    "TO RUEHC/SECSTATE WASHDC IMMEDIATE 6830\n",
    "INFO RUEHXK/ARAB ISRAELI COLLECTIVE PRIORITY\n",
    "C O N F I D E N T I A L SECTION 01 OF 02 PARIS 001007 \n",
    "SIPDIS\n",
    "E.O. 12958: DECL: 07/24/2019\n",
    "TAGS: PGOV PREL FR\n",
    "SUBJECT: MIDDLE EAST: SARKOZY AND MUBARAK\n",
    "REF: A. 06 KINGSTON 1280 B. STATE 70129\n",
    "Classified By: POL M/C Kathleen Allegrone for reasons 1.4\n",
    "1. (C) Summary: Mubarak and Sarkozy reportedly agree. End Summary.\n",
    "¶2. (S//NF) Comment: none.\n",
    "PARIS 00001040  002 OF 003\n",
    "HEADING\n-------\n",
    "  \n",
    "\n",
    "BT\n",
    "begin text: and end of note.\n",
    "(",
    "-",
    "é",
]


def tokens(lexer, text: str) -> list:  # type: ignore[no-untyped-def]
    return list(lexer.get_tokens(text))


def test_the_same_tokens_on_the_dev_corpus(dev_corpus: Path) -> None:
    files = sorted((dev_corpus / "telegram").iterdir())
    files += sorted((dev_corpus / "wikileaks-html").glob("*.html"))[:60]
    files.append(dev_corpus / "cables.csv")
    texts = [raw_text(c) for f in files for c in read_cables(f, on_problem=lambda _: None)]
    assert len(texts) > 60
    for text in texts:
        assert tokens(FAST, text) == tokens(PYGMENTS, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=30))
def test_the_same_tokens_on_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    assert tokens(FAST, text) == tokens(PYGMENTS, text)


def test_highlighting_uses_it() -> None:
    html = highlight_cable("TAGS: PREL\nSUBJECT: TEST\n\n1. (C) Text.\n")
    assert '<span class="nt">PREL</span>' in html
