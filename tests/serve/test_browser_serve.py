"""Live reload in a real browser: headless Chromium (Playwright) against `cablesite serve`.

The test edits files on disk and never touches the browser: every change
it checks for must arrive through the live-reload script. Skipped, with the
reason, where Playwright or Debian's chromium is not installed (`.ci/run`
installs both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launched, playwright_api
from repo import DEFAULT_THEME
from test_serve_site import (
    CABLE,
    CABLE_PAGE,
    ServeProcess,
    copy_demo_site,
    edit_subject,
    wait_until,
)

# Every wait is bounded: a rebuild of the demo site takes well under a second.
WAIT_MS = 30_000

sync_api = playwright_api()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched(sync_api) as browser:
        yield browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, ServeProcess]]:
    root = copy_demo_site(tmp_path / "demo")
    server = ServeProcess(root)
    try:
        yield root, server
    finally:
        status, err = server.stop()
        assert status == 0 and "Traceback" not in err, err


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    # A short window, so that the cable page scrolls and the scroll position can be checked.
    context = browser.new_context(viewport={"width": 900, "height": 400})
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_an_open_cable_page_shows_an_edited_subject(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    page.goto(server.url + CABLE_PAGE)
    page.evaluate("window.scrollTo(0, 150)")
    page.wait_for_function("window.scrollY > 0")
    scrolled = page.evaluate("window.scrollY")

    edit_subject(root, "Sample: a subject edited on disk")

    sync_api.expect(page.locator("#cable-title")).to_contain_text(
        "A Subject Edited On Disk", ignore_case=True
    )
    page.wait_for_function(f"window.scrollY === {scrolled}")


def test_a_page_the_build_did_not_change_is_not_reloaded(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    page.goto(server.url + "about/")
    page.evaluate("window.__stillHere = true")
    edit_subject(root, "Sample: only the cable pages change")
    assert wait_until(lambda: b"only the cable pages" in server.get("/" + CABLE_PAGE)[1])
    page.wait_for_timeout(500)  # a reload, had there been one, would have started by now
    assert page.evaluate("window.__stillHere === true")


def test_a_broken_config_shows_the_overlay_until_fixed(
    served: tuple[Path, ServeProcess], page: sync_api.Page, browser: sync_api.Browser
) -> None:
    root, server = served
    page.goto(server.url)
    good = (root / "site.toml").read_text()
    (root / "site.toml").write_text(good.replace("per_page = 50", 'per_page = "<b>many</b>"'))

    overlay = page.locator("#__cablesite-overlay")
    sync_api.expect(overlay).to_be_visible()
    sync_api.expect(overlay).to_contain_text("site.toml:")
    sync_api.expect(overlay).to_contain_text("per_page must be a whole number")
    # The last good page is still there under the overlay.
    sync_api.expect(page.locator("main")).to_be_visible()

    # A tab opened while the error stands is served the last good site, and the overlay.
    other = page.context.new_page()
    response = other.goto(server.url + CABLE_PAGE)
    assert response is not None and response.status == 200
    sync_api.expect(other.locator("#__cablesite-overlay")).to_contain_text("per_page")
    sync_api.expect(other.locator("#cable-title")).to_be_visible()

    (root / "site.toml").write_text(good)
    sync_api.expect(overlay).to_have_count(0)
    sync_api.expect(other.locator("#__cablesite-overlay")).to_have_count(0)


def test_a_new_cable_with_a_new_tag_appears_on_its_tag_page(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    response = page.goto(server.url + "tag/ZZNEWTAG/")
    assert response is not None and response.status == 404

    (root / "content" / "cables" / "03OTTAWA900.md").write_text(
        "---\n"
        "id: 03OTTAWA900\n"
        "created: 2003-02-10 10:00\n"
        "origin: Embassy Ottawa\n"
        "classification: UNCLASSIFIED\n"
        "tags: [ZZNEWTAG, CA]\n"
        'subject: "Sample: a cable added while the site is served"\n'
        "---\n\n"
        "UNCLAS OTTAWA 000900\n\n1. (U) Added by the browser test.\n",
        encoding="utf-8",
    )

    # The 404 page reloads itself once its address has become a page.
    sync_api.expect(page.locator("main")).to_contain_text("a cable added while", ignore_case=True)
    assert server.get("/tag/ZZNEWTAG/")[0] == 200


def test_a_deleted_cables_permalink_goes_away(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    response = page.goto(server.url + CABLE_PAGE)
    assert response is not None and response.status == 200

    (root / CABLE).unlink()

    sync_api.expect(page.locator("h1")).to_have_text("Page not found")
    assert server.get("/" + CABLE_PAGE)[0] == 404


def test_a_stylesheet_change_reloads_every_open_page(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    page.goto(server.url + "about/")
    other = page.context.new_page()
    other.goto(server.url + CABLE_PAGE)
    builtin = DEFAULT_THEME / "static"
    css = (builtin / "style.css").read_text(encoding="utf-8")
    (root / "static").mkdir()
    (root / "static" / "style.css").write_text(
        css + "\nmain { outline: 7px solid rgb(1, 2, 3); }\n"
    )

    for tab in (page, other):
        sync_api.expect(tab.locator("main")).to_have_css("outline-color", "rgb(1, 2, 3)")


def test_warnings_about_a_saved_cable_show_in_a_corner(
    served: tuple[Path, ServeProcess], page: sync_api.Page
) -> None:
    root, server = served
    page.goto(server.url + CABLE_PAGE)
    path = root / CABLE
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("created: 2003-02-04 09:00", "created: 2003-02-31 09:00"))

    card = page.locator("#__cablesite-overlay")
    sync_api.expect(card).to_contain_text("Warnings in the files you changed")
    sync_api.expect(card).to_contain_text("03OTTAWA312.md")
    sync_api.expect(card).to_contain_text("2003-02-31")

    path.write_text(good, encoding="utf-8")
    sync_api.expect(card).to_have_count(0)
    sync_api.expect(page.locator("#cable-title")).to_be_visible()
