"""The site's own pages: Markdown files in ``content/pages/``, read into :class:`Document`.

A document is a slug (the file's stem, or ``slug`` in its front matter),
a title, a description and a Markdown body; it is rendered by
:mod:`generator.render.markdown`. Cable ids in its text (``03OTTAWA49``)
become links when the cable is in the archive, so the plan records which
cables a document names (:func:`mentioned_ids`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.config import SiteConfig
from generator.errors import UserError
from generator.model import Problem
from generator.parse.formats.frontmatter import load_front_matter
from generator.parse.formats.guards import MAX_NESTING, yaml_flow_nesting

CABLE_ID = re.compile(r"\b\d{2}[A-Z][A-Z-]*[A-Z]\d+\b")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown page: its slug (file stem), front matter and body."""

    slug: str
    source: str
    title: str
    description: str
    body: str
    body_line: int


def read_document(path: Path, display: str) -> Document:
    text = path.read_text(encoding="utf-8", errors="replace")
    meta, body, body_line = split_front_matter(text, display)
    title = str(meta.get("title") or first_heading(body) or path.stem.replace("-", " ").title())
    return Document(
        slug=str(meta.get("slug") or path.stem),
        source=display,
        title=title,
        description=str(meta.get("description") or ""),
        body=body,
        body_line=body_line,
    )


def split_front_matter(text: str, display: str) -> tuple[dict, str, int]:
    found = _FRONT_MATTER.match(text)
    if not found:
        return {}, text, 1
    try:
        # The cables' guarded loader: no aliases (a 300-byte alias bomb expands
        # to gigabytes) and no nesting deep enough to exhaust the stack.
        if yaml_flow_nesting(found.group(1)):
            raise UserError(
                display, 2, f"invalid front matter: nested deeper than {MAX_NESTING} levels"
            )
        meta = load_front_matter(found.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        message = f"invalid front matter: {getattr(exc, 'problem', exc)}"
        raise UserError(display, line, message) from None
    if not isinstance(meta, dict):
        raise UserError(display, 2, "front matter must be a mapping of keys to values")
    return meta, text[found.end() :], found.group(0).count("\n") + 1


def first_heading(body: str) -> str | None:
    found = re.search(r"^#\s+(.+?)\s*#*\s*$", body, re.MULTILINE)
    return found.group(1) if found else None


def load_documents(config: SiteConfig, problems: list[Problem]) -> dict[str, Document]:
    """The Markdown pages, by slug; a second page with a taken slug is reported and skipped."""
    docs: dict[str, Document] = {}
    folder = config.pages_dir
    if not folder.is_dir():
        return docs
    for path in sorted(folder.glob("*.md")):
        display = path.relative_to(config.root).as_posix()
        try:
            doc = read_document(path, display)
        except UserError as error:  # one bad page is a warning, like one bad cable
            problems.append(Problem(error.path, error.line, f"{error.message}; skipped"))
            continue
        if doc.slug in docs:
            problems.append(Problem(display, None, f"slug {doc.slug!r} already used; skipped"))
            continue
        docs[doc.slug] = doc
    return docs


def mentioned_ids(text: str) -> set[str]:
    """Everything in a Markdown text that could be a cable id (as written or entity-decoded)."""
    return set(CABLE_ID.findall(text)) | set(CABLE_ID.findall(html.unescape(text)))
