"""Errors a user can cause, reported as ``path:line: message``.

Anything raised as a :class:`UserError` is printed by the CLI without a
traceback: it names the file (and line, when known) the user has to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.model import Problem


class UserError(Exception):
    """A problem in the user's input: config, content, templates, options."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.message)


def format_location(path: str, line: int | None, message: str) -> str:
    """The one format every diagnostic uses: ``path:line: message``."""
    where = f"{path}:{line}" if line is not None else path
    return f"{where}: {message}"


class StrictFailure(UserError):
    """``--strict`` and the build found problems: nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        message = f"{len(problems)} warning(s) with --strict; site not written"
        super().__init__("build", None, message)
        self.problems = problems


def failure(err: BaseException) -> str:
    """One line saying what an unexpected exception was, for a warning about one input.

    The crash barriers (a record, a file, a page) turn an exception into a
    warning with this text: the kind of error and its message, on one line
    and cut short, so that no input can print a traceback or forge a line.
    """
    message = " ".join(str(err).split())
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{type(err).__name__}: {message}" if message else type(err).__name__
