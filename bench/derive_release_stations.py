#!/usr/bin/env python3
"""Derive generator/reference/data/release_stations.txt from cable2month.csv.gz.

    python bench/derive_release_stations.py [--data ../shared/data] [--check]

The file lists the station codes that occur in ids of the release but are
not rows of stations.tsv: OCR-damaged codes such as BANGOK or BRASIIA, which
are real ids of the release in their own right.  The station-spelling rules
(generator/reference/stations.py) must never "correct" such a code to the
station it resembles, or a citation of a real id would link to one that does
not exist.  The package cannot read ../shared at run time, so the few hundred
bytes it needs are derived here and committed; --check exits 1 when the
committed file is not what the data gives.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "generator" / "reference" / "data" / "stations.tsv"
OUT = ROOT / "generator" / "reference" / "data" / "release_stations.txt"
_ID = re.compile(r"^\d{2}([A-Z]+)\d+$")
HEADER = (
    "# Station codes in ids of the release that are not rows of stations.tsv\n"
    "# (OCR-damaged codes). Derived by bench/derive_release_stations.py; do not edit.\n"
)


def derive(data: Path) -> str:
    table = {line.split("\t", 1)[0] for line in TABLE.read_text(encoding="utf-8").splitlines()[1:]}
    codes: set[str] = set()
    with gzip.open(data / "cable2month.csv.gz", "rt", encoding="ascii") as handle:
        for line in handle:
            m = _ID.match(line.split(",", 1)[0])
            if m and m.group(1) not in table:
                codes.add(m.group(1))
    return HEADER + "".join(f"{code}\n" for code in sorted(codes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = derive(args.data)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("release_stations.txt is current" if same else "release_stations.txt is stale")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - 2} codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
