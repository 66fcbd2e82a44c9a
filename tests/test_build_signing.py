"""A full build signs its pages while the workers render: the same signatures as signing first."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from generator.build import Builder, BuildOptions, _Signing
from generator.state import cache_folder, load_body, load_state


def _recorded(root: Path) -> dict[str, bytes]:
    folder = cache_folder(root)
    state = load_state(folder, "parse")
    assert state is not None and load_body(folder, state) and state.output is not None
    return dict(state.output.pages)


def _build(root: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Builder(root).build(BuildOptions(clean=True, jobs=2))


def test_full_build_records_the_serial_signatures(
    dev_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "cables").symlink_to(dev_corpus, target_is_directory=True)
    (root / "site.toml").write_text('title = "Dev corpus"\nper_page = 40\n', encoding="utf-8")

    # Signing while the workers render: count the pages left when rendering is over.
    left: list[int] = []
    finish = _Signing.finish

    def watched(self: _Signing) -> list[bytes]:
        left.append(len(self.pages) - len(self.signatures))
        return finish(self)

    monkeypatch.setattr(_Signing, "finish", watched)
    _build(root)
    overlapped = _recorded(root)
    assert left and left[0] < len(overlapped)
    monkeypatch.setattr(_Signing, "finish", finish)

    # Every page signed before rendering, as an incremental build does.
    full = Builder._full

    def signed_first(self, job, files, extra, output, result, jobs, idle=None):  # type: ignore[no-untyped-def]
        assert idle is not None
        while idle():
            pass
        full(self, job, files, extra, output, result, jobs)

    monkeypatch.setattr(Builder, "_full", signed_first)
    _build(root)
    assert _recorded(root) == overlapped
