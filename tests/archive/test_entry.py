"""The entry of a cable: its codec, its fields' roles, and its text digest."""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import replace
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.archive.entry import (
    FIELD_ROLES,
    FIELDS,
    LINKED,
    Role,
    entry_of,
    from_plain,
    plain_entry_of,
    text_digest,
    to_plain,
)
from generator.engine.signatures import entry_fact
from generator.model import Cable, Reference
from generator.parse import title_case


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


# --- every field of an entry has a role, and the roles do what they say -------------------


def a_cable(**fields: object) -> Cable:
    base: dict[str, object] = {
        "id": "03OTTAWA49",
        "created": datetime(2003, 1, 7, 15, 3),
        "released": date(2011, 8, 30),
        "origin": "Embassy Ottawa",
        "classification": "CONFIDENTIAL",
        "tags": ("PREL", "CA"),
        "subject": "TALKS WITH THE MINISTER",
        "references": (Reference("A", "02 OTTAWA 3442", "02OTTAWA3442"),),
        "body": "1. (C) The minister said no.",
        "raw_id": "3OTTAWA49",
        "partial": True,
    }
    base.update(fields)
    return Cable(**base)  # type: ignore[arg-type]


def test_every_field_has_a_role() -> None:
    # A new field must say what a change to it costs an incremental build.
    assert set(FIELD_ROLES) == set(FIELDS)
    assert all(isinstance(role, Role) for role in FIELD_ROLES.values())


def test_what_other_pages_show_is_every_field_but_the_digests() -> None:
    assert set(LINKED) == set(FIELDS) - {"text_digest", "cable_digest"}
    entry = entry_of(a_cable(), source="content/cables/a.txt", ordinal=3)
    for name in FIELDS:
        value = getattr(entry, name)
        other = (
            "changed" if isinstance(value, str) else not value if isinstance(value, bool) else None
        )
        if isinstance(value, int) and not isinstance(value, bool):
            other = value + 1
        if isinstance(value, tuple):
            other = (*value, "X")
        changed = replace(entry, **{name: other})
        if name in LINKED:
            assert entry_fact(changed) != entry_fact(entry), name
        else:
            assert entry_fact(changed) == entry_fact(entry), name


def test_an_entry_survives_the_state() -> None:
    entry = entry_of(a_cable(), source="content/cables/a.txt", ordinal=3)
    plain = to_plain(entry)
    assert marshal.loads(marshal.dumps(plain)) == plain  # plain values only
    assert from_plain(plain, "content/cables/a.txt", 3) == entry
    assert plain_entry_of(a_cable()) == plain


def test_the_codec_decides_what_an_entry_shows() -> None:
    entry = entry_of(a_cable(subject="al-wifaq leader on potus visit", origin=""))
    assert entry.title == title_case("al-wifaq leader on potus visit")
    assert entry.origin == "Unknown origin" and entry.origin_slug == "unknown-origin"
    assert entry_of(a_cable(classification="")).classification == "UNKNOWN"
    assert entry_of(a_cable(subject="  ")).title == "03OTTAWA49"
    assert entry_of(a_cable(tags=("PREL", "PREL", ""))).tags == ("PREL",)
    assert entry_of(a_cable(raw_id="03OTTAWA49")).raw_id is None
    cited = (Reference("A", "x", "03OTTAWA49"), Reference("B", "y", "02OTTAWA1"))
    assert entry_of(a_cable(references=cited)).references == ("02OTTAWA1",)
