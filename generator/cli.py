"""The ``cablesite`` command. Thin on purpose: parse arguments, call one function, report.

User errors (bad config, unreadable template, bad option) are printed as
``path:line: message`` and exit with status 1; never a traceback.

Each command's modules are imported when it runs: a build with nothing to
do has no use for the server or the checker (about 45 ms). The importer is
imported to describe its options in ``--help``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import StrictFailure, UserError

if TYPE_CHECKING:
    from generator.config import Publish
    from generator.engine.builder import BuildResult


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UserError as error:
        if isinstance(error, StrictFailure):
            for problem in error.problems:
                print(problem, file=sys.stderr)
            print(f"error: {error}", file=sys.stderr)
        else:
            print(error, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Whoever read the output went away (`cablesite build --explain | head`):
        # stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:
        # A file the build could not read or write (permissions, a full disk…).
        print(f"{error.filename or 'cablesite'}: {error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous site is unchanged", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cablesite", description="Build a static website from an archive of diplomatic cables."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser("new", help="create a new site folder ready to build")
    new.add_argument("directory", type=Path, help="folder to create (must be empty or absent)")
    new.set_defaults(run=_new)

    build = commands.add_parser("build", help="build the site in the current folder")
    build.add_argument("-o", "--output", type=Path, help="output folder (default: site/)")
    build.add_argument("--base-url", help="site URL, e.g. https://user.github.io/repo/")
    build.add_argument("--strict", action="store_true", help="fail on any warning")
    build.add_argument(
        "--clean", action="store_true", help="full build: ignore the cache and the last output"
    )
    build.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes for parsing and rendering (default: one per CPU)",
    )
    build.add_argument("-C", "--directory", type=Path, default=Path(), help="site folder")
    build.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    build.add_argument(
        "--explain",
        action="store_true",
        help="print each file the build rewrites or removes, with the input that made it stale",
    )
    build.set_defaults(run=_build)

    check = commands.add_parser("check", help="verify the built site's links and pages")
    check.add_argument("-o", "--output", type=Path, help="built site folder (default: site/)")
    check.add_argument("--base-url", help="the base URL the site was built with")
    check.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes for reading pages and cables (default: one per CPU)",
    )
    check.add_argument("-C", "--directory", type=Path, default=Path(), help="site folder")
    check.set_defaults(run=_check)

    importing = commands.add_parser(
        "import", help="bring cables from a dump, an export or saved pages into content/cables"
    )
    _import_arguments(importing)
    importing.set_defaults(run=_import)

    serve = commands.add_parser("serve", help="serve the site here, rebuilding on every change")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.add_argument("-C", "--directory", type=Path, default=Path(), help="site folder")
    serve.set_defaults(run=_serve)
    return parser


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    from generator.importing.command import add_import_arguments

    add_import_arguments(parser)


def _import(args: argparse.Namespace) -> int:
    from generator.importing.command import import_command

    return int(import_command(args))


def _new(args: argparse.Namespace) -> int:
    from generator.ui.scaffold import create_site

    created = create_site(args.directory)
    print(f"created a site in {created}")
    print(f"next: cd {created} && cablesite build")
    return 0


def _build(args: argparse.Namespace) -> int:
    from generator.engine.builder import BuildOptions, build_site

    options = BuildOptions(
        output=args.output,
        base_url=args.base_url,
        strict=args.strict,
        clean=args.clean,
        jobs=args.jobs,
    )
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    # The parser reports through warnings by default; the build collects them itself.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = build_site(
            args.directory,
            options,
            progress=progress,
            bars=not args.quiet,
            explain=print if args.explain else None,
        )
    from generator.config import load_config
    from generator.engine.cache import cache_folder

    _report(
        result,
        quiet=args.quiet,
        publish=load_config(args.directory).publish,
        cache=cache_folder(Path(args.directory)),
    )
    return 0


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return value


def _report(
    result: BuildResult, *, quiet: bool, publish: Publish | None = None, cache: Path | None = None
) -> None:
    if not quiet:
        from generator.ui.report import warning_lines

        # Repeated warnings are grouped: the diagnostics page has every one.
        for line in warning_lines(result.problems, "diagnostics/warnings.txt"):
            print(line, file=sys.stderr)
    size = _site_size(result, publish, cache)
    print(
        f"built {result.output}: {result.cables} cable(s) from {result.sources} file(s), "
        f"{result.pages} page(s) ({result.written} written, {result.unchanged} unchanged"
        + (f", {result.removed} removed" if result.removed else "")
        + "), "
        f"{len(result.problems)} warning(s)"
        + (f", {result.copies} identical copy(ies) merged" if result.copies else "")
        + f"; {size}"
    )


def _site_size(result: BuildResult, publish: Publish | None, cache: Path | None) -> str:
    """The site's size and file count, for the summary line; a warning (on stderr,
    before it) when the site is over its host's limit."""
    from generator.ui.sitesize import measure_site, publish_warning, site_size, size_line

    if cache is None:
        size = measure_site(result.output)
    else:
        unchanged = result.written == 0 and result.removed == 0
        size = site_size(result.output, cache, unchanged=unchanged)
    warning = publish_warning(size, publish, result.cables)
    if warning:
        print(warning, file=sys.stderr)
    return size_line(size)


def _check(args: argparse.Namespace) -> int:
    from generator.check.checker import check_site

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = check_site(
            args.directory, output=args.output, base_url=args.base_url, jobs=args.jobs
        )
    for problem in report.problems:
        print(problem, file=sys.stderr)
    status = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
    print(f"checked {report.pages} page(s), {report.links} link(s): {status}")
    return 0 if not report.problems else 1


def _serve(args: argparse.Namespace) -> int:
    from generator.serve.server import serve

    return serve(args.directory, host=args.host, port=args.port, open_browser=args.open)


if __name__ == "__main__":
    sys.exit(main())
