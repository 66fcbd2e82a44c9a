#!/usr/bin/env python3
"""One example of each long-tail family of issue #12, read by a parser.

    python bench/long_tail_examples.py --out after.json
    OTHER_VENV/bin/python bench/long_tail_examples.py --out before.json
    python bench/long_tail_examples.py --before before.json

Each family of the issue (references, TAGS, subject, classified by,
signers, summary, title casing) has one written fragment here, in the shape
the release has (tests/parse/test_long_tail.py has the real cables and
more fragments). The first two forms write what the installed `generator`'s
public parse API makes of each (run it in another venv for another version,
say the base the issue was measured on); the third prints a Markdown table
of that file's results beside this checkout's, for a before -> after.
Prints results; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (family, API function, fragment); the fragment is given to the function with
# the year 2008 where it takes one.
EXAMPLES: list[tuple[str, str, str]] = [
    # references
    (
        "REF glued to the subject",
        "references",
        "SUBJECT: TALKS WITH THE MINISTERREF: A. PARIS 123 B. PARIS 456\n\n1. X.",
    ),
    (
        "Ref(s): mid-line",
        "references",
        "SUBJECT: X IN LIMA Ref(s): A) 08 LIMA 12; B) 08 LIMA 0044\n\n1. X.",
    ),
    (
        "year after the serial",
        "references",
        "REF: A. ASUNCION 701 (08) B. CAIRO 2397 (2009)\n\n1. X.",
    ),
    ("year before the station", "references", "REF: (99) ROME 2196\n\n1. X."),
    ("year in a trailing date", "references", "REF: STATE 99488 24 SEP 2009\n\n1. X."),
    ("several serials for one station", "references", "REF: STATE 41252 AND 44603\n\n1. X."),
    (
        "letter O for zero",
        "references",
        "REF: A. 0TTAWA 57 B. SANTIAG0 12 C. O4 CHENNAI 88\n\n1. X.",
    ),
    (
        "other separators",
        "references",
        "REF: A. STATE: 73097 B. 10-OTTAWA-57 C. TEHRAN 1091: NOTAL\n\n1. X.",
    ),
    ("item (C) is no marking", "references", "REF: (A) STATE 1\n(B) STATE 2\n(C) STATE 3\n\n1. X."),
    ("serial after a blank line", "references", "REF: A. STATE\n\n12345\n\n1. X."),
    (
        "page header inside the block",
        "references",
        "REF: A. ROME 1100 PAGE 02 ROME 01196 01 OF 02 082030Z B. ROME 1150\n\n1. X.",
    ),
    (
        "station short forms",
        "references",
        "REF: A. RIO DE JAN 13 B. PAUP 15 C. BKK 16 D. HCMC 17 E. HAGUE 19\n\n1. X.",
    ),
    (
        "station truncations, suffixes",
        "references",
        "REF: A. HALIF 1 B. KUALALUMP 2 C. MADRIDSP 6 D. SECDEFWASH 7\n\n1. X.",
    ),
    (
        "station one edit from one station",
        "references",
        "REF: A. BRASILA 931 B. BUENOS ARIES 9\n\n1. X.",
    ),
    ("malformed source id", "canonical_id", "08ECTION01OF02MANAMA492"),
    ("aliases in ids", "canonical_id", "09MADRIDSP12"),
    # TAGS
    (
        "Tags: mixed case mid-line",
        "tags",
        "E.o. 12958: decl: 01/07/2014 Tags: prel, pgov, tu\nSubject: x",
    ),
    ("misspelt keyword", "tags", "E.O. 12958: N/A\nTGS: PREL, PGOV\nSUBJECT: X"),
    ("continued without a comma", "tags", "TAGS: PREL PGOV\nPHUM KDEM\nSUBJECT: X"),
    ("run of words is one tag", "tags", "TAGS: PHUM, HUMAN RIGHTS, IRAQI FREEDOM"),
    (
        "page furniture, SIPDIS",
        "tags",
        "TAGS: PREL SECRET PAGE 02 ROME 01196 01 OF 02 082030Z PGOV SIPDIS",
    ),
    ("initials kept", "tags", "TAGS: OVIP (STEINBERG, JAMES B.) PREL"),
    # subject
    ("ends at a glued REF:", "subject", "SUBJECT: TALKS WITH THE MINISTERREF: A. PARIS 123"),
    ("ends at Classified By", "subject", "SUBJECT: TALKS Classified By: Amb X"),
    ("ends at a rule line", "subject", "SUBJECT: TALKS ON TRADE ---------- 1. X"),
    (
        "ends before a repeated banner",
        "subject",
        "SUBJECT: TALKS ON TRADE\nC O N F I D E N T I A L MOSCOW 001704\n",
    ),
    (
        "ends before body text",
        "subject",
        "SUBJECT: TALKS ON TRADE\nThe minister said that he would go.\n",
    ),
    ("SUBJECT with no colon", "subject", "TAGS: PREL\nSUBJECT TALKS ON TRADE\n\n1. X"),
    ("clipped UBJECT:", "subject", "TAGS: PREL\nUBJECT: TALKS ON TRADE\n\n1. X"),
    ("on the line after a blank", "subject", "TAGS: PREL\nSUBJECT:\n\nTALKS ON TRADE\n\n1. X"),
    ("numeric character references", "subject", "SUBJECT: THE MINISTER&#8217;S TALKS\n"),
    # classified by
    (
        "misspelt title",
        "classified_by",
        "Classified By: Ambassaor John Smith for reasons 1.4 (b) and (d)",
    ),
    (
        "title with a place",
        "classified_by",
        "CLASSIFIED BY: AMBASSADOR TO SUDAN JOHN SMITH FOR REASONS 1.4 (B)",
    ),
    (
        "suffix kept",
        "classified_by",
        "CLASSIFIED BY: AMBASSADOR THOMAS W. SIMONS, JR. REASONS: 1.5 (B)",
    ),
    (
        "word split across lines",
        "classified_by",
        "CLASSIFIED BY: POLCOUNS JOHN SMITH FOR REA\nSONS 1.4 (B) AND (D)",
    ),
    (
        "name split across lines",
        "classified_by",
        "Classified By: Polcouns John Smi\nth for reasons 1.4 (b)",
    ),
    (
        "end marker BASED UPON",
        "classified_by",
        "CLASSIFIED BY: AMBASSADOR JOHN SMITH BASED UPON 1.4 (B)",
    ),
    (
        "end marker (acting)",
        "classified_by",
        "Classified By: Ambassador John Smith (acting), reasons 1.4 (b)",
    ),
    (
        "no reason clause",
        "classified_by",
        "Classified By: Ambassador John Smith\n\n1. (C) Summary: text",
    ),
    ("glued title", "classified_by", "Classified By: DCM/Ted Osius, reasons 1.4 (b)"),
    (
        "two people",
        "classified_by",
        "CLASSIFIED BY: AMBASSADOR JOHN SMITH AND DCM MARY JONES. REASONS 1.4 (B)",
    ),
    ("zero for O", "classified_by", "CLASSIFIED BY: AMBASSAD0R JOHN SMITH, REAS0N 1.4 (B)"),
    ("corrected-copy line", "classified_by", "CLASSIFIED BY LINE ADDED\n\n1. (C) text"),
    # signers, summary, title casing
    ("signer before NNNN", "signers", "1. Text of the cable.\n\nSTEVENS\n\nNNNN\n"),
    (
        "signer before a NOTE",
        "signers",
        "1. Text.\n\nSHULTZ\n\nNOTE: NOT PASSED TO ALL ADDRESSEES.\n",
    ),
    ("signer marker ##", "signers", "1. Text.\n\nSMITH##\n"),
    (
        "summary marking dropped",
        "summary",
        "1. (C) Summary: (SBU) The minister said x.\n\n2. Next.",
    ),
    (
        "summary ends at a dashed heading",
        "summary",
        "SUMMARY: The minister said x.\n------\nBACKGROUND\n------\nText.",
    ),
    ("acronyms stay", "title_case", "AL-WIFAQ LEADER HOPES POTUS VISIT WILL HELP"),
    ("'s after an acronym", "title_case", "GOL'S NEW CABINET"),
    ("slash-joined words", "title_case", "AFGHANISTAN/YEMEN/IRAN TALKS"),
    ("ordinals", "title_case", "THE 63RD UNGA"),
]


# Each kind of example: the parse API function that reads it, and whether it
# takes the citing year.
_API = {
    "references": ("parse_references", True),
    "tags": ("parse_tags", False),
    "subject": ("parse_subject", False),
    "classified_by": ("parse_classified_by", False),
    "signers": ("parse_signers", False),
    "summary": ("parse_summary", False),
    "title_case": ("title_case", False),
    "canonical_id": ("canonical_id", False),
}


def _reader(kind: str) -> Callable[[str], Any] | None:
    """The installed parser's function for this kind (None: not in its API)."""
    import generator.parse as parse

    name, takes_year = _API[kind]
    function = getattr(parse, name, None)
    if function is None or not takes_year:
        return function
    return lambda text: function(text, 2008)


def read_examples() -> list[str]:
    """What the installed parser makes of each example (an error's name if it raises)."""
    results = []
    for _, kind, fragment in EXAMPLES:
        reader = _reader(kind)
        if reader is None:
            results.append("(not in this version's API)")
            continue
        try:
            results.append(json.dumps(reader(fragment), ensure_ascii=False))
        except Exception as error:  # a version that fails on a fragment: that is its result
            results.append(f"raises {type(error).__name__}")
    return results


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "\\n")


def compare(before: list[str], after: list[str]) -> str:
    lines = ["| family | fragment | before | after |", "|---|---|---|---|"]
    for (family, _, fragment), old, new in zip(EXAMPLES, before, after, strict=True):
        shown = fragment if len(fragment) <= 70 else fragment[:67] + "..."
        mark = "" if old != new else " (same)"
        lines.append(f"| {family} | `{_cell(shown)}` | {_cell(old)} | {_cell(new)}{mark} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write the results here (JSON)")
    parser.add_argument("--before", type=Path, help="print a table of these results beside ours")
    args = parser.parse_args()
    import generator

    print(f"parser from {Path(generator.__file__).parent}", file=sys.stderr)
    results = read_examples()
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.before:
        print(compare(json.loads(args.before.read_text(encoding="utf-8")), results))
    if not args.out and not args.before:
        for (family, _, _), result in zip(EXAMPLES, results, strict=True):
            print(f"{family}: {result}")


if __name__ == "__main__":
    main()
