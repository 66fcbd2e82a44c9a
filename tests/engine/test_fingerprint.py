"""The code fingerprint: every module a build runs is in it, the tool around the build is not.

A state made by other code is thrown away (a full build), so the
fingerprint must cover whatever can change what a cable parses to or
what a page holds, and should leave out what cannot (the server, the
checker, the importer, the terminal), so that editing those keeps every
site's cache.
"""

from __future__ import annotations

from codegraph import graph, modules

from generator.engine.fingerprint import PACKAGE, fingerprinted_files

# Imported by the build but shaping no output: progress bars on the terminal.
TERMINAL_ONLY = {"generator.ui.progress"}


def fingerprinted() -> set[str]:
    files = set(fingerprinted_files())
    return {name for name, path in modules().items() if path in files}


def test_the_tool_around_the_build_is_left_out() -> None:
    names = fingerprinted()
    for left_out in ("serve", "check", "importing", "ui"):
        assert not any(name.startswith(f"generator.{left_out}") for name in names), left_out
    assert "generator.cli" not in names
    for kept in ("parse", "archive", "site", "render", "engine", "reference"):
        assert any(name.startswith(f"generator.{kept}.") for name in names), kept
    assert PACKAGE / "reference" / "data" / "stations.tsv" in fingerprinted_files()


def test_everything_the_build_imports_is_in_it() -> None:
    names = fingerprinted()
    edges = graph()
    outside = {
        f"{name} imports {other}"
        for name in names
        for other in edges[name]
        if other not in names and other not in TERMINAL_ONLY
    }
    assert not outside, sorted(outside)
