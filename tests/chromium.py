"""Debian's Chromium through Playwright, for the tests that need a real browser.

A test module calls `playwright_api()` at its top: without Playwright or
without Chromium (`.ci/run` installs both) the module is skipped, saying
which is missing. `launched(api)` starts one headless Chromium, for a
module-scoped fixture; a Chromium that does not start skips too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def playwright_api() -> ModuleType:
    """`playwright.sync_api`; the calling module skipped when it or Chromium is missing."""
    api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True
        )
    return api


@contextmanager
def launched(api: ModuleType) -> Iterator[Any]:
    """A running headless Chromium (a `playwright.sync_api.Browser`), closed at the end."""
    with api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except api.Error as error:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {error.message.splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()
