"""Typed dependency keys: every kind the plan may write is signed, indexed and explained."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sitekit import cable, ref

from generator.archive import assemble, entry_of
from generator.config import SiteConfig
from generator.engine.explain import DEP_WORDS, dep_change
from generator.engine.signatures import Signer
from generator.site import keys
from generator.site.documents import Document
from generator.site.plan import plan_site

DOC = Document("about", "content/pages/about.md", "About", "", "Cites 03OTTAWA49.", 1)


def planned():  # type: ignore[no-untyped-def]
    cables = [
        cable("03OTTAWA49", datetime(2003, 1, 7), references=(ref("A", "02OTTAWA3442"),)),
        cable("02OTTAWA3442", datetime(2002, 12, 2), tags=("PREL", "MARR")),
        cable("03OTTAWA311", datetime(2003, 2, 3), references=(ref("A", "99OTTAWA1"),)),
    ]
    archive, _ = assemble(entry_of(c, source="a.txt", ordinal=i) for i, c in enumerate(cables))
    return archive, plan_site(archive, SiteConfig(root=Path()), [DOC])


def test_the_plan_writes_every_kind_and_no_other() -> None:
    _, pages = planned()
    written = {dep.kind for page in pages for dep in page.inputs}
    assert written == set(keys.KINDS)


def test_every_kind_is_signed() -> None:
    archive, pages = planned()
    signer = Signer(
        archive, site="s", template=lambda name: name, docs={"about": DOC}, problems=[], sources=1
    )
    facts = {dep: signer.input(dep) for page in pages for dep in page.inputs}
    assert {dep.kind for dep in facts} == set(keys.KINDS)
    assert all(isinstance(fact, str) and fact for fact in facts.values())
    # PREL has three cables, CA two, MARR one: their facts differ as their sizes do.
    tags = {dep.subject: fact for dep, fact in facts.items() if dep.kind == "tag"}
    assert set(tags) == {"PREL", "CA", "MARR"} and len(set(tags.values())) == 3


def test_every_kind_is_explained() -> None:
    assert set(DEP_WORDS) == set(keys.KINDS)
    assert dep_change(keys.facet("tag", "PREL")).startswith("tag PREL ")
    assert dep_change(keys.cable_text("03OTTAWA49")) == "the text of cable 03OTTAWA49 changed"


def test_a_key_is_a_plain_pair_wherever_it_is_kept() -> None:
    dep = keys.facet("origin", "embassy-ottawa")
    assert dep == ("origin", "embassy-ottawa") and repr(dep) == "('origin', 'embassy-ottawa')"
    assert str(dep) == "origin embassy-ottawa" and str(keys.TOTALS) == "totals"
