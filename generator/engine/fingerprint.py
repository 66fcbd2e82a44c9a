"""Fingerprints of what a build is made with besides its input files: code, settings, templates.

A state or a page signature made by other code, other settings or other
templates is not trusted: :func:`code_fingerprint` digests every module of
the package that can change what a cable parses to or what a page holds,
with the versions of the libraries that shape output; :func:`site_fingerprint`
adds the settings and where the output goes; :func:`template_fingerprints`
digests each template with everything it pulls in.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable
from dataclasses import fields
from functools import cache
from pathlib import Path

import jinja2

from generator.config import SiteConfig
from generator.digests import hasher, text_hex_digest
from generator.render.environment import template_closure

PACKAGE = Path(__file__).resolve().parents[1]
# What is not in the fingerprint: the tool around the build, which shapes
# neither what a cable parses to nor what a page holds, so that editing it
# (as a developer does all day) does not throw every site's cache away.
# Packages by folder, modules by file; tests/engine/test_fingerprint.py checks
# that nothing the build imports is left out.
NOT_OUTPUT = frozenset({"serve", "check", "importing", "ui", "cli.py", "__main__.py"})
# Libraries whose versions can change the output (or the parse cache's format).
LIBRARIES = ("jinja2", "markupsafe", "pygments", "markdown-it-py", "pyyaml", "zstandard")
# Bumped whenever the layout of the state changes.
STATE_FORMAT = 5


def fingerprinted_files() -> list[Path]:
    """The package's files that shape output, in a stable order."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in NOT_OUTPUT or "__pycache__" in relative.parts:
            continue
        if path.is_file() and path.suffix in (".py", ".tsv", ".csv", ".txt", ".json"):
            found.append(path)
    return found


@cache
def code_fingerprint() -> str:
    """The cablesite code and the libraries that shape its output.

    Any change to the parser or the renderer can change what a cable or a
    page becomes, so a state written by other code is not trusted at all.
    """
    digest = hasher()
    for path in fingerprinted_files():
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    versions = [sys.version]
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    digest.update("\n".join(versions).encode())
    digest.update(str(STATE_FORMAT).encode())
    return digest.hexdigest()


def site_parts(config: SiteConfig, output: Path, reader: str) -> dict[str, str]:
    """Everything about a build that is not a file, part by part: each setting, where the
    output goes, who reads the cables, the code (so that a build can say which changed)."""
    parts = {
        f"setting {f.name}": repr(getattr(config, f.name))
        for f in fields(config)
        if f.name != "root"
    }
    parts["output"] = str(output.resolve())
    parts["reader"] = reader
    parts["code"] = code_fingerprint()
    return parts


def site_fingerprint(parts: dict[str, str]) -> str:
    """One digest of :func:`site_parts`: what every page's signature starts with."""
    return text_hex_digest(repr(sorted(parts.items())))


def template_fingerprints(env: jinja2.Environment) -> Callable[[str], str]:
    """Template name → a digest of its closure's sources (every template it pulls in)."""
    known: dict[str, str] = {}
    sources: dict[str, str] = {}

    def source_digest(name: str) -> str:
        if name not in sources:
            assert env.loader is not None
            try:
                text, _, _ = env.loader.get_source(env, name)
                sources[name] = text_hex_digest(text)
            except jinja2.TemplateNotFound:
                sources[name] = "missing"
        return sources[name]

    def fingerprint(name: str) -> str:
        if name not in known:
            try:
                closure = sorted(template_closure(env, name))
                known[name] = text_hex_digest(repr([(n, source_digest(n)) for n in closure]))
            except jinja2.TemplateError:
                # A template that does not parse: rendering will report it. Any
                # value will do that no successful build could have recorded.
                known[name] = text_hex_digest(repr(("unparsable", name, source_digest(name))))
        return known[name]

    return fingerprint
