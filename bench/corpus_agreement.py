#!/usr/bin/env python3
"""How closely the parser agrees with the dev corpus catalog.

    python bench/corpus_agreement.py [--corpus ../shared/corpus/dev] [--show N]

For every cable in CATALOG.tsv: is it read, is the id right, and do created,
origin, classification (for the formats whose source states them) and the
references agree with the catalog.  Prints the disagreements so each can be
investigated (the catalog's references come from another parser and are not
infallible).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.parse import read_cables  # noqa: E402
from generator.parse.dates import parse_datetime  # noqa: E402


def load_catalog(corpus: Path) -> dict[str, dict[str, str]]:
    with (corpus / "CATALOG.tsv").open(encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}


def load_real_ids(data: Path) -> set[str]:
    with gzip.open(data / "cable2month.csv.gz", "rt", encoding="ascii") as handle:
        return {line.split(",", 1)[0] for line in handle}


def read_corpus(corpus: Path) -> dict[str, object]:
    cables = {}
    problems = []
    files = sorted({row["file"] for row in load_catalog(corpus).values()})
    for name in files:
        for cable in read_cables(corpus / name, on_problem=problems.append):
            cables[cable.id] = cable
    for p in problems:
        print("problem:", p)
    return cables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    parser.add_argument("--show", type=int, default=40, help="disagreements to print per field")
    args = parser.parse_args()
    catalog = load_catalog(args.corpus)
    cables = read_corpus(args.corpus)
    # The catalog lists only references to cables of the release; the parser
    # finds every citation, so compare on the released ones.
    real = load_real_ids(args.corpus.parent.parent / "data")
    misses: dict[str, list[str]] = defaultdict(list)
    for cid, row in catalog.items():
        cable = cables.get(cid)
        if cable is None:
            misses["id"].append(f"{cid} ({row['file']}) not read under this id")
            continue
        want_refs = [r for r in row["references"].split(",") if r] if row["references"] else []
        got = [r for r in cable.reference_ids if r in real]
        if sorted(set(want_refs)) != sorted(got):
            misses["references"].append(f"{cid}: catalog {want_refs} parsed {got}")
        if row["format"] in {"a", "c", "e"}:
            want = parse_datetime(row["created"])
            if want != cable.created:
                misses["created"].append(f"{cid}: catalog {row['created']} parsed {cable.created}")
            if row["origin"] != cable.origin:
                misses["origin"].append(f"{cid}: catalog {row['origin']!r} parsed {cable.origin!r}")
            if row["classification"] != cable.classification:
                misses["classification"].append(
                    f"{cid}: catalog {row['classification']!r} parsed {cable.classification!r}"
                )
    total = len(catalog)
    for field in ("id", "created", "origin", "classification", "references"):
        wrong = misses.get(field, [])
        print(
            f"{field:15} {total - len(wrong):4}/{total} agree ({100 * (total - len(wrong)) / total:.1f}%)"
        )
        for line in wrong[: args.show]:
            print("   ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
