"""In a fresh process, change an internal that generator/render/internals.py reads, as an
upgrade of Python, Pygments, MarkupSafe or Jinja could, then highlight and build with it.

    python internals_off.py BREAKAGE SITE OUT

The library keeps working through its public API: only the internal changes.
Nothing of ``generator`` is imported before the breakage, since the internals
are probed when ``generator.render.internals`` is imported. OUT gets JSON:
what ``internals.speedups()`` says and the highlighted raw text of every dev
corpus telegram; SITE is built clean in this process.
"""

from __future__ import annotations

import functools
import json
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TELEGRAMS = REPO.parent / "shared" / "corpus" / "dev" / "telegram"


def none() -> None:
    """Nothing changed: the reference run."""


def regex_parser_missing() -> None:
    """A Python whose regex parser is elsewhere (as sre_parse became re._parser in 3.11)."""
    sys.modules["re._parser"] = None  # type: ignore[assignment]  # import re._parser fails


def bygroups_changed() -> None:
    """A Pygments whose bygroups callback keeps its tokens elsewhere than in a closure."""
    import pygments.lexer

    original = pygments.lexer.bygroups

    def bygroups(*args: Any) -> Callable[..., Any]:
        inner = original(*args)

        def callback(lexer: Any, match: Any, ctx: Any = None) -> Any:
            yield from inner(lexer, match, ctx)

        return callback

    pygments.lexer.bygroups = bygroups


def _markupsafe_inner(replacement: Callable[[str], str] | None) -> None:
    """markupsafe.escape keeps the real inner escaper; the module's own name changes."""
    import markupsafe

    namespace = dict(vars(markupsafe))  # escape's globals, keeping the real one
    escape = markupsafe.escape
    kept = types.FunctionType(escape.__code__, namespace, escape.__name__, escape.__defaults__)
    namespace["escape"] = markupsafe.escape = kept
    if replacement is None:
        del markupsafe._escape_inner
    else:
        markupsafe._escape_inner = replacement


def escape_missing() -> None:
    """A MarkupSafe without _escape_inner (MarkupSafe 2 had none)."""
    _markupsafe_inner(None)


def escape_changed() -> None:
    """A MarkupSafe whose _escape_inner leaves the quotes to its caller."""
    _markupsafe_inner(
        lambda text: text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def markup_changed() -> None:
    """A MarkupSafe whose Markup has an __init__, which str.__new__ would not run."""
    from markupsafe import Markup

    def __init__(self: Markup, *args: Any, **kwargs: Any) -> None:
        pass

    Markup.__init__ = __init__  # type: ignore[method-assign]


def jinja_template_hook_broken() -> None:
    """A Jinja whose root render function is no plain function of the template's module."""
    import jinja2

    original = jinja2.Template.from_code.__func__  # type: ignore[attr-defined]

    def from_code(cls: Any, *args: Any, **kwargs: Any) -> Any:
        template = original(cls, *args, **kwargs)
        template.root_render_func = functools.partial(template.root_render_func)
        return template

    jinja2.Template.from_code = classmethod(from_code)  # type: ignore[method-assign, assignment]


def jinja_code_generator_changed() -> None:
    """A Jinja whose visit_Output no longer writes a run through frame.buffer as given."""
    from jinja2.compiler import CodeGenerator

    original = CodeGenerator.visit_Output

    def visit_Output(self: Any, node: Any, frame: Any) -> None:
        buffer = frame.buffer
        if buffer is None or not buffer.startswith("yield "):
            original(self, node, frame)
            return
        frame.buffer = None
        try:
            original(self, node, frame)
        finally:
            frame.buffer = buffer

    CodeGenerator.visit_Output = visit_Output  # type: ignore[method-assign]


def everything() -> None:
    for name, breakage in BREAKAGES.items():
        if name not in ("none", "everything", "escape_changed"):
            breakage()


BREAKAGES: dict[str, Callable[[], None]] = {
    function.__name__: function
    for function in (
        none,
        regex_parser_missing,
        bygroups_changed,
        escape_missing,
        escape_changed,
        markup_changed,
        jinja_template_hook_broken,
        jinja_code_generator_changed,
        everything,
    )
}


def main() -> None:
    breakage, site, out = sys.argv[1:4]
    BREAKAGES[breakage]()
    sys.path.insert(0, str(REPO))
    from generator.engine.builder import BuildOptions, build_site
    from generator.parse import read_cables
    from generator.render import internals
    from generator.render.highlight import highlight_cable
    from generator.render.text import raw_text

    files = sorted(TELEGRAMS.iterdir())
    cables = [c for f in files for c in read_cables(f, on_problem=lambda _: None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(Path(site), BuildOptions(clean=True, jobs=1))
    found = {
        "speedups": internals.speedups(),
        "html": [str(highlight_cable(raw_text(cable))) for cable in cables],
    }
    Path(out).write_text(json.dumps(found), encoding="utf-8")


if __name__ == "__main__":
    main()
