"""records.text_digest: whitespace and case ignored, the same digest on every path."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.archive.entry import text_digest
from generator.model import Cable


def reference(text: str) -> str:
    """The definition: every str.isspace() character dropped, then casefolded."""
    folded = "".join(ch for ch in text if not ch.isspace()).casefold()
    return hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
ascii_text = st.text(alphabet=st.characters(max_codepoint=127))
any_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(SPACES + "ßΣİﬁ")))


@settings(max_examples=300)
@given(st.one_of(ascii_text, any_text))
def test_text_digest_is_the_definition(text: str) -> None:
    assert text_digest(Cable(id="X", body=text)) == reference(text)


def test_layout_and_case_ignored() -> None:
    a = Cable(id="X", body="1. (C) The Minister\tsaid\x1cno.\n\n2. Fine.")
    b = Cable(id="X", body="1.(c)the minister said no.2.FINE.")
    c = Cable(id="X", body="1.\u00a0(C) The Minister said no. 2. Fine.")  # a no-break space
    assert text_digest(a) == text_digest(b) == text_digest(c)
    assert text_digest(a) != text_digest(Cable(id="X", body="1. (C) The Minister said yes."))


def test_header_when_no_body() -> None:
    assert text_digest(Cable(id="X", header="A B")) == reference("AB")
