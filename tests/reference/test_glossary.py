"""The TAGS glossary: meanings, kinds, and coverage of the tags real cables carry."""

from __future__ import annotations

import ast
import html
import re
from collections import Counter
from pathlib import Path

import pytest
from repo import SHARED

import generator.reference.glossary
from generator.reference.glossary import KINDS, known_tags, tag_kind, tag_meaning

DEV = SHARED / "corpus" / "dev"
BENCH = SHARED / "bench" / "make_corpus.py"

# Tokens on real TAGS lines that are not tags: typos (KHUM, KCFC, ZU), two tags
# run together (ITPHUM, MASSMNUC), free-text keywords (HUMAN RIGHTS), and a few
# codes whose meaning we could not establish (KTIA, KDRG, KNUP, MPOS, PNAT, CTM, SCCC).
NOT_GLOSSARY = {
    "CTM", "ECONOMICS", "FREEDOM", "HUMAN", "IRAQI", "ITALIAN", "ITPGOV", "ITPHUM",
    "IZPREL", "KCFC", "KDRG", "KHUM", "KNUP", "KTIA", "MASC", "MASSMNUC", "MPOS",
    "MRCRE", "PNAT", "POLITICS", "RIGHTS", "SCCC", "ZU",
}  # fmt: skip


def tsv_rows() -> list[list[str]]:
    path = Path(generator.reference.glossary.__file__).with_name("data") / "tags.tsv"
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("tag", "kind", "meaning"),
    [
        ("PREL", "subject", "External political relations"),
        ("PGOV", "subject", "Internal governmental affairs"),
        ("PHUM", "subject", "Human rights"),
        ("OVIP", "subject", "Visits and travel of prominent individuals"),
        ("KTFN", "subject", "Terrorist financing"),
        ("CA", "country", "Canada"),
        ("TU", "country", "Turkey"),
        ("IZ", "country", "Iraq"),
        ("CH", "country", "China"),
        ("RS", "country", "Russia"),
        ("GM", "country", "Germany"),
        ("UK", "country", "United Kingdom"),
        ("KS", "country", "South Korea"),
        ("KN", "country", "North Korea"),
        ("NATO", "organization", "North Atlantic Treaty Organization"),
        ("EUN", "organization", "European Union"),
        ("IAEA", "organization", "International Atomic Energy Agency"),
        ("XA", "region", "Africa"),
    ],
)
def test_known_meanings(tag: str, kind: str, meaning: str) -> None:
    assert tag_meaning(tag) == meaning
    assert tag_kind(tag) == kind


def test_lookups_ignore_case_and_spaces_and_unknown_tags_have_none() -> None:
    assert tag_meaning(" prel ") == "External political relations"
    assert tag_meaning("RICE, CONDOLEEZZA") is None
    assert tag_kind("KEDEM") is None
    assert tag_meaning("") is None


def test_the_tsv_has_no_duplicate_tags_and_only_valid_kinds() -> None:
    header, *rows = tsv_rows()
    assert header == ["tag", "kind", "meaning"]
    assert all(len(row) == 3 for row in rows)
    counts = Counter(row[0] for row in rows)
    assert [tag for tag, n in counts.items() if n > 1] == []
    assert {row[1] for row in rows} == KINDS
    for tag, _, meaning in rows:
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,8}", tag), tag
        assert meaning and meaning == meaning.strip(), tag
    assert len(known_tags()) == len(rows)


def test_the_glossary_is_a_full_list() -> None:
    kinds = Counter(tag_kind(tag) for tag in known_tags())
    assert kinds["subject"] >= 120
    assert kinds["country"] >= 190
    assert kinds["organization"] >= 50


def corpus_tags() -> Counter[str]:
    """Every token of every TAGS line in the dev corpus's pages and telegrams."""
    tags: Counter[str] = Counter()
    for page in (DEV / "wikileaks-html").glob("*.html"):
        text = html.unescape(page.read_text(encoding="utf-8", errors="replace"))
        for line in re.findall(r"TAGS:?(.*)", text):
            tags.update(re.sub(r"<[^>]*>", " ", line).replace(",", " ").split())
    for telegram in (DEV / "telegram").glob("*.txt"):
        for line in re.findall(r"^TAGS:?(.*)$", telegram.read_text("latin-1"), re.M):
            tags.update(line.replace(",", " ").split())
    return tags


@pytest.mark.skipif(not DEV.exists(), reason="needs the dev corpus in ../shared/corpus/dev")
def test_every_real_tag_of_the_dev_corpus_is_explained() -> None:
    tags = corpus_tags()
    assert len(tags) > 150
    codes = {t for t in tags if re.fullmatch(r"[A-Z][A-Z0-9]+", t)}  # not ")" or "Sunni"
    missing = sorted(codes - known_tags() - NOT_GLOSSARY)
    assert missing == []


@pytest.mark.skipif(not BENCH.exists(), reason="needs ../shared/bench/make_corpus.py")
def test_every_tag_of_the_benchmark_corpus_is_explained() -> None:
    tree = ast.parse(BENCH.read_text(encoding="utf-8"))
    lists = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in {"SUBJECT_TAGS", "COUNTRY_TAGS"}
    }
    assert all(tag_kind(tag) == "subject" for tag in lists["SUBJECT_TAGS"])
    assert all(tag_kind(tag) == "country" for tag in lists["COUNTRY_TAGS"])
