"""The installed package carries every module and the default theme."""

from __future__ import annotations

import tomllib

from repo import REPO


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "generator").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"
    assert "generator.themes" in listed
    assert config["tool"]["setuptools"]["package-dir"]["generator.themes"] == "themes"
