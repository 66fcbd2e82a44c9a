"""Signing the pages in workers gives the signatures of signing them here."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import generator.signatures
from generator.build import Builder, BuildOptions
from generator.state import cache_folder, load_body, load_state


def _recorded(root: Path) -> dict[str, bytes]:
    folder = cache_folder(root)
    state = load_state(folder, "parse")
    assert state is not None and load_body(folder, state) and state.output is not None
    return dict(state.output.pages)


def _build(root: Path, jobs: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Builder(root).build(BuildOptions(clean=True, jobs=jobs))


def test_signatures_made_in_workers_are_the_serial_ones(
    dev_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "cables").symlink_to(dev_corpus, target_is_directory=True)
    (root / "site.toml").write_text('title = "Dev corpus"\nper_page = 40\n', encoding="utf-8")
    _build(root, jobs=1)
    serial = _recorded(root)

    monkeypatch.setattr(generator.signatures, "SIGN_CHUNK", 50)
    calls: list[int] = []
    run_tasks = generator.signatures.run_tasks

    def counted(work, tasks, jobs, **options):  # type: ignore[no-untyped-def]
        calls.append(len(tasks))
        return run_tasks(work, tasks, jobs, **options)

    monkeypatch.setattr(generator.signatures, "run_tasks", counted)
    _build(root, jobs=2)
    assert calls and calls[0] > 2  # the pages were signed in ranges, in workers
    assert _recorded(root) == serial
