"""Where things are, for tests in any folder of tests/: the checkout, its fixtures, ../shared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
DEMO_CABLES = REPO / "content" / "cables"
DEFAULT_THEME = REPO / "themes" / "default"
SHARED = REPO.parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


def synthetic_cables(out: Path, count: int, *, seed: int | None = None) -> Path:
    """`count` synthetic cables (make_corpus.py, the telegram form) in `out`; the
    calling test is skipped where ../shared has no generator."""
    if not MAKE_CORPUS.is_file():
        pytest.skip(f"no synthetic-corpus generator at {MAKE_CORPUS}")
    command = [sys.executable, str(MAKE_CORPUS), "--n", str(count), "--out", str(out)]
    command += ["--format", "cable", *(["--seed", str(seed)] if seed is not None else [])]
    subprocess.run(command, check=True, capture_output=True)
    return out
