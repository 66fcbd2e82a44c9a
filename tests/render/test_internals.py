"""The internals of CPython and of the libraries are read in one module, and never needed.

``generator/render/internals.py`` is the only module that reads a private
internal; each shortcut through one is on with the libraries this project
pins, and with each one off (as an upgrade that changed it would leave it)
the output is byte for byte the same, through the public path.
"""

from __future__ import annotations

import ast
import shutil
import warnings
from pathlib import Path

import jinja2
import markupsafe
import pytest
from codegraph import PACKAGE
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from pygments.lexer import RegexLexer
from repo import REPO
from sitekit import tree

from generator.engine.builder import BuildOptions, build_site
from generator.render import environment, highlight, internals
from generator.render.highlight.anchored import anchored
from generator.render.highlight.fast import compile_lexer
from generator.render.highlight.lexer import CableLexer

ALLOWED = PACKAGE / "render" / "internals.py"
# Attributes of functions a library made, read only to look inside them.
INTROSPECTION = {"__closure__", "__code__", "__globals__", "cell_contents"}


def test_every_shortcut_is_on_with_the_libraries_this_project_pins() -> None:
    # Off, a build is right but slower: an upgrade that turns one off shows here.
    assert internals.speedups() == dict.fromkeys(internals.speedups(), True)


@settings(max_examples=300)
@given(st.text())
def test_the_escaper_is_markupsafe_s(text: str) -> None:
    assert internals.escape_text(text) == str(markupsafe.escape(text))
    made = internals.new_markup(Markup, text)
    assert type(made) is Markup and made == Markup(text)


def texts(dev_corpus: Path) -> list[str]:
    from generator.parse import read_cables
    from generator.render.text import raw_text

    files = sorted((dev_corpus / "telegram").glob("*"))[:40]
    return [raw_text(c) for f in files for c in read_cables(f, on_problem=lambda _: None)]


@pytest.mark.parametrize("internal", ["_REGEX_ANALYSIS", "_LEXER_RULES", "_BYGROUPS_ARGS"])
def test_without_a_lexer_internal_highlighting_is_pygments_own(
    internal: str, dev_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = texts(dev_corpus)
    fast = [highlight.highlight_cable(text) for text in sample]
    monkeypatch.setattr(internals, internal, False)
    highlight._fast_cable.cache_clear()
    try:
        formatter = highlight._bare_formatter()
        assert compile_lexer(CableLexer, formatter) is None
        assert [highlight.highlight_cable(text) for text in sample] == fast
    finally:
        monkeypatch.undo()
        highlight._fast_cable.cache_clear()


def test_without_the_lexer_rules_the_anchored_loop_is_pygments_own(
    dev_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = texts(dev_corpus)[:10]
    lexer = anchored(CableLexer)(stripnl=False, ensurenl=True)
    before = [list(lexer.get_tokens(text)) for text in sample]
    monkeypatch.setattr(internals, "_LEXER_RULES", False)
    assert [list(lexer.get_tokens(text)) for text in sample] == before
    plain: RegexLexer = CableLexer(stripnl=False, ensurenl=True)
    assert [list(plain.get_tokens(text)) for text in sample] == before


def test_without_the_jinja_shortcuts_every_page_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = {}
    for name in ("fast", "plain"):
        root = tmp_path / name
        shutil.copytree(REPO / "content", root / "content")
        shutil.copy(REPO / "site.toml", root / "site.toml")
        if name == "plain":
            monkeypatch.setattr(
                environment,
                "jinja_classes",
                lambda escape: (jinja2.Template, jinja2.Environment.code_generator_class),
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build_site(root, BuildOptions(jobs=1))
        built[name] = tree(root / "site")
    assert built["fast"] == built["plain"]


def test_the_fast_jinja_classes_are_the_ones_used() -> None:
    from generator.config import SiteConfig

    env = environment.make_environment(SiteConfig(root=REPO))
    assert env.template_class is not jinja2.Template
    assert env.code_generator_class is internals.JoiningCodeGenerator


# --- an upgrade that changes an internal: the public path, the same bytes ------------------------

HARNESS = Path(__file__).with_name("internals_off.py")
REGEX, LEXER, BYGROUPS, ESCAPE, MARKUP, JINJA = internals.speedups()
OFF = {
    "none": set(),
    "regex_parser_missing": {REGEX},
    "bygroups_changed": {BYGROUPS},
    "escape_missing": {ESCAPE},
    "escape_changed": {ESCAPE},
    "markup_changed": {MARKUP},
    "jinja_template_hook_broken": {JINJA},
    "jinja_code_generator_changed": {JINJA},
    "everything": {REGEX, BYGROUPS, ESCAPE, MARKUP, JINJA},
}


def run_broken(breakage: str, work: Path, dev_corpus: Path) -> tuple[dict, dict[str, bytes]]:
    """Highlight and build in a fresh process with one internal changed."""
    import json
    import subprocess
    import sys

    site = work / breakage
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(dev_corpus / "telegram", site / "content" / "cables" / "telegram")
    shutil.copy(REPO / "site.toml", site / "site.toml")
    out = work / f"{breakage}.json"
    subprocess.run(
        [sys.executable, str(HARNESS), breakage, str(site), str(out)], check=True, cwd=work
    )
    return json.loads(out.read_text(encoding="utf-8")), tree(site / "site")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, dev_corpus: Path):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("internals")
    return work, run_broken("none", work, dev_corpus)


def test_every_breakage_is_tried() -> None:
    import internals_off

    assert set(OFF) == set(internals_off.BREAKAGES)
    assert set().union(*OFF.values()) | {LEXER} == set(internals.speedups())


@pytest.mark.parametrize("breakage", sorted(set(OFF) - {"none"}))
def test_a_changed_internal_turns_its_shortcut_off_and_nothing_else_changes(
    breakage: str,
    reference,
    dev_corpus: Path,  # type: ignore[no-untyped-def]
) -> None:
    work, (expected, pages) = reference
    assert not [name for name, on in expected["speedups"].items() if not on]
    found, built = run_broken(breakage, work, dev_corpus)
    off = {name for name, on in found["speedups"].items() if not on}
    assert off == OFF[breakage]
    assert found["html"] == expected["html"]
    assert built == pages


# --- nobody else reads an internal -----------------------------------------------------------


def own_private_names() -> set[str]:
    """Every _name the package defines itself (its own internals are its own)."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ entries
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {name for name in names if name.startswith("_")}


def private_reads(path: Path, own: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names if _private_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("generator"):
                continue
            if _private_module(node.module):
                found.append(f"{where}: from {node.module}")
            found += [
                f"{where}: from {node.module} import {a.name}"
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            private = attr.startswith("_") and not attr.startswith("__") and attr not in own
            if private or attr in INTROSPECTION:
                found.append(f"{where}: .{attr}")
    return found


def _private_module(name: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in name.split("."))


def test_only_the_internals_module_reads_an_internal() -> None:
    own = own_private_names()
    readers = {
        str(path.relative_to(REPO)): reads
        for path in sorted(PACKAGE.rglob("*.py"))
        if (reads := private_reads(path, own))
    }
    assert list(readers) == [str(ALLOWED.relative_to(REPO))], readers


def test_the_check_sees_a_private_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import re._parser\nfrom markupsafe import _escape_inner\n"
        "def f(lexer, action):\n    return lexer._tokens, action.__closure__\n",
        encoding="utf-8",
    )
    reads = private_reads(sample, set())
    assert len(reads) == 4, reads
