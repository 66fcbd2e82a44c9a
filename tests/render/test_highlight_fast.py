"""highlight_cable's fast path writes exactly what Pygments writes, for any text; and
its tokens for the cable page (``Compiled.tokens``) are Pygments' spans made into
tokens (``tokens_from_spans``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from repo import synthetic_cables

from generator.parse import read_cables
from generator.render.highlight import (
    _fast_cable,
    _fast_cable_tokens,
    highlight_cable,
    highlight_tokens,
    plain_classes,
    pygments_cable,
    tokens_from_spans,
)
from generator.render.highlight.fast import _preprocessed, compile_lexer
from generator.render.highlight.lexer import CableLexer
from generator.render.text import raw_text

# Pygments itself, without the anchored-rule shortcut of highlight/anchored.py: today's output.
PLAIN_PYGMENTS = CableLexer(stripnl=False, ensurenl=True)
FORMATTER = HtmlFormatter(nowrap=True)


def reference(text: str) -> str:
    spans = highlight(text, PLAIN_PYGMENTS, FORMATTER)
    return f'<pre class="highlight"><code class="language-cable">{spans}</code></pre>\n'


def check(text: str) -> None:
    assert highlight_cable(text) == reference(text) == pygments_cable(text)
    fast = _fast_cable()
    assert fast is not None
    spans = highlight(text, PLAIN_PYGMENTS, FORMATTER)
    assert fast.tokens(text, plain_classes()) == tokens_from_spans(spans) == highlight_tokens(text)


def test_tokens_for_the_page() -> None:
    tokens = highlight_tokens("TAGS: PREL EFIN AM\nSUBJECT: X\n1. (C) a & b\n")
    assert tokens.startswith('<b class="k">TAGS</b>: <b class="nt">PREL EFIN AM</b>\n')
    assert "<span" not in tokens and "a &amp; b" in tokens


def test_the_fast_path_is_on() -> None:
    # If CableLexer's rules stop fitting the fast path's shortcuts, highlighting is slow again.
    assert _fast_cable() is not None


def test_the_dev_corpus(dev_corpus: Path) -> None:
    files = sorted(p for p in dev_corpus.rglob("*") if p.is_file() and p.name != "CATALOG.tsv")
    texts = [raw_text(c) for f in files for c in read_cables(f, on_problem=lambda _: None)]
    assert len(texts) >= 500
    for text in texts:
        check(text)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = synthetic_cables(tmp_path_factory.mktemp("synthetic") / "cables", 300, seed=11)
    files = sorted(out.iterdir())
    return [raw_text(c) for f in files for c in read_cables(f, on_problem=lambda _: None)]


def test_synthetic_cables(synthetic: list[str]) -> None:
    assert len(synthetic) == 300
    for text in synthetic:
        check(text)


# Lines and pieces of real cables (every rule and state of the lexer), and of the
# characters its shortcuts look at: markers, dashes, indents, escapes, odd newlines.
LINES = [
    "VZCZCXRO5911",
    "PP RUEHWEB",
    "DE RUEHFR #1007/01 2051555",
    "ZNY CCCCC ZZH",
    "O 241555Z JUL 09",
    "FM AMEMBASSY PARIS",
    "TO RUEHC/SECSTATE WASHDC IMMEDIATE 6830",
    "INFO RUEHXK/ARAB ISRAELI COLLECTIVE PRIORITY",
    "RUEHBO/AMEMBASSY BOGOTA 7397",
    "  DS-00 ",
    "AMEMBASSY ROME",
    "BT",
    "C O N F I D E N T I A L SECTION 01 OF 02 PARIS 001007 ",
    "UNCLAS SENSITIVE SECTION 01 OF 02 ABUDHABI 005893",
    "SECRET//NOFORN",
    "CORRECTED COPY - TEXT",
    "SIPDIS",
    " NOFORN, EXDIS",
    "E.O. 12958: DECL: 07/24/2019",
    "E.\nO. 12958: N/A 1.4(b)",
    "EO 12356: OADR",
    "TAGS: PGOV PREL FR",
    "EUN, OECD",
    "SUBJECT: MIDDLE EAST: SARKOZY AND MUBARAK",
    "SUBJ: X",
    "REF: A. 06 KINGSTON 1280 B. STATE 70129",
    "REFS: (A) ROME 1234",
    "Classified By: POL M/C Kathleen Allegrone for reasons 1.4",
    "  Derived from: multiple sources",
    "1. (C) Summary: Mubarak and Sarkozy reportedly agree. End Summary.",
    "¶2. (S//NF) Comment: none.",
    "¶ 3 (SBU-ENTIRE TEXT) text",
    "  10.   (U) BEGIN TEXT: x END TEXT",
    "A. (C) lettered",
    "SUMMARY AND COMMENT: x",
    "Action request: y",
    "PARIS 00001040  002 OF 003",
    "PAGE 02        ROME  03639  01 OF 03  231626Z",
    "HEADING",
    "-------",
    "  --- - ---",
    "end of summary",
    "END\nSUMMARY",
    "begin action request",
    "begin of note",
    "Begin Text",
    "eNd CoMmEnT.",
    "the end. Be gentle",
    "recommended note",
    "<script>alert('x' & \"y\")</script>",
    "",
    "   ",
    "\t\t",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",
    "é",
    "İ ı ſ K",
    "endİ begİn summary",
    "PHILLIPS",
]


def joined(parts: list[str], ends: list[str]) -> str:
    return "".join(part + end for part, end in zip(parts, ends, strict=False))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=25),
    st.lists(st.sampled_from(["\n", "\n", "\n\n", "", " ", "\r", "\r\n", "\t"]), max_size=25),
)
def test_cable_lines(parts: list[str], ends: list[str]) -> None:
    check(joined(parts, ends))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(LINES)
        | st.text(max_size=12)
        | st.text("EeNnDdBbGgIi \n\t-.:()", max_size=12),
        max_size=30,
    )
)
def test_mixed_text(parts: list[str]) -> None:
    check("".join(parts))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LINES), st.integers(0, 80), st.text(max_size=4))
def test_mutated_lines(line: str, at: int, insert: str) -> None:
    at = min(at, len(line))
    mutated = line[:at] + insert + line[at:]
    check(mutated)
    check(f"TAGS: PREL\n{mutated}\n{mutated}")
    check(f"1. (C) x\n{mutated}\n-----\n")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    check(text)


def test_edges() -> None:
    for text in ["", "\n", "x", "\r", "\n\n\n", "a\rb", "END", "\ufeff\ufeffx", "\x00<&>"]:
        check(text)


def test_other_lexers_fall_back() -> None:
    # A formatter it does not imitate, or a lexer whose rules it does not know: no shortcut.
    from pygments.lexers import PythonLexer

    assert compile_lexer(CableLexer, HtmlFormatter()) is None
    assert compile_lexer(CableLexer, HtmlFormatter(nowrap=True, hl_lines=[2])) is None
    assert compile_lexer(CableLexer, HtmlFormatter(nowrap=True, noclasses=True)) is None
    assert compile_lexer(PythonLexer, HtmlFormatter(nowrap=True)) is None


def test_the_page_s_tokens_skip_unstyled_runs_while_scanning() -> None:
    # highlight_tokens' compiled lexer marks no run of a class the page leaves plain (the
    # whitespace between tags, the spaces around a paragraph's number), and its tokens are
    # still Pygments' spans made into tokens (check, above, on any text).
    text = _preprocessed("\n".join(LINES))
    plain = plain_classes()
    every_run, page_runs = _fast_cable(), _fast_cable_tokens()
    assert every_run is not None and page_runs is not None
    classes = [opener[len('<span class="') : -2] for opener in every_run._marks(text)[1]]
    assert "w" in classes  # (else this test shows nothing)
    classes = [opener[len('<span class="') : -2] for opener in page_runs._marks(text)[1]]
    assert classes and not plain & set(classes)
    assert page_runs.tokens(text, plain) == every_run.tokens(text, plain)


def test_the_scan_refuses_text_without_its_last_newline() -> None:
    # The line skipping counts on a newline ending every line: on text without one it
    # went back to the start for ever. spans() and tokens() add it; _marks says so.
    fast = _fast_cable()
    assert fast is not None
    with pytest.raises(ValueError, match="newline"):
        fast._marks("UNCLASSIFIED")
    assert fast._marks("") == ([0], [])
    assert fast.spans("UNCLASSIFIED") == highlight("UNCLASSIFIED", PLAIN_PYGMENTS, FORMATTER)


def test_the_formatter_s_class_names() -> None:
    formatter = HtmlFormatter(nowrap=True, classprefix="x-")
    fast = compile_lexer(CableLexer, formatter)
    assert fast is not None
    text = "\n".join(LINES)
    assert fast.spans(text) == highlight(text, PLAIN_PYGMENTS, formatter)
    assert 'class="x-nt"' in fast.spans(text)


def test_first_characters_are_all_there() -> None:
    # A rule left out of the regex for a character must never match starting with it.
    from generator.render.internals import first_chars, lexer_rules

    texts = [line + end for line in LINES for end in ("\n-----\n", "\n", " x\n")]
    rules = lexer_rules(CableLexer)
    assert rules is not None
    for rexmatch, _, _ in rules["root"]:
        regex = rexmatch.__self__
        first = first_chars(regex)
        if first is None:
            continue
        for char in map(chr, range(128)):
            for text in texts:
                for candidate in (char + text, char + text[1:]):
                    if regex.match(candidate):
                        assert char in first, (regex.pattern, candidate)
