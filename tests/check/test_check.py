"""`cablesite check`: the fast page scanner reads what HTMLParser reads, and
the checker finds each kind of bad link, with one worker or several."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.check.checker import check_links
from generator.check.html_links import LINK_ATTRS, scan_html
from generator.engine.builder import BuildOptions, build_site
from generator.urls import Urls

_REFRESH_URL = re.compile(r"url\s*=\s*(\S+)", re.IGNORECASE)


class Reference(HTMLParser):
    """What the checker read before it had its own scanner: the standard parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        attr = LINK_ATTRS.get(tag)
        if attr and attr in values:
            self.links.append((values[attr], line))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            found = _REFRESH_URL.search(values.get("content", ""))
            if found:
                self.links.append((found.group(1), line))

    handle_startendtag = handle_starttag


def reference(text: str) -> tuple[set[str], list[tuple[str, int]]]:
    parser = Reference()
    parser.feed(text)
    parser.close()
    return parser.ids, parser.links


@pytest.fixture(scope="module")
def dev_site(dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check-dev")
    (root / "content").mkdir()
    (root / "content" / "cables").symlink_to(dev_corpus, target_is_directory=True)
    (root / "site.toml").write_text('title = "Dev"\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(root, BuildOptions(base_url="https://user.github.io/repo/"))
    return root / "site"


def test_scanner_reads_every_dev_page_as_htmlparser_does(dev_site: Path) -> None:
    pages = sorted(dev_site.rglob("*.html"))
    assert len(pages) > 900
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert scan_html(text) == reference(text), page


TRICKY = [
    '<a href="/x.html">x</a>',
    "<A HREF='/Y.html' ID=Top>y</A>",
    '<a title="a > b" href="/after-gt.html">',
    '<a title="see id=x" href="/q.html">',
    '<a data-id="no" href="/r.html">',
    '<p\nid="multi"\n>line</p>\n<a\nhref="/two-lines.html">',
    '<a href="/a?b=1&amp;c=2#frag">amp</a>',
    "<!-- <a href='/commented.html'> -->\n<a href='/live.html'>",
    '<script src="/app.js">var s = "<a href=\'/in-script.html\'>";</script><a href="/after.html">',
    '<style>a[href="/in-style.html"]{}</style>\n<a href="/after-style.html">',
    '<meta http-equiv="refresh" content="0; url=/target.html">',
    '<link rel="stylesheet" href="/s.css"/><img src="/i.png" alt="">',
    '<a name="anchor">named</a><span id="s1" class="x">',
    "<!doctype html><html><body><a href=bare.html>bare</a>",
    '<a href="javascript:alert(1)">js</a>',
    '<a href="x" href="y">last wins</a>',
    '<p>no tags with links</p><span class="k">x</span>',
    '<a href="/unclosed-comment.html"><!-- open',
]


@pytest.mark.parametrize("html", TRICKY)
def test_scanner_on_tricky_markup(html: str) -> None:
    assert scan_html(html) == reference(html)


_PIECES = st.sampled_from(
    [
        '<a href="/p.html">',
        "<a href='/q.html#x' id=\"i\">",
        '<p id="a">',
        "</a>",
        "\n",
        " text ",
        "&amp;",
        '<span class="n">',
        "</span>",
        "<!-- c -->",
        '<img src="/i.png">',
        '<meta http-equiv="refresh" content="0;url=/m.html">',
        '<a title="1 > 2" href="/gt.html">',
        "<br/>",
        '<link href="/l.css" rel="stylesheet">',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_scanner_agrees_with_htmlparser_on_generated_pages(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert scan_html(html) == reference(html)


def test_dev_site_checks_clean_with_two_workers(dev_site: Path) -> None:
    report = check_links(dev_site, Urls("https://user.github.io/repo/"), jobs=2)
    assert report.problems == []
    assert report.pages > 900 and report.links > 20_000
    one = check_links(dev_site, Urls("https://user.github.io/repo/"), jobs=1)
    assert (one.pages, one.links, one.problems) == (report.pages, report.links, report.problems)


def write(folder: Path, path: str, body: str) -> None:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"<!doctype html>\n<html><body>\n{body}\n</body></html>\n", encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_kind_of_bad_link_is_reported_with_its_line(tmp_path: Path, jobs: int) -> None:
    site = tmp_path / "site"
    write(site, "index.html", '<a href="/repo/a/#absent">a</a>\n<a href="/repo/b.html#there">b</a>')
    write(site, "a/index.html", '<h1 id="top">A</h1><a href="#top">up</a><a href="#gone">x</a>')
    write(site, "b.html", '<p id="there">B</p>\n<a href="/repo/b.html#nowhere">n</a>')
    write(
        site,
        "c.html",
        "\n".join(
            [
                '<a href="/repo/missing.html">broken</a>',
                '<a href="/elsewhere.html">outside</a>',
                '<a href="javascript:alert(1)">js</a>',
                '<a href="https://example.org/">external</a>',
                '<a href="mailto:a@example.org">mail</a>',
                '<a href="/repo/../etc/passwd">up</a>',
                '<a href="https://user.github.io/repo/a/#top">absolute</a>',
                '<meta http-equiv="refresh" content="0; url=/repo/gone/">',
            ]
        ),
    )
    report = check_links(site, Urls("https://user.github.io/repo/"), jobs=jobs)
    found = sorted(str(problem) for problem in report.problems)
    assert found == sorted(
        [
            "a/index.html:3: no #gone here: #gone",
            "b.html:4: no #nowhere here: /repo/b.html#nowhere",
            "c.html:3: broken link: /repo/missing.html",
            "c.html:4: link outside the site's base path: /elsewhere.html",
            "c.html:5: unsafe link: javascript:alert(1)",
            "c.html:8: link outside the site's base path: /repo/../etc/passwd",
            "c.html:10: broken link: /repo/gone/",
            "index.html:3: no #absent in a/index.html",
        ]
    )
    assert report.pages == 4
