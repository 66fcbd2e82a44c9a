"""The whole dev corpus imported, then read back: the same cables as reading the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.importing.command import ImportReport, run_import
from generator.model import Cable
from generator.parse import parse_cable, read_cables

# What must survive the trip (the brief's list, plus raw_id when the parser reads it back).
COMPARED = (
    "id",
    "created",
    "released",
    "origin",
    "classification",
    "subject",
    "tags",
    "reference_ids",
    "paragraphs",
)


def header_lines_hook() -> bool:
    """True once the parser honours `header_lines` (written by the importer) in front matter."""
    text = "---\nid: 09PARIS1\nheader_lines: 1\n---\n142115Z Jun 05\n\nUNCLAS PARIS 000001\n"
    return parse_cable(text, filename="x.txt").header == "142115Z Jun 05"


def raw_id_hook() -> bool:
    text = "---\nid: 75LIBREVILLE1895\nraw_id: 7575LIBREVILLE1895\n---\nUNCLAS LIBREVILLE 1895\n"
    return parse_cable(text, filename="x.txt").raw_id == "7575LIBREVILLE1895"


@pytest.fixture(scope="module")
def imported(
    dev_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ImportReport]:
    into = tmp_path_factory.mktemp("dev-import")
    # jobs=2: the corpus also goes through the worker processes.
    report = run_import([dev_corpus], into, progress=False, jobs=2)
    return into, report


def source_cables(dev_corpus: Path) -> list[Cable]:
    files = [
        *sorted((dev_corpus / "wikileaks-html").glob("*.html")),
        *sorted((dev_corpus / "telegram").glob("*.txt")),
        dev_corpus / "cables.csv",
        dev_corpus / "records.jsonl",
    ]
    return [c for f in files for c in read_cables(f, on_problem=lambda _: None)]


def imported_file(into: Path, cable: Cable) -> Path:
    month = f"{cable.created:%Y/%m}" if cable.created else "undated"
    return into / month / f"{cable.id}.txt"


def test_the_dev_corpus_imports_every_cable(imported: tuple[Path, ImportReport]) -> None:
    into, report = imported

    assert (report.imported, report.updated, len(report.skipped)) == (500, 0, 0), report.lines()
    assert report.errors == []
    assert len(list(into.rglob("*.txt"))) == 500
    # The decoding fallbacks of the latin-1 telegrams are told, not hidden.
    assert sum("not UTF-8" in n.message for n in report.notes) == 7


def test_reading_an_imported_file_gives_the_same_cable(
    imported: tuple[Path, ImportReport], dev_corpus: Path
) -> None:
    into, _ = imported
    differences = []
    for cable in source_cables(dev_corpus):
        back = list(read_cables(imported_file(into, cable), on_problem=differences.append))
        assert len(back) == 1, cable.id
        for name in COMPARED:
            if getattr(back[0], name) != getattr(cable, name):
                differences.append(f"{cable.source_path}: {name} differs")
        if not same_text(cable, back[0]):
            differences.append(f"{cable.source_path}: body differs")
        if raw_id_hook() and back[0].raw_id != cable.raw_id:
            differences.append(f"{cable.source_path}: raw_id differs")
    assert differences == []


def same_text(source: Cable, back: Cable) -> bool:
    """The body comes back byte for byte.

    The parser does not yet read `header_lines`, the importer's note of
    where the routing header ends; for 13 of the 500 dev cables its guess
    fails and the header (or its tail) reads as the start of the body.
    Until it reads the note, that is the only difference allowed.
    """
    if back.body == source.body and back.header == source.header:
        return True
    if back.body == source.body:
        # Only the viewer's "partial extract" note, which the text reader drops.
        return "partial extract" in source.header and not back.header
    if header_lines_hook() or back.header:
        return False
    lead = back.body[: len(back.body) - len(source.body)]
    return back.body.endswith(source.body) and lead.strip() in source.header


def test_imported_files_say_where_they_came_from(
    imported: tuple[Path, ImportReport], dev_corpus: Path
) -> None:
    into, _ = imported
    text = (into / "1966/12/66BUENOSAIRES2481.txt").read_text()

    assert "\nsource: dev/cables.csv:1\n" in text
    page = (into / "2009/08/09BRASILIA1076.txt").read_text()
    assert "\nsource: dev/wikileaks-html/09BRASILIA1076.html\n" in page


def test_importing_in_one_process_writes_the_same_bytes(
    imported: tuple[Path, ImportReport], dev_corpus: Path, tmp_path: Path
) -> None:
    into, _ = imported
    run_import([dev_corpus], tmp_path, progress=False, jobs=1)

    def contents(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.txt")}

    assert contents(tmp_path) == contents(into)


def test_reimporting_the_dev_corpus_is_a_no_op(
    imported: tuple[Path, ImportReport], dev_corpus: Path
) -> None:
    into, _ = imported
    report = run_import([dev_corpus], into, progress=False, jobs=2)

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 500)
