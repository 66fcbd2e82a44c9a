"""The reference tables shipped with the package (``data/*.tsv``), read as text."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_text(name: str) -> str:
    """The text of ``data/NAME``.

    Through importlib.resources, so that a table is found inside a wheel or
    a zip too; where a package finder cannot serve it (an editable install's
    path hook), from the source tree.
    """
    try:
        return files("generator.reference").joinpath("data", name).read_text(encoding="utf-8")
    except (NotADirectoryError, TypeError):
        return (Path(__file__).with_name("data") / name).read_text(encoding="utf-8")
