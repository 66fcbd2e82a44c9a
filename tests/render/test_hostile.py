"""A hostile cable, read by the real parser, renders as text everywhere.

The fixture site has a telegram and a Markdown cable whose subject, tags,
origin, classification, references and body carry ``<script>``, quotes,
``&`` and ``javascript:`` links, plus a Markdown page doing the same.
"""

from __future__ import annotations

import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from repo import FIXTURES

from generator.check.checker import check_links
from generator.engine.builder import BuildOptions, build_site
from generator.urls import Urls

JAVASCRIPT_ATTRIBUTE = re.compile(r"""<[a-z][^<>]*\s(?:href|src)\s*=\s*["']?\s*javascript:""")
FIXTURE = FIXTURES / "site" / "hostile"


@pytest.fixture(scope="module", params=["/", "https://user.github.io/repo/"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "site-root"
    shutil.copytree(FIXTURE, root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(root, BuildOptions(base_url=request.param))
    return root / "site"


def outputs(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.suffix in (".html", ".xml", ".txt", ".json")
    }


# The only script tags a page may hold: the theme's own (the search page's,
# and the cable page's view switch).
THEME_SCRIPTS = re.compile(
    r'<script src="[^"<>]*/static/(?:search\.js|vendor/sql\.js-httpvfs/index\.js)"></script>'
    r'|<script src="[^"<>]*/static/view\.js" defer></script>'
)


def test_no_markup_from_input_survives(built: Path) -> None:
    for path, text in outputs(built).items():
        lowered = THEME_SCRIPTS.sub("", text.lower())
        assert "<script" not in lowered, path
        assert "<img" not in lowered, path
        assert "<b>" not in lowered, path
        # A javascript: URL in a real tag's attribute; escaped text such as
        # `&lt;a href="javascript:..."&gt;` is shown to the reader, harmlessly.
        assert not JAVASCRIPT_ATTRIBUTE.search(lowered), path
        assert "onerror=alert" not in lowered or "&lt;" in lowered, path


def test_xml_stays_well_formed(built: Path) -> None:
    for path, text in outputs(built).items():
        if path.endswith(".xml"):
            ET.fromstring(text.encode("utf-8"))


def test_hostile_text_is_shown_not_dropped(built: Path) -> None:
    cable = (built / "cable/2009/01/09OTTAWA100.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in cable
    notes = (built / "notes/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;page&quot;)&lt;/script&gt;" in notes
    assert "<title>Notes &lt;script&gt;" in notes


def test_links_still_resolve(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    base = "https://user.github.io/repo/" if 'href="/repo/' in home else "/"
    assert check_links(built, Urls(base)).problems == []
