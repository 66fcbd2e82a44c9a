"""The parser against the 500 real cables of the dev corpus and its catalog.

The catalog's references were made by another parser and kept only when
the cited id is in the release, so they are compared on released ids.
Every cable where we disagree was looked at by hand; the reasons are in
fixtures/parse/catalog_disagreements.tsv (docs/parser-accuracy.md sums
them up).  A new disagreement fails the test until it is understood.
"""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import pytest
from repo import FIXTURES, SHARED

from generator.model import Cable, Problem
from generator.parse import read_cables
from generator.parse.dates import parse_datetime


@pytest.fixture(scope="module")
def catalog(dev_corpus: Path) -> dict[str, dict[str, str]]:
    with (dev_corpus / "CATALOG.tsv").open(encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture(scope="module")
def parsed(dev_corpus: Path, catalog: dict) -> tuple[dict[str, Cable], list[Problem]]:
    problems: list[Problem] = []
    cables: dict[str, Cable] = {}
    for name in sorted({row["file"] for row in catalog.values()}):
        for cable in read_cables(dev_corpus / name, on_problem=problems.append):
            assert cable.id not in cables, f"{cable.id} read twice"
            cables[cable.id] = cable
    return cables, problems


@pytest.fixture(scope="module")
def released_ids() -> set[str]:
    path = SHARED / "data" / "cable2month.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    with gzip.open(path, "rt", encoding="ascii") as handle:
        return {line.split(",", 1)[0] for line in handle}


def test_every_file_is_read_and_every_id_matches(parsed, catalog) -> None:
    cables, problems = parsed
    # the only problems are the latin-1 telegrams, reported and still read
    assert all("not UTF-8" in p.message for p in problems), problems
    assert set(cables) == set(catalog)


@pytest.mark.parametrize("field", ["created", "origin", "classification"])
def test_source_metadata_matches_catalog(parsed, catalog, field: str) -> None:
    cables, _ = parsed
    wrong = []
    for cid, row in catalog.items():
        if row["format"] not in {"a", "c", "e"}:  # sources that state these fields
            continue
        got = getattr(cables[cid], field)
        want = parse_datetime(row[field]) if field == "created" else row[field]
        if got != want:
            wrong.append((cid, want, got))
    assert wrong == []


def test_telegram_metadata_from_the_text(parsed, catalog) -> None:
    """Raw telegrams state nothing outside their text: DTG, FM line, banner."""
    cables, _ = parsed
    for cid, row in catalog.items():
        if row["format"] != "b":
            continue
        cable = cables[cid]
        dtg = row["created"]  # "191558Z MAR 07"
        assert cable.created and f"{cable.created:%d%H%M}Z {cable.created:%b %y}".upper() == dtg
        assert cable.classification.startswith(
            row["classification"].replace("UNCLAS", "UNCLASSIFIED")
        )
        assert cable.origin.split()[-1].upper() in row["origin"]


def _disagreements(parsed, catalog, released_ids) -> dict[str, tuple[list[str], list[str]]]:
    cables, _ = parsed
    out = {}
    for cid, row in catalog.items():
        want = sorted(r for r in row["references"].split(",") if r)
        got = sorted(r for r in cables[cid].reference_ids if r in released_ids)
        if want != got:
            out[cid] = (want, got)
    return out


def test_references_agree_with_catalog_or_a_known_catalog_error(
    parsed, catalog, released_ids
) -> None:
    with (FIXTURES / "parse" / "catalog_disagreements.tsv").open(encoding="utf-8") as handle:
        known = {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    found = _disagreements(parsed, catalog, released_ids)
    unexplained = {cid: v for cid, v in found.items() if cid not in known}
    assert unexplained == {}, "new disagreements with the catalog: look at each and explain it"
    stale = sorted(set(known) - set(found))
    assert stale == [], "these now agree: remove them from catalog_disagreements.tsv"
    agree = 1 - len(found) / len(catalog)
    missed_by_catalog = sum(1 for row in known.values() if row["kind"] == "catalog-missed")
    # Raw agreement falls as the parser finds citations the catalog missed
    # (each one read by hand in the fixture); what must not fall is the
    # agreement counting those: 97.8 % before the long-tail work, 98.0 % after.
    assert agree >= 0.92
    assert 1 - (len(found) - missed_by_catalog) / len(catalog) >= 0.978


def test_every_parsed_reference_id_is_well_formed(parsed) -> None:
    cables, _ = parsed
    for cable in cables.values():
        for ref in cable.references:
            assert ref.id is None or (
                ref.id[:2].isdigit() and ref.id[2:].rstrip("0123456789").isalpha()
            )
            assert ref.id != cable.id


def test_most_parsed_references_exist_in_the_release(parsed, released_ids) -> None:
    """Ids we canonicalise should be real: most cited cables are in the release."""
    cables, _ = parsed
    cited = [r.id for c in cables.values() for r in c.references if r.id]
    assert len(cited) > 500
    share = sum(1 for r in cited if r in released_ids) / len(cited)
    assert share > 0.5


def test_fields_found_across_the_corpus(parsed) -> None:
    cables = parsed[0].values()
    n = len(cables)
    # ten pages have no SUBJECT line at all (the viewer shows none either)
    assert sum(1 for c in cables if c.subject) / n > 0.97
    assert sum(1 for c in cables if c.tags) / n > 0.98
    assert sum(1 for c in cables if c.paragraphs) / n > 0.99
    classified = [c for c in cables if not c.classification.startswith("UNCLASSIFIED")]
    # cables before the 1990s carry no "Classified By" line; some pages cut it ("Ambassador...")
    with_line = [c for c in classified if "classified by: " in c.body.lower()]
    assert sum(1 for c in with_line if c.classified_by) / len(with_line) > 0.9
    dated = [c for c in classified if re.search(r"DECL:\s*\d", c.body)]  # not "DECL: OADR"
    assert sum(1 for c in dated if c.declassify_on) / len(dated) > 0.98
    assert sum(1 for c in cables if c.signers) / n > 0.8
