"""Where things are, for tests in any folder of tests/: the checkout, its fixtures, ../shared."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
DEMO_CABLES = REPO / "content" / "cables"
DEFAULT_THEME = REPO / "themes" / "default"
SHARED = REPO.parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"
