"""What one build is asked to do, and what it reports: shared by every path through the engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import SiteConfig
from generator.engine.discover import Reader, parse_reader
from generator.engine.fingerprint import site_fingerprint, site_parts
from generator.model import Problem

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    output: Path | None = None
    base_url: str | None = None
    strict: bool = False
    clean: bool = False
    jobs: int | None = None  # worker processes; None: one per CPU


@dataclass(slots=True)
class BuildResult:
    output: Path
    sources: int = 0
    cables: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    # Made into objects only when read (a quick rebuild's, from the state: see ProblemList).
    problems: Sequence[Problem] = field(default_factory=list)
    copies: int = 0
    removed: int = 0
    parsed: int = 0  # source files parsed (the others came from the build state)
    rendered: int = 0  # pages rendered (the others were known to be up to date)
    # "full" (a new tree), "incremental" (the changed files of a full pass),
    # "quick" (the changed files, without planning again: see
    # generator.engine.quick), or "none" when nothing had changed.
    kind: str = "full"
    # Output files (site-relative) written with new bytes or removed.
    changed: frozenset[str] = frozenset()


@dataclass(slots=True)
class Run:
    """One build: the site, where its output and cache go, how to read, whom to tell."""

    root: Path
    config: SiteConfig
    output: Path
    cache: Path
    options: BuildOptions
    jobs: int
    reader: Reader = parse_reader
    say: Say | None = None
    bars: bool = False
    # With --explain: where to say why each file is rewritten.
    explain: Say | None = None
    # Everything about the build that is not a file (generator.engine.fingerprint).
    site_parts: dict[str, str] = field(default_factory=dict)
    site: str = ""

    @classmethod
    def of(
        cls, root: Path, config: SiteConfig, output: Path, cache: Path, **settings: object
    ) -> Run:
        run = cls(root, config, output, cache, **settings)  # type: ignore[arg-type]
        run.site_parts = site_parts(config, output, run.reader_kind)
        run.site = site_fingerprint(run.site_parts)
        return run

    @property
    def reader_kind(self) -> str:
        # Only the parser's output is a function of a file's bytes; a reader
        # given by a caller (the tests) is asked again every time.
        return "parse" if self.reader is parse_reader else "custom"

    def tell(self, line: str) -> None:
        if self.say is not None:
            self.say(line)
