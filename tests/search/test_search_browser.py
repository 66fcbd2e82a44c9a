"""The search page in a real browser: headless Chromium (Playwright) against `cablesite serve`.

The page reads data/cables.db through the vendored WebAssembly SQLite with
range requests, as it does on a static host. A word is planted in exactly
some cables; the page must list exactly those, with and without a facet,
at the root and under a base path. A hostile cable and a hostile query must
never run script. Skipped, with the reason, where Playwright or Debian's
chromium is not installed (`.ci/run` installs both).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from chromium import launched, playwright_api
from repo import REPO, TESTS

WAIT_MS = 30_000
PLANTED = "quetzalcoatlus"

sync_api = playwright_api()

# The serve tests' helper that runs `cablesite serve` (tests/serve is not on the path here).
sys.path.insert(0, str(TESTS / "serve"))
from test_serve_site import ServeProcess  # noqa: E402

# (id, station, origin line, date-time group, classification, tags, subject, text)
CABLES = [
    ("09OTTAWA100", "OTTAWA", "AMEMBASSY OTTAWA", "101520Z JAN 09", "CONFIDENTIAL", "PGOV CA",
     "ELECTIONS IN ONTARIO", f"The {PLANTED} report was read in Ottawa."),
    ("09OTTAWA101", "OTTAWA", "AMEMBASSY OTTAWA", "111520Z JAN 09", "UNCLASSIFIED", "ECON CA",
     "TRADE FIGURES", "Trade figures rose in the last quarter."),
    ("08PARIS200", "PARIS", "AMEMBASSY PARIS", "051200Z MAR 08", "SECRET", "PREL FR",
     f"{PLANTED.upper()} AND FRANCE", "The minister spoke of many things."),
    ("07ROME300", "ROME", "AMEMBASSY ROME", "021000Z JUN 07", "CONFIDENTIAL", "PGOV IT",
     "ITALIAN POLITICS", f"Coalition talks; no {PLANTED} mentioned by name. The {PLANTED} twice."),
    ("07ROME301", "ROME", "AMEMBASSY ROME", "031000Z JUN 07", "CONFIDENTIAL", "PGOV IT",
     "MORE ITALIAN POLITICS", "Nothing of note."),
    # Hostile: script in the subject and the text, and markup in the tags line.
    ("09OTTAWA666", "OTTAWA", "AMEMBASSY OTTAWA", "121520Z JAN 09", "CONFIDENTIAL",
     "PGOV <img src=x onerror=window.pwned=1>",
     '<SCRIPT>WINDOW.PWNED=1</SCRIPT> "><IMG SRC=X ONERROR=WINDOW.PWNED=1>',
     f'The hostile {PLANTED} <script>window.pwned=1</script> "><img src=x onerror="window.pwned=1">'),
]  # fmt: skip
HOSTILE = "09OTTAWA666"
# A tag of two words: one tag, in the facet and its counts.
CABLES.append(
    ("04GENEVA50", "GENEVA", "USMISSION GENEVA", "101000Z MAY 04", "UNCLASSIFIED",
     "PHUM, HUMAN RIGHTS", "COUNCIL SESSION", "The council heard of the prisons.")
)  # fmt: skip
# A cable holding more words of one prefix than the page spells a prefix as
# (search.js's SPELT, 32).
XYLO = [f"xylo{a}{b}" for a in "abcde" for b in "abcdefgh"]
CABLES.append(
    ("05BERN10", "BERN", "AMEMBASSY BERN", "101000Z MAY 05", "UNCLASSIFIED", "PREL SZ",
     "MANY WORDS", " ".join(XYLO) + ".")
)  # fmt: skip
# A phrase in more cables than the page looks at for a phrase (search.js's
# HEAVY_CAP, 100): its matches are listed and counted from the newest 100 only.
LANTERNS = 105
CABLES += [
    (f"06OSLO{n}", "OSLO", "AMEMBASSY OSLO", f"{1 + n % 28:02d}0900Z {['FEB', 'MAR', 'APR', 'MAY'][n % 4]} 06",
     "UNCLASSIFIED", "KCAP NO", "LANTERN SUPPLIES", "The amber lantern was lit again.")
    for n in range(400, 400 + LANTERNS)
]  # fmt: skip


def telegram(cable_id: str, station: str, origin: str, dtg: str, marking: str, tags: str,
             subject: str, text: str) -> str:  # fmt: skip
    number = cable_id[len(cable_id.rstrip("0123456789")) :]
    spaced = "UNCLAS" if marking == "UNCLASSIFIED" else " ".join(marking)
    return (
        f"P {dtg}\nFM {origin}\nTO SECSTATE WASHDC PRIORITY {number}\n\n"
        f"{spaced} {station} {number.zfill(6)}\n\nE.O. 12958: N/A\nTAGS: {tags}\n"
        f"SUBJECT: {subject}\n\n1. ({marking[0]}) {text}\n\nAMBASSADOR\n"
    )


def make_site(folder: Path, base_url: str) -> Path:
    (folder / "content" / "cables").mkdir(parents=True)
    (folder / "site.toml").write_text(
        f'title = "Search test"\nbase_url = "{base_url}"\ntheme = "default"\n', encoding="utf-8"
    )
    shutil.copytree(REPO / "content" / "cables", folder / "content" / "cables", dirs_exist_ok=True)
    for fields in CABLES:
        (folder / "content" / "cables" / f"{fields[0]}.txt").write_text(
            telegram(*fields), encoding="utf-8"
        )
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched(sync_api) as browser:
        yield browser


@pytest.fixture(scope="module", params=["/", "/repo/"], ids=["root", "base-path"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    root = make_site(tmp_path_factory.mktemp("search"), request.param)
    server = ServeProcess(root)
    try:
        url = server.url.rstrip("/") + "/"
        if request.param != "/" and not url.endswith(request.param):
            url = url.rstrip("/") + request.param
        yield url
    finally:
        status, err = server.stop()
        assert status == 0 and "Traceback" not in err, err


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        assert errors == []
        assert page.evaluate("window.pwned") is None
    finally:
        context.close()


def search(page: sync_api.Page, site: str, query: str) -> list[str]:
    """Open the search page at `query` (the part after ``search/?``); the ids it lists."""
    page.goto(f"{site}search/?{query}")
    page.wait_for_function(
        "() => { const s = document.getElementById('search-status').textContent;"
        " return s && !s.startsWith('Searching'); }"
    )
    return page.locator(".search-result .cable-id").all_inner_texts()


def test_a_word_finds_exactly_the_cables_that_hold_it(page: sync_api.Page, served: str) -> None:
    found = search(page, served, f"q={PLANTED}")
    assert sorted(found) == ["07ROME300", "08PARIS200", "09OTTAWA100", HOSTILE]
    assert page.locator(".search-result mark").first.inner_text().lower() == PLANTED
    by_date = search(page, served, f"q={PLANTED}&sort=date")
    assert by_date == [HOSTILE, "09OTTAWA100", "08PARIS200", "07ROME300"]


def test_a_facet_narrows_the_results_and_counts_them(page: sync_api.Page, served: str) -> None:
    found = search(page, served, f"q={PLANTED}&origin={quote('Embassy Ottawa')}")
    assert sorted(found) == ["09OTTAWA100", HOSTILE]
    found = search(page, served, f"q={PLANTED}&from=2008&to=2008")
    assert found == ["08PARIS200"]
    found = search(page, served, "tag=PGOV&classification=CONFIDENTIAL&sort=date")
    assert found[:3] == [HOSTILE, "09OTTAWA100", "07ROME301"]
    # The counts are those of the current query.
    search(page, served, f"q={PLANTED}")
    options = page.locator("#search-origin option").all_inner_texts()
    assert "Embassy Ottawa (2)" in options and "Embassy Rome (1)" in options
    # A tag with a space is one tag: counted whole, and a facet that finds its cable.
    search(page, served, "q=council")
    tags = page.locator("#search-tag option").all_inner_texts()
    assert "HUMAN RIGHTS (1)" in tags and "PHUM (1)" in tags
    assert not [tag for tag in tags if tag.startswith(("HUMAN (", "RIGHTS ("))]
    assert search(page, served, "tag=" + quote("HUMAN RIGHTS")) == ["04GENEVA50"]


def test_phrases_exclusions_and_prefixes(page: sync_api.Page, served: str) -> None:
    assert search(page, served, "q=" + quote('"trade figures"')) == ["09OTTAWA101"]
    found = search(page, served, f"q={PLANTED}+-ottawa")
    assert sorted(found) == ["07ROME300", "08PARIS200"]
    assert sorted(search(page, served, "q=quetzal*")) == sorted(
        ["07ROME300", "08PARIS200", "09OTTAWA100", HOSTILE]
    )


def test_a_prefix_stands_for_the_words_it_begins(page: sync_api.Page, served: str) -> None:
    # Several words of one prefix: figures (twice) and finance, not 'fig' alone.
    assert sorted(search(page, served, "q=trade+fi*")) == ["09OTTAWA101"]
    assert sorted(search(page, served, "q=coalit*+talk*")) == ["07ROME300"]
    assert sorted(search(page, served, f"q={PLANTED}+-ottaw*")) == ["07ROME300", "08PARIS200"]
    # A prefix of no word: nothing, and no error; left out, it leaves nothing out.
    assert search(page, served, "q=zzyzx*") == []
    assert page.locator("#search-status").inner_text().startswith("No cable matches")
    assert sorted(search(page, served, f"q={PLANTED}+-zzyzx*")) == sorted(
        ["07ROME300", "08PARIS200", "09OTTAWA100", HOSTILE]
    )
    # More words than the page spells a prefix as: it says so, and finds the cable.
    assert search(page, served, "q=xylo*") == ["05BERN10"]
    assert "xylo* stands for its 32 commonest words" in page.locator("#search-status").inner_text()
    first = page.locator(".search-result mark")
    assert first.count() == 0 or first.first.inner_text().startswith("xylo")


def test_the_url_holds_the_state_and_history_goes_back(page: sync_api.Page, served: str) -> None:
    search(page, served, f"q={PLANTED}")
    page.select_option("#search-origin", "Embassy Rome")
    page.wait_for_url("**origin=Embassy+Rome**")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 1")
    page.go_back()
    page.wait_for_function("document.querySelectorAll('.search-result').length === 4")
    assert page.input_value("#search-origin") == ""


def test_a_typed_cable_id_goes_to_the_cable(page: sync_api.Page, served: str) -> None:
    page.goto(f"{served}search/?q={quote('08 PARIS 200')}")
    page.wait_for_url("**/cable/2008/03/08PARIS200.html")
    assert "08PARIS200" in page.content()


def test_the_header_box_of_any_page_searches(page: sync_api.Page, served: str) -> None:
    page.goto(f"{served}tag/")
    box = page.get_by_role("searchbox", name="Search the archive")
    box.fill("trade figures")
    box.press("Enter")
    page.wait_for_url("**/search/?q=trade+figures")
    page.wait_for_function("document.querySelectorAll('.search-result').length >= 1")
    assert "09OTTAWA101" in page.locator(".search-result .cable-id").all_inner_texts()


def test_a_hostile_cable_and_query_run_no_script(page: sync_api.Page, served: str) -> None:
    search(page, served, f"q={PLANTED}")
    hostile = page.locator(".search-result", has_text=HOSTILE)
    assert "<SCRIPT>" in hostile.locator("h2").inner_text().upper()
    assert hostile.locator("script, img").count() == 0
    query = quote('<img src=x onerror="window.pwned=1"> "<script>window.pwned=1</script>"')
    search(page, served, f"q={query}&origin={quote('<img src=x onerror=window.pwned=1>')}")
    assert page.locator("#search script, #search img").count() == 0
    # (the page fixture checks that window.pwned was never set and no error was thrown)


def test_without_javascript_the_page_points_to_the_indexes(
    browser: sync_api.Browser, served: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served}search/?q={PLANTED}")
        notice = page.locator(".search-noscript")
        assert "needs JavaScript" in notice.inner_text()
        links = notice.locator("a").evaluate_all("links => links.map(a => a.pathname)")
        base = served[served.index("/", len("http://")) :]
        assert f"{base}tag/" in links and f"{base}data/cables.db" in links
    finally:
        context.close()


def test_a_phrase_in_many_cables_lists_and_counts_only_the_newest(
    page: sync_api.Page, served: str
) -> None:
    assert len(search(page, served, "q=lantern&sort=date")) == 20
    assert page.inner_text("#search-status").startswith(f"{LANTERNS} cables match.")
    assert len(search(page, served, "q=" + quote('"amber lantern"') + "&sort=date")) == 20
    status = page.inner_text("#search-status")
    assert status.startswith("More than 100 cables match; the newest 100 are listed"), status
    options = page.locator("#search-origin option").all_inner_texts()
    assert "Embassy Oslo (≥ 100)" in options, options
