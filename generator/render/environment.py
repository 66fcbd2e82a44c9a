"""The Jinja2 environment and the theme lookup order.

A template or static file is looked up, first match wins, in:

1. the site's own ``templates/`` (or ``static/``),
2. the site's ``themes/THEME/templates/`` (``static/``), when it has one,
3. the built-in theme named by ``theme`` in ``site.toml``,
4. the built-in ``default`` theme.

So a site overrides any single file by putting one of the same name in its
own folder, and a theme only needs the files it changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from datetime import date
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.filters
import jinja2.meta

from generator.config import SiteConfig
from generator.errors import UserError
from generator.reference.glossary import tag_kind
from generator.render.fragments import Links, html_text
from generator.render.internals import jinja_classes
from generator.urls import Urls


def _builtin_themes() -> Path:
    """The shipped themes: the repository's themes/ in a checkout, else the installed copy."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "themes"
    return checkout if (checkout / "default").is_dir() else package / "themes"


BUILTIN_THEMES = _builtin_themes()


def theme_folders(config: SiteConfig, kind: str) -> list[Path]:
    """Existing folders holding `kind` ("templates" or "static"), highest priority first."""
    candidates = [
        config.root / kind,
        config.root / "themes" / config.theme / kind,
        BUILTIN_THEMES / config.theme / kind,
        BUILTIN_THEMES / "default" / kind,
    ]
    seen: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in [s.resolve() for s in seen]:
            seen.append(folder)
    return seen


def check_theme(config: SiteConfig) -> None:
    if config.theme == "default":
        return
    if (
        not (config.root / "themes" / config.theme).is_dir()
        and not (BUILTIN_THEMES / config.theme).is_dir()
    ):
        raise UserError("site.toml", None, f"theme {config.theme!r} not found")


class SiteEnvironment(jinja2.Environment):
    """The environment of a build: its templates share the environment's globals rather
    than a ChainMap over them, and (when :mod:`generator.render.internals` can) join runs
    of output and escape with :func:`~generator.render.fragments.html_text`.

    Every render copies a template's globals into its context: a dict copies
    in one step, a ChainMap key by key in Python (about a twentieth of a
    cable page). Nothing here gives a template globals of its own; if
    something did, it would get the usual ChainMap.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        if not d:
            return self.globals
        return super().make_globals(d)


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """The Jinja environment of one build.

    Besides Jinja's, its filters are the helpers a template repeats:
    ``href``, ``absolute`` and ``static`` (site paths to links),
    ``cable_href``, ``cable_link``, ``tag_href``, ``origin_href``,
    ``classification_href`` and ``month_href`` (a cable, tag, origin slug,
    classification slug or creation time to its page), ``when`` and
    ``badge`` (HTML fragments), ``day`` (a date as text), ``paragraph`` (a paragraph of a cable's
    text, as the default cable page shows it), ``strftime``, ``isoformat``, ``tag_meaning``,
    ``tag_kind`` and ``xml``; ``join`` is Jinja's, faster on lists of
    strings. The renderer's globals (``href(…)``,
    ``cable_href(…)``, ``when(…)``…) do the same as function calls, slower.
    """
    loader = jinja2.FileSystemLoader([str(p) for p in theme_folders(config, "templates")])
    env = SiteEnvironment(
        loader=loader,
        # Everything from a cable is untrusted: escape by default, in HTML and XML alike.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xml", "svg"), disabled_extensions=("txt",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build makes its own environment: templates are read once, never
        # checked again for changes (a stat of each template at every page),
        # and kept in a plain dict (the LRU cache takes a lock at every look-up).
        auto_reload=False,
        cache_size=-1,
    )
    # Chosen when the environment is made (tests/render/test_internals.py renders a site
    # with Jinja's own classes too, and compares).
    env.template_class, env.code_generator_class = jinja_classes(html_text)
    env.filters["xml"] = xml_text
    env.filters["tag_kind"] = tag_kind
    env.filters["join"] = join
    env.filters["isoformat"] = isoformat
    # Before any template is compiled: a filter it names must exist then, and
    # one over a literal (``{{ 'style.css'|static|href }}``) is applied then.
    env.filters.update(Links(Urls(config.base_url)).filters())
    return env


_JINJA_JOIN = jinja2.filters.FILTERS["join"]


@jinja2.pass_eval_context
def join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
    """Jinja's ``join``, without its look for ``__html__`` on every item of a list of strings.

    A list or tuple of plain strings joined by a plain string is that join,
    escaped or not: what Jinja's filter returns too, after asking each item
    for ``__html__`` (an AttributeError raised and caught each time). A
    cable page joins its signers and its "classified by" lines. Anything
    else is Jinja's own filter.
    """
    if attribute is None and type(d) is str and type(value) in (list, tuple):
        for item in value:
            if type(item) is not str:
                break
        else:
            return d.join(value)
    return _JINJA_JOIN(eval_ctx, value, d, attribute)


def isoformat(moment: date) -> str:
    """``{{ cable.released|isoformat }}``: a filter, where a method call goes through Context.call."""
    return moment.isoformat()


# Characters XML 1.0 forbids even when escaped; old telegrams do contain some.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text safe to put in an XML document (escaping is still done by autoescape)."""
    return _XML_INVALID.sub("", str(value))


def template_closure(env: jinja2.Environment, name: str) -> frozenset[str]:
    """A template and every template it extends, includes or imports."""
    return _closure(env, name)


def _closure(env: jinja2.Environment, name: str) -> frozenset[str]:
    found: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        pending.extend(_referenced(env, current))
    return frozenset(found)


@cache
def _parsed_references(source: str) -> tuple[str, ...]:
    ast = jinja2.Environment().parse(source)
    return tuple(n for n in jinja2.meta.find_referenced_templates(ast) if n)


def _referenced(env: jinja2.Environment, name: str) -> tuple[str, ...]:
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return ()
    return _parsed_references(source)


def template_error(exc: Exception) -> UserError:
    """A Jinja error as ``template:line: message``, pointing at the user's template."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return UserError(exc.filename or exc.name or "template", exc.lineno, exc.message or "")
    if isinstance(exc, jinja2.TemplateNotFound):
        return UserError(exc.name or "template", None, "template not found")
    filename, line = _template_frame(exc.__traceback__)
    return UserError(filename or "template", line, f"{type(exc).__name__}: {exc}")


def _template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost traceback frame that is in a template file."""
    found: tuple[str | None, int | None] = (None, None)
    for frame_tb in _walk(tb):
        filename = frame_tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".svg")):
            found = (filename, frame_tb.tb_lineno)
    return found


def _walk(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next
