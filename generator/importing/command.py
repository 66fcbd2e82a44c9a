"""`cablesite import`: cables from a dump, an export or viewer pages, one file each.

    cablesite import SOURCE... [--into content/cables] [--force] [--field NAME=SOURCEFIELD ...]

Every cable found in the SOURCEs (a `cables.csv` dump, a `.jsonl` export, a
folder tree of WikiLeaks viewer pages, single cable files) is written to
`INTO/YYYY/MM/ID.txt` (`INTO/undated/ID.txt` when it has no date) as YAML
front matter plus the cable text; see `generator.importing.layout`.

- Streamed: the inputs are read record by record and parsed by worker
  processes a few batches at a time; what is kept per cable is its id, a
  16-byte digest and its source location (to tell duplicates), so memory
  does not grow with the cables' text.
- Idempotent: a file whose bytes would not change is not touched.
- Careful: a file the user edited since the import (its `import_sha256`
  stamp no longer matches) is left alone unless `force`; so is a file the
  importer did not write.
- The first source to give an id wins; a later, different copy is reported
  as a duplicate naming both locations.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from generator.importing.batches import ReadFailure, batches, prepare
from generator.importing.inputs import check_sources, input_files, total_size
from generator.importing.jsonl_fields import FieldMappingError, check_mapping, parse_field_options
from generator.importing.pool import ordered_map
from generator.importing.prepare import Prepared, Result
from generator.importing.store import State, Writer, existing_cables, is_ours, state_of
from generator.model import Problem
from generator.ui.progress import Progress

__all__ = ["ImportReport", "add_import_arguments", "import_command", "run_import"]

EDITED_REASON = "skipped (edited by you; --force to overwrite)"
# Below this much input, starting worker processes costs more than it saves.
_PARALLEL_FROM_BYTES = 4 << 20


@dataclass
class ImportReport:
    """What an import did; `skipped` lists every cable or record not written, with why."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    identical_copies: int = 0
    kept_edits: int = 0  # files left alone because the user edited them (also in `skipped`)
    skipped: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 when cables were imported (or already were) and every source could be read."""
        handled = (
            self.imported + self.updated + self.unchanged + self.identical_copies + self.kept_edits
        )
        return 0 if handled and not self.errors else 1

    def lines(self) -> list[str]:
        """The report as printed: errors, skipped items, notes, then the counts."""
        out = [f"error: {p}" for p in self.errors]
        out += [str(p) for p in self.skipped]
        out += [f"note: {p}" for p in self.notes]
        counts = (
            f"{self.imported:,} imported, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.skipped):,} skipped"
        )
        if self.identical_copies:
            counts += f" ({self.identical_copies:,} identical copies of cables seen earlier)"
        out.append(counts)
        return out


def run_import(
    sources: list[Path],
    into: Path,
    *,
    force: bool = False,
    jsonl_fields: dict[str, str] | None = None,
    progress: bool = True,
    jobs: int | None = None,
) -> ImportReport:
    """Import every cable of `sources` into `into`; see the module docstring.

    `jsonl_fields` maps a cable field to the export's field name
    ({"body": "text"}); it raises FieldMappingError for an unknown field.
    """
    check_mapping(jsonl_fields or {})
    sources = [Path(s) for s in sources]
    into = Path(into)
    report = ImportReport(errors=check_sources(sources))
    readable = [s for s in sources if not any(p.path == str(s) for p in report.errors)]
    total = total_size(readable, into)
    workers = _jobs(jobs, total)
    importer = _Importer(into, force, report)
    failures: list[ReadFailure] = []
    with Progress(total, "importing", unit="bytes", enabled=progress) as bar:
        work = batches(input_files(readable, into), jsonl_fields or None, failures)
        try:
            for batch, results in ordered_map(prepare, work, jobs=workers):
                importer.settle_all(results)
                bar.advance(batch.nbytes)
                bar.set_status(importer.status(bar.elapsed()))
        except OSError as err:
            # The import folder cannot be written (full disk, permissions): stop.
            where = err.filename or str(into)
            report.errors.append(Problem(str(where), None, f"cannot write: {err.strerror or err}"))
        except BrokenProcessPool:
            message = "a worker process died (out of memory?); try again with --jobs 1"
            report.errors.append(Problem(str(into), None, message))
    report.errors.extend(f.problem for f in failures)
    return report


def _jobs(jobs: int | None, total_bytes: int) -> int:
    if jobs is not None:
        return max(1, jobs)
    if total_bytes < _PARALLEL_FROM_BYTES:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class _Importer:
    """Decides, in input order, what to do with each prepared cable, and does it."""

    def __init__(self, into: Path, force: bool, report: ImportReport) -> None:
        self.into = into
        self.force = force
        self.report = report
        self.writer = Writer(into)
        self.on_disk = existing_cables(into)
        # id -> (content digest, source file, line) of the cables met so far;
        # file names are interned, so this is ~150 bytes a cable.
        self.seen: dict[str, tuple[bytes, str, int | None]] = {}

    def status(self, elapsed: float) -> str:
        """What the progress bar adds to its byte counts: cables, their rate, skips."""
        r = self.report
        done = r.imported + r.updated + r.unchanged
        rate = f" ({done / elapsed:,.0f}/s)" if elapsed > 0 else ""
        return f"{done:,} cables{rate}, {len(r.skipped):,} skipped"

    def settle_all(self, results: list[Result]) -> None:
        for result in results:
            if isinstance(result, Problem):
                self.report.skipped.append(result)
            else:
                self.settle(result)

    def settle(self, prepared: Prepared) -> None:
        laid_out = prepared.layout
        first = self.seen.get(laid_out.id)
        if first is not None:
            self._duplicate(prepared, *first)
            return
        self.seen[laid_out.id] = (laid_out.identity, sys.intern(prepared.path), prepared.line)
        self.report.notes.extend(prepared.notes)
        old_dir = self.on_disk.get(laid_out.id)
        old = f"{old_dir}/{laid_out.id}.txt" if old_dir is not None else None
        moved_from = old if old is not None and old != laid_out.relpath else None
        if moved_from and not self.force and not is_ours(self.into / moved_from):
            self._skip_edited(moved_from, prepared)
            return
        state = state_of(self.into / laid_out.relpath, laid_out.data)
        if state is State.EDITED and not self.force:
            self._skip_edited(laid_out.relpath, prepared)
            return
        if state is not State.SAME:
            self.writer.write(laid_out.relpath, laid_out.data)
        if moved_from:
            self.writer.remove(moved_from)
        self._count(state, moved=moved_from is not None)

    def _count(self, state: State, *, moved: bool) -> None:
        if state is State.ABSENT and not moved:
            self.report.imported += 1
        elif state is State.SAME and not moved:
            self.report.unchanged += 1
        else:
            self.report.updated += 1

    def _duplicate(self, prepared: Prepared, identity: bytes, path: str, line: int | None) -> None:
        if identity == prepared.layout.identity:
            self.report.identical_copies += 1
            return
        first = f"{path}:{line}" if line else path
        message = f"skipped: duplicate of {prepared.layout.id} from {first} (the first one is kept)"
        self.report.skipped.append(Problem(prepared.path, prepared.line, message))

    def _skip_edited(self, relpath: str, prepared: Prepared) -> None:
        self.report.kept_edits += 1
        path = str(self.into / relpath)
        message = f"{EDITED_REASON}; the import has it from {prepared.where}"
        self.report.skipped.append(Problem(path, None, message))


# --- command line ----------------------------------------------------------------------


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources",
        nargs="+",
        type=Path,
        metavar="SOURCE",
        help="a cables.csv dump, a .jsonl export, a folder of cable pages, or a cable file",
    )
    parser.add_argument(
        "--into",
        type=Path,
        default=Path("content/cables"),
        help="folder to write YYYY/MM/ID.txt files into (default: %(default)s)",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite cable files even if you edited them"
    )
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=SOURCEFIELD",
        help="JSON Lines: read cable field NAME (id, created, body, ...) from SOURCEFIELD",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)"
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def import_command(args: argparse.Namespace) -> int:
    """Run `cablesite import` from parsed arguments; prints the report, returns the exit status."""
    try:
        mapping = parse_field_options(getattr(args, "field", None) or [])
    except FieldMappingError as err:
        print(f"cablesite import: {err}", file=sys.stderr)
        return 2
    report = run_import(
        list(args.sources),
        args.into,
        force=args.force,
        jsonl_fields=mapping or None,
        progress=not getattr(args, "no_progress", False),
        jobs=getattr(args, "jobs", None),
    )
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("error: ") else sys.stdout)
    return report.exit_status
