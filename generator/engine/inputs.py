"""What a build reads besides the cables, and the fingerprints it signs pages with.

Settings, templates, static files and Markdown pages: few files, read in
full by every build (a build with nothing to do only stats them).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path

import jinja2

from generator.archive.assemble import Archive
from generator.config import CONFIG_NAME, SiteConfig
from generator.engine.discover import Identity, Inputs
from generator.engine.signatures import digest_text
from generator.engine.state import RACY_NS, code_fingerprint
from generator.model import Problem
from generator.render.environment import template_closure, theme_folders
from generator.render.highlight import stylesheet
from generator.render.markdown import Document, read_document
from generator.site.urls import Urls, is_safe_relative


def site_fingerprint(config: SiteConfig, output: Path, reader: str) -> str:
    """Everything about a build that is not a file: settings, code, where the output goes."""
    settings = tuple((f.name, getattr(config, f.name)) for f in fields(config) if f.name != "root")
    return digest_text(repr((settings, str(output.resolve()), reader, code_fingerprint())))


def other_inputs(config: SiteConfig, inputs: Inputs) -> dict[str, Identity]:
    """Identities of every input besides the cables: config, templates, static files, pages.

    Files in content/cables/ that are not cables count too: they are
    reported, so one appearing changes the diagnostics.
    """
    found: dict[str, Identity] = {}
    candidates = [config.root / CONFIG_NAME]
    for kind in ("templates", "static"):
        for folder in theme_folders(config, kind):
            candidates.extend(p for p in folder.rglob("*") if not p.is_dir())
    if config.pages_dir.is_dir():
        candidates.extend(config.pages_dir.glob("*.md"))
    for path in candidates:
        try:
            info = path.stat()
            found[str(path)] = (info.st_size, info.st_mtime_ns)
        except OSError:
            found[str(path)] = (-1, -1)
    for name in inputs.ignored:
        found[f"ignored:{name}"] = (0, 0)
    return found


def trusted(found: Mapping[str, Identity]) -> dict[str, Identity]:
    """Identities to record: a file changed within the last seconds is not trusted."""
    racy = time.time_ns() - RACY_NS
    return {path: (size, -1 if mtime > racy else mtime) for path, (size, mtime) in found.items()}


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """Theme static files (site overrides first), the generated highlight CSS, ``.nojekyll``."""
    files: dict[str, Path] = {}
    for folder in reversed(theme_folders(config, "static")):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            files[path.relative_to(folder).as_posix()] = path
    files.pop("highlight.css", None)
    out: dict[str, bytes] = {}
    for name, path in sorted(files.items()):
        if is_safe_relative(name) and not name.startswith("."):
            out[Urls.static(name)] = path.read_bytes()
    out[Urls.static("highlight.css")] = stylesheet().encode("utf-8")
    out[Urls.nojekyll] = b""
    return out


def load_documents(config: SiteConfig, problems: list[Problem]) -> dict[str, Document]:
    """The Markdown pages, by slug; a second page with a taken slug is reported and skipped."""
    docs: dict[str, Document] = {}
    folder = config.pages_dir
    if not folder.is_dir():
        return docs
    for path in sorted(folder.glob("*.md")):
        display = path.relative_to(config.root).as_posix()
        doc = read_document(path, display)
        if doc.slug in docs:
            problems.append(Problem(display, None, f"slug {doc.slug!r} already used; skipped"))
            continue
        docs[doc.slug] = doc
    return docs


def template_fingerprints(env: jinja2.Environment) -> Callable[[str], str]:
    """Template name → a digest of its closure's sources (every template it pulls in)."""
    known: dict[str, str] = {}
    sources: dict[str, str] = {}

    def source_digest(name: str) -> str:
        if name not in sources:
            assert env.loader is not None
            try:
                text, _, _ = env.loader.get_source(env, name)
                sources[name] = digest_text(text)
            except jinja2.TemplateNotFound:
                sources[name] = "missing"
        return sources[name]

    def fingerprint(name: str) -> str:
        if name not in known:
            try:
                closure = sorted(template_closure(env, name))
                known[name] = digest_text(repr([(n, source_digest(n)) for n in closure]))
            except jinja2.TemplateError:
                # A template that does not parse: rendering will report it. Any
                # value will do that no successful build could have recorded.
                known[name] = digest_text(repr(("unparsable", name, source_digest(name))))
        return known[name]

    return fingerprint


def cable_digests(archive: Archive, digests: Mapping[str, tuple[str, ...]]) -> Callable[[str], str]:
    def digest(key: str) -> str:
        entry = archive.entries[key]
        return digests[entry.source][entry.ordinal]

    return digest


def bytes_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()
