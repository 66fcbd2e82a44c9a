"""Warnings in the terminal: repeated ones grouped, every one still on the diagnostics page."""

from __future__ import annotations

from generator.model import Problem
from generator.ui.report import MAX_LINES, warning_lines


def undated(number: int) -> Problem:
    message = f"0{number % 10}PARIS{number}: no date in the source: created inferred as 2000-10-21"
    return Problem(f"content/cables/{number}.txt", None, message)


def test_a_warning_repeated_on_many_cables_is_one_line_with_a_count() -> None:
    problems = [undated(n) for n in range(10_000)]
    lines = warning_lines(problems, "diagnostics/warnings.txt")
    assert len(lines) == 2
    assert lines[0].startswith("warning: content/cables/0.txt: 00PARIS0: no date in the source")
    assert lines[0].endswith("[and 9,999 more like it]")
    assert lines[1] == "every warning is in diagnostics/warnings.txt"


def test_different_warnings_are_all_shown_in_order() -> None:
    problems = [
        Problem("a.txt", 3, "cannot read this file"),
        undated(1),
        Problem("b.csv", 12, "malformed row: 3 fields, not 8"),
    ]
    lines = warning_lines(problems, "diagnostics/warnings.txt")
    assert lines == [f"warning: {p}" for p in problems]


def test_kinds_ignore_the_cable_id_and_numbers() -> None:
    assert undated(1).kind() == undated(2).kind()
    assert undated(1).kind() != Problem("a.txt", None, "empty file").kind()


def test_too_many_kinds_are_cut_and_counted() -> None:
    problems = [Problem(f"{n}.txt", None, f"odd thing {'x' * n}") for n in range(MAX_LINES + 20)]
    lines = warning_lines(problems, "diagnostics/warnings.txt")
    assert len(lines) == MAX_LINES + 2
    assert lines[-2] == "... and 20 more warning(s)"


def test_no_warnings_no_lines() -> None:
    assert warning_lines([], "diagnostics/warnings.txt") == []
