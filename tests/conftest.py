"""Shared test fixtures: where the shared corpus lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo import DEV_CORPUS, FIXTURES, REPO, SHARED  # noqa: F401 (re-exported)


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    if not (DEV_CORPUS / "CATALOG.tsv").exists():
        pytest.skip(f"the shared dev corpus is not at {DEV_CORPUS}")
    return DEV_CORPUS
