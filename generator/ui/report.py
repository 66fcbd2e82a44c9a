"""Warnings for the terminal: repeated ones grouped into one line with a count.

A synthetic or machine-made archive can give the same warning for every
cable ("no date in the source" on 10,000 cables); 10,000 lines would bury
the summary and everything else. Warnings that differ only in the cable id,
file name or numbers are shown once, with how many more there are. The
site's diagnostics page groups them the same way (:meth:`Problem.kind`), and its
``diagnostics/warnings.txt`` lists every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.model import Problem

# A group is shown as one line from this many warnings on.
GROUP_FROM = 3
# At most this many lines of warnings; the rest are counted.
MAX_LINES = 50


def warning_lines(problems: Sequence[Problem], diagnostics: str) -> list[str]:
    """The lines to print for `problems`, in the order they first occur."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.kind(), []).append(problem)
    lines: list[str] = []
    shown = 0
    for members in groups.values():
        if len(lines) >= MAX_LINES:
            break
        if len(members) >= GROUP_FROM:
            more = len(members) - 1
            lines.append(f"warning: {members[0]} [and {more:,} more like it]")
            shown += len(members)
            continue
        for problem in members:
            if len(lines) >= MAX_LINES:
                break
            lines.append(f"warning: {problem}")
            shown += 1
    hidden = len(problems) - shown
    if hidden > 0:
        lines.append(f"... and {hidden:,} more warning(s)")
    if problems and (hidden > 0 or shown > len(lines)):
        lines.append(f"every warning is in {diagnostics}")
    return lines
