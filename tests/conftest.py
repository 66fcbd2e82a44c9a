"""Shared test fixtures: where the shared corpus lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEV_CORPUS = SHARED / "corpus" / "dev"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    if not (DEV_CORPUS / "CATALOG.tsv").exists():
        pytest.skip(f"the shared dev corpus is not at {DEV_CORPUS}")
    return DEV_CORPUS
