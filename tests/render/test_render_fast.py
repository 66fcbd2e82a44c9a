"""The render shortcuts write what the plain Jinja templates they replace wrote.

The paragraph filter against the loop the default cable page had, the
strftime filter against ``datetime.strftime``, and templates compiled by
the joining code generator (:mod:`generator.render.internals`) against the same templates compiled by Jinja's own
code generator.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from generator.config import SiteConfig
from generator.render.environment import SiteEnvironment, make_environment
from generator.render.fragments import html_text, paragraph, strftime
from generator.render.internals import jinja_classes
from generator.render.pages import Renderer
from generator.render.text import Line, ShownParagraph, reflow
from generator.site.plan import Page

# The loop of themes/default/templates/cable.html before the paragraph filter.
OLD_LOOP = """\
    {% for p in paragraphs %}
    {% if p.is_heading %}
    <h3 id="{{ p.anchor }}" class="para-heading">{{ p.lines[0].text }}</h3>
    {% else %}
    <p id="{{ p.anchor }}" class="para"><a class="para-link" href="#{{ p.anchor }}" \
aria-label="Link to paragraph {{ p.ordinal }}">{{ p.label }}</a> {% if p.marking %}\
<span class="badge small level-{{ p.level }}" title="Paragraph classification">\
({{ p.marking }})</span> {% endif %}
      {% for line in p.lines[:1] %}{% if line.heading %}<strong>{{ line.text }}</strong>\
{% else %}{{ line.text }}{% endif %}{% endfor %}
      {%- for line in p.lines[1:] %}<span class="line">{% if line.heading %}\
<strong>{{ line.text }}</strong>{% else %}{{ line.text }}{% endif %}</span>{% endfor %}</p>
    {% endif %}
    {% endfor %}
"""
NEW_LOOP = """\
    {% for p in paragraphs %}
    {{ p|paragraph }}
    {% endfor %}
"""

TEXTS = [
    "Plain text.",
    "",
    "<script>alert('x')</script> & \"quoted\"",
    "A long line without anything to escape " * 10,
    "A long line with one ampersand & at the end " * 5,
    "A long line with a quote ' in the middle " * 5,
    "A long line with a <tag> " * 10,
    "Ünïcode — “quotes” ← →",
]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    env.filters["paragraph"] = paragraph
    return env


def _paragraphs(seed: int) -> list[ShownParagraph]:
    rng = random.Random(seed)
    shown = []
    for position in range(1, rng.randint(1, 8)):
        number = rng.choice([None, position, 10 + position])
        lines = tuple(
            Line(rng.choice(TEXTS), rng.random() < 0.3) for _ in range(rng.choice([0, 1, 1, 2, 5]))
        )
        marking = rng.choice([None, "", "C", "S//NF", "<U>"])
        level = rng.choice(["none", "secret", 'x"y'])
        anchor = rng.choice([f"p{position}", f"b{position}", "p3-2", 'a"<b'])
        label = rng.choice(["¶", f"{position}.", "<&>"])
        shown.append(ShownParagraph(anchor, number, marking, level, lines, label, position))
    return shown


@pytest.mark.parametrize("seed", range(200))
def test_paragraph_filter_writes_what_the_loop_wrote(seed: int) -> None:
    env = _environment()
    paragraphs = _paragraphs(seed)
    old = env.from_string(OLD_LOOP).render(paragraphs=paragraphs)
    new = env.from_string(NEW_LOOP).render(paragraphs=paragraphs)
    assert new == old


def test_a_heading_block_is_an_h3() -> None:
    shown = ShownParagraph("b1", None, None, "none", (Line("<Title>", True),), "¶", 1)
    assert paragraph(shown) == '<h3 id="b1" class="para-heading">&lt;Title&gt;</h3>'


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y"])
def test_strftime_is_datetime_strftime(fmt: str) -> None:
    rng = random.Random(fmt)
    moments: list[datetime | date] = [datetime(1, 1, 1), datetime(999, 12, 31, 23, 59)]
    for _ in range(2000):
        moment = datetime(1000, 1, 1) + timedelta(seconds=rng.randrange(9000 * 365 * 86400))
        moments.append(moment)
        moments.append(moment.replace(tzinfo=UTC))
        moments.append(moment.date())
    for moment in moments:
        assert strftime(moment, fmt) == moment.strftime(fmt)  # type: ignore[arg-type]


TEMPLATES = {
    "base.html": (
        "<title>{% block title %}{{ site }} · {{ n }}{% endblock %}</title>\n"
        "{% block main %}{% endblock %}<footer>{{ site }}{{ n }}{{ site }}</footer>\n"
    ),
    "page.html": (
        '{% extends "base.html" %}{% from "m.html" import item %}'
        "{% block title %}{{ super() }} · {{ title }} ({{ n }}){% endblock %}"
        "{% block main %}<h1>{{ title }}</h1>\n"
        "{% for x in items %}<li>{{ x }}·{{ loop.index }}/{{ loop.length }}</li>{{ item(x) }}"
        "{% else %}<p>{{ 'none' }}, {{ title }}.</p>{% endfor %}\n"
        "{% set caption %}{{ title }}: {{ n }} {{ title|upper }}{% endset %}{{ caption }}\n"
        "{% if n > 1 %}{{ n }} <b>{{ title }}</b> {{ n * 2 }}{% endif %}"
        "{% endblock %}"
    ),
    "m.html": "{% macro item(x) %}<i>{{ x }}</i>{{ x }}<i>{{ x }}</i>{% endmacro %}",
    "plain.txt": "{{ title }} {{ n }} {{ title }}\n{% for x in items %}{{ x }}-{{ x }}-{{ x }}\n{% endfor %}",
}


@pytest.mark.parametrize("name", ["page.html", "plain.txt"])
def test_joined_output_renders_what_jinja_renders(name: str) -> None:
    def make(cls: type[jinja2.Environment]) -> jinja2.Environment:
        env = cls(
            loader=jinja2.DictLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        if cls is SiteEnvironment:
            env.template_class, env.code_generator_class = jinja_classes(html_text)
        return env

    context = {"site": "A & B", "n": 3, "title": "<T>", "items": ["x", "<y>", "'z'"]}
    for items in (context["items"], []):
        expected = make(jinja2.Environment).get_template(name).render(context, items=items)
        got = make(SiteEnvironment).get_template(name).render(context, items=items)
        assert got == expected


def test_joined_output_is_compiled_as_one_yield() -> None:
    env = SiteEnvironment(autoescape=True)
    env.template_class, env.code_generator_class = jinja_classes(html_text)
    source = env.compile("<p>{{ a }} and {{ b }}</p>", raw=True)
    assert "yield _joined_output.extend((" in source
    assert env.compile("{{ a }}{{ b }}", raw=True).count("yield escape(") == 2


def test_the_pager_is_a_dict_whose_keys_are_attributes() -> None:
    page = Page(
        kind="tag",
        path="tag/PREL/page/7/",
        template="list.html",
        number=7,
        count=20,
        first="tag/PREL/",
    )
    pager = Renderer._pager(None, page)  # type: ignore[arg-type]
    assert pager == {
        "number": 7,
        "count": 20,
        "previous": "tag/PREL/page/6/",
        "next": "tag/PREL/page/8/",
        "pages": [
            (n, f"tag/PREL/page/{n}/" if n > 1 else "tag/PREL/") for n in (1, 5, 6, 7, 8, 9, 20)
        ],
        "gaps": frozenset({5, 20}),
    }
    assert (pager.number, pager.count) == (7, 20)
    assert (pager.previous, pager.next) == (pager["previous"], pager["next"])
    assert pager.pages is pager["pages"] and pager.gaps is pager["gaps"]


@pytest.mark.parametrize("autoescape", [True, False])
def test_join_is_jinjas_join(autoescape: bool) -> None:
    ours = make_environment(SiteConfig(root=Path("."), title="t"))
    ours.autoescape = autoescape
    theirs = jinja2.Environment(autoescape=autoescape)
    values = [
        [],
        ["a"],
        ["Amb <X>", "O'Neil & co"],
        ("x", "y"),
        ["a", Markup("<b>")],
        [1, "2"],
        [Markup("<i>"), Markup("&amp;")],
    ]
    sources = [
        "{{ v|join(', ') }}",
        "{{ v|join }}",
        "{{ v|join(sep) }}",
        "{{ (v|join('; '))|length }}",
        "{{ v|map('string')|join('-') }}",
        "{{ [{'n': 'a<'}, {'n': 'b'}]|join(', ', attribute='n') }}",
    ]
    for source in sources:
        for value in values:
            for sep in (", ", Markup("<br>")):
                context = {"v": value, "sep": sep}
                expected = theirs.from_string(source).render(context)
                assert ours.from_string(source).render(context) == expected, (source, value)


def test_a_one_line_paragraph_reflows_as_the_general_loop_does() -> None:
    # A leading newline adds a blank line, which the loop skips: the same
    # text through the loop rather than the one-line shortcut.
    rng = random.Random(5)
    pieces = ["", " ", "\t", "word", "-- item", "A. b", "----", "---- TITLE ----", "_", "=", "*"]
    pieces += ["\u2028", "\r", "\x0b", "\x85", "x" * 130, "\n"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert reflow(text) == reflow("\n" + text), repr(text)
