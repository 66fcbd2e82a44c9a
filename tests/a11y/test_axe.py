"""Accessibility: axe-core finds no WCAG 2.1 A/AA violation on any kind of page.

The demo archive is built, served over HTTP (Python's http.server, a real
server), and every kind of page is opened in Debian's Chromium through
Playwright at a desktop and a phone width; axe-core (vendored in
``tests/a11y/vendor``, pinned) runs in the page. The cable page is checked in
both views of its text. To cover a new kind of page, add it to PAGE_KINDS.
"""

from __future__ import annotations

import functools
import shutil
import threading
import warnings
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import launched, playwright_api
from repo import REPO, TESTS

from generator.engine.builder import BuildOptions, build_site

AXE = TESTS / "a11y" / "vendor" / "axe-core-4.10.2" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# kind of page → its path in the built demo archive. A kind the build does not
# make (yet) is skipped, saying so.
PAGE_KINDS = {
    "home": "index.html",
    "cable": "cable/2003/02/03OTTAWA311.html",
    "cable, original lines": "cable/2003/02/03OTTAWA311.html#original",
    "cable redirect": "cable/2003/02/03SECTION01OF02HALIFAX21.html",
    "tags index": "tag/index.html",
    "tag": "tag/PREL/index.html",
    "origins index": "origin/index.html",
    "origin": "origin/embassy-ottawa/index.html",
    "dates index": "date/index.html",
    "month": "date/2003/02/index.html",
    "classifications index": "classification/index.html",
    "classification": "classification/confidential/index.html",
    "missing cables": "missing/index.html",
    "diagnostics": "diagnostics/index.html",
    "Markdown page": "about/index.html",
    "not found": "404.html",
    "search": "search/index.html",
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

sync_api = playwright_api()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("a11y") / "demo"
    root.mkdir()
    shutil.copy(REPO / "site.toml", root / "site.toml")
    shutil.copytree(REPO / "content", root / "content")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_site(root, BuildOptions())
    site = root / "site"
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched(sync_api) as browser:
        yield browser


def _without_refresh(route: object) -> None:
    response = route.fetch()  # type: ignore[attr-defined]
    body = response.text()
    assert body.count('http-equiv="refresh" content="0;') <= 1
    route.fulfill(response=response, body=body.replace('http-equiv="refresh"', "data-refresh"))  # type: ignore[attr-defined]


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_wcag_violation(
    site_url: tuple[str, Path], browser: object, kind: str, viewport: str
) -> None:
    base, site = site_url
    path, _, view = PAGE_KINDS[kind].partition("#")
    if not (site / path).is_file():
        pytest.skip(f"the build makes no {kind} page ({path})")
    context = browser.new_context(viewport=VIEWPORTS[viewport])  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        # A redirect page is checked as it stands, but staying on it: its meta
        # refresh (delay 0, which WCAG allows) is renamed so the browser does not follow it.
        page.route(base + path, _without_refresh)
        page.goto(base + path)
        if view == "original":
            page.get_by_label("Original lines").check()
            assert page.locator(".cable-text .orig").first.is_visible()
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
    finally:
        context.close()
    assert result["violations"] == [], f"{kind} at {viewport} width:\n" + _describe(
        result["violations"]
    )


def test_view_switch_by_keyboard_is_remembered(site_url: tuple[str, Path], browser: object) -> None:
    """Reading by default; arrow keys choose the original lines; the next page keeps the choice."""
    base, _ = site_url
    context = browser.new_context(viewport=VIEWPORTS["desktop"])  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(base + PAGE_KINDS["cable"])
        reading = page.get_by_label("Reading")
        original = page.get_by_label("Original lines")
        assert reading.is_checked() and not page.locator(".cable-text .orig").first.is_visible()
        reading.focus()
        page.keyboard.press("ArrowRight")
        assert original.is_checked()
        assert page.locator(".cable-text .orig").first.is_visible()
        assert page.locator("#routing").get_attribute("open") is not None
        page.goto(base + "cable/2003/01/03OTTAWA49.html")
        assert page.get_by_label("Original lines").is_checked()
        assert page.locator(".cable-text .orig").first.is_visible()
    finally:
        context.close()
