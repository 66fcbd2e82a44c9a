"""Orchestration of a full build: load → parse → archive → plan → render → write.

The archive needs every cable's metadata before any page can be rendered,
so the build makes two passes over the sources: the first keeps only each
cable's metadata, the second renders one source file's cables at a time.
The second pass takes the parsed cables the first pass kept, up to a fixed
budget of text (:class:`CableCache`), and re-reads the rest. Memory thus
stays bounded by the metadata plus the budget, whatever the corpus size,
and the second pass is a pure function of (source file, archive), ready to
be spread over processes or served from a persistent parse cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.archive import Archive, ArchiveBuilder
from generator.config import SiteConfig, load_config
from generator.errors import UserError
from generator.model import Cable, Problem
from generator.parse import title_case
from generator.plan import Page, plan_site
from generator.render.environment import (
    check_theme,
    make_environment,
    template_closure,
    theme_folders,
)
from generator.render.highlight import stylesheet
from generator.render.markdown import Document, read_document
from generator.render.pages import Diagnostics, Renderer
from generator.sources import Inputs, Reader, Source, find_sources, parse_reader, read_source
from generator.urls import Urls, is_safe_relative, output_file
from generator.write import StagedOutput, check_output_folder

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    output: Path | None = None
    base_url: str | None = None
    strict: bool = False
    clean: bool = False


@dataclass(slots=True)
class BuildResult:
    output: Path
    sources: int = 0
    cables: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    copies: int = 0


class StrictFailure(UserError):
    """``--strict`` and the build found problems: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        message = f"{len(problems)} warning(s) with --strict; site not written"
        super().__init__("build", None, message)
        self.problems = problems


def build_site(
    root: Path,
    options: BuildOptions = BuildOptions(),
    *,
    reader: Reader = parse_reader,
    progress: Progress | None = None,
) -> BuildResult:
    say = progress or (lambda _: None)
    config = _configure(root, options)
    output = options.output or config.output_dir
    check_output_folder(output, root)
    inputs = find_sources(config.cables_dir, root)
    result = BuildResult(output=output, sources=len(inputs.sources))

    say(f"reading {len(inputs.sources)} file(s) from {config.cables_dir}")
    cache = CableCache()
    archive, problems = scan(inputs, reader, cache)
    docs = load_documents(config, problems)
    result.problems = problems
    result.cables = len(archive)
    result.copies = len(archive.copies)
    if options.strict and problems:
        raise StrictFailure(problems)

    pages = plan_site(archive, config, list(docs.values()))
    env = make_environment(config)
    renderer = Renderer(env, config, archive, docs, Diagnostics(problems, len(inputs.sources)))
    say(f"rendering {len(pages)} page(s) for {len(archive)} cable(s)")
    with StagedOutput(output, reuse=not options.clean) as staged:
        feed_cables = render_cable_pages(pages, inputs, archive, renderer, staged, reader, cache)
        render_other_pages(pages, renderer, staged, feed_cables)
        write_static(config, staged)
        staged.commit()
    result.pages = len(pages)
    result.written, result.unchanged = staged.written, staged.unchanged
    return result


def _configure(root: Path, options: BuildOptions) -> SiteConfig:
    config = load_config(root)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    check_theme(config)
    return config


class CableCache:
    """Parsed cables kept from pass 1 for pass 2, within a budget of text.

    Keeping them halves the parsing of a small or medium archive; the budget
    (characters of header and body, about 64 MB of text by default) keeps
    memory bounded for a large one, whose other files are simply re-read.
    """

    def __init__(self, budget: int = 64 * 2**20) -> None:
        self.room = budget
        self._files: dict[str, list[Cable]] = {}

    def keep(self, source: str, cables: list[Cable]) -> None:
        self._files[source] = cables

    def reserve(self, cable: Cable) -> bool:
        """Count a cable against the budget; False once it is spent."""
        self.room -= len(cable.header) + len(cable.body)
        return self.room >= 0

    def take(self, source: str) -> list[Cable] | None:
        return self._files.pop(source, None)


def scan(
    inputs: Inputs, reader: Reader = parse_reader, cache: CableCache | None = None
) -> tuple[Archive, list[Problem]]:
    """Pass 1: every cable's metadata, and every problem met on the way."""
    builder = ArchiveBuilder(title_case=title_case)
    problems: list[Problem] = [
        Problem(path, None, "not a supported cable file; ignored") for path in inputs.ignored
    ]
    for source in inputs.sources:
        count = 0
        kept: list[Cable] | None = [] if cache is not None else None
        for ordinal, cable in enumerate(read_source(source, problems.append, reader)):
            builder.add(cable, source=source.display, ordinal=ordinal)
            problems.extend(
                Problem(source.display, None, f"{cable.id}: {w}") for w in cable.warnings
            )
            count += 1
            if kept is not None and cache is not None:
                if cache.reserve(cable):
                    kept.append(cable)
                else:
                    kept = None  # this file will be re-read in pass 2
        if kept is not None and cache is not None:
            cache.keep(source.display, kept)
        if count == 0:
            problems.append(Problem(source.display, None, "no cable found in this file"))
    archive = builder.build()
    for variants in archive.variants.values():
        names = ", ".join(dict.fromkeys(variants.sources))
        keys = ", ".join(variants.keys)
        message = f"{variants.id} differs between {names}: kept as {keys}"
        problems.append(Problem(variants.sources[0], None, message))
    return archive, problems


def load_documents(config: SiteConfig, problems: list[Problem]) -> dict[str, Document]:
    """The Markdown pages, by slug; a second page with a taken slug is reported and skipped."""
    docs: dict[str, Document] = {}
    folder = config.pages_dir
    if not folder.is_dir():
        return docs
    for path in sorted(folder.glob("*.md")):
        display = path.relative_to(config.root).as_posix()
        doc = read_document(path, display)
        if doc.slug in docs:
            problems.append(Problem(display, None, f"slug {doc.slug!r} already used; skipped"))
            continue
        docs[doc.slug] = doc
    return docs


def render_cable_pages(
    pages: Iterable[Page],
    inputs: Inputs,
    archive: Archive,
    renderer: Renderer,
    staged: StagedOutput,
    reader: Reader,
    cache: CableCache | None = None,
) -> dict[str, Cable]:
    """Pass 2: re-read each source once and render the pages of its cables.

    Returns the full cables the feed needs, caught on the way so no file is
    read a third time.
    """
    by_location: dict[tuple[str, int], Page] = {}
    for page in pages:
        if page.kind == "cable":
            entry = archive.entries[page.subject]
            by_location[(entry.source, entry.ordinal)] = page
    wanted = _feed_members(pages)
    feed_cables: dict[str, Cable] = {}
    needed = {source for source, _ in by_location}
    for source in inputs.sources:
        if source.display not in needed:
            continue
        kept = cache.take(source.display) if cache else None
        cables = kept if kept is not None else read_source(source, _ignore, reader)
        for ordinal, cable in enumerate(cables):
            page = by_location.get((source.display, ordinal))
            if page is None:
                continue  # an identical copy of a cable already rendered
            _check_same(page, cable, archive, source)
            staged.write(output_file(page.path), renderer.render(page, cable))
            if page.subject in wanted:
                feed_cables[page.subject] = cable
    return feed_cables


def render_other_pages(
    pages: Iterable[Page], renderer: Renderer, staged: StagedOutput, feed: Mapping[str, Cable]
) -> None:
    for page in pages:
        if page.kind == "cable":
            continue
        extra = feed if page.kind == "feed" else None
        staged.write(output_file(page.path), renderer.render(page, extra))
    staged.write(Urls.nojekyll, b"")


def write_static(config: SiteConfig, staged: StagedOutput) -> None:
    """Theme static files (site overrides first), plus the generated highlight CSS."""
    files: dict[str, Path] = {}
    for folder in reversed(theme_folders(config, "static")):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            files[path.relative_to(folder).as_posix()] = path
    files.pop("highlight.css", None)
    for name, path in sorted(files.items()):
        if is_safe_relative(name) and not name.startswith("."):
            staged.write(Urls.static(name), path.read_bytes())
    staged.write(Urls.static("highlight.css"), stylesheet().encode("utf-8"))


def template_inputs(renderer: Renderer, page: Page) -> frozenset[str]:
    """The templates a page is made from, for dependency tracking."""
    return template_closure(renderer.env, page.template)


def _feed_members(pages: Iterable[Page]) -> set[str]:
    return {key for page in pages if page.kind == "feed" for key in page.members}


def _check_same(page: Page, cable: Cable, archive: Archive, source: Source) -> None:
    # The parser is deterministic, so a mismatch means the file changed mid-build.
    if archive.entries[page.subject].id != cable.id:
        raise UserError(source.display, None, "file changed during the build; build again")


def _ignore(_: Problem) -> None:
    """Pass 2 meets the same problems as pass 1, which already recorded them."""
