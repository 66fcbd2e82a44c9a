"""``site.toml`` → a typed, validated :class:`SiteConfig`.

Every key is optional. An unknown key or a bad value is a :class:`UserError`
that names the key and the line it is on, because a typo in a config file
should never be silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.errors import UserError

CONFIG_NAME = "site.toml"

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_THEME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


# --- [publish]: where the site goes, so the build can say when it will not fit ----

GITHUB_PAGES = "github-pages"
STATIC_HOST = "static"
# GitHub's documented limit for a published Pages site (and its upload artifact).
GITHUB_PAGES_LIMIT = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Publish:
    """The ``[publish]`` table: `target` is ``"github-pages"`` or ``"static"`` (any host)."""

    target: str

    @property
    def size_limit(self) -> int | None:
        """The most bytes the host publishes, if it has a limit cablesite knows."""
        return GITHUB_PAGES_LIMIT if self.target == GITHUB_PAGES else None

    @property
    def host_name(self) -> str:
        return "GitHub Pages" if self.target == GITHUB_PAGES else "a static host"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything a build needs to know about the site, already validated.

    `root` is the site folder (where ``site.toml`` lives); paths below it are
    derived here so no other module guesses the layout.
    """

    root: Path = field(default_factory=Path)
    title: str = "Cable archive"
    description: str = "An archive of diplomatic cables."
    base_url: str = "/"
    language: str = "en"
    theme: str = "default"
    per_page: int = 50
    external_cable_url: str | None = None
    feed_size: int = 20
    publish: Publish | None = None

    @property
    def cables_dir(self) -> Path:
        return self.root / "content" / "cables"

    @property
    def pages_dir(self) -> Path:
        return self.root / "content" / "pages"

    @property
    def output_dir(self) -> Path:
        return self.root / "site"

    def with_base_url(self, base_url: str, *, source: str = "--base-url") -> SiteConfig:
        return replace(self, base_url=_check_base_url(base_url, source, None))


def load_config(root: Path) -> SiteConfig:
    """Read ``root/site.toml``; a site without one gets the defaults."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return SiteConfig(root=root)
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_config(text, root=root, filename=display_path(path))


def parse_config(text: str, *, root: Path, filename: str = CONFIG_NAME) -> SiteConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = f"invalid TOML: {_toml_message(exc)}"
        raise UserError(filename, _toml_error_line(exc), message) from None

    values: dict[str, Any] = {}
    for key, value in data.items():
        line = key_line(text, key)

        check = _CHECKS.get(key)
        if check is None:
            known = ", ".join(sorted(_CHECKS))
            raise UserError(filename, line, f"unknown key {key!r} (known keys: {known})")
        values[key] = check(value, f"{key}", line, filename)
    return SiteConfig(root=root, **values)


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def key_line(text: str, key: str) -> int | None:
    """The line of a top-level ``key = ...``, so errors can point at it."""
    pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            # Keys below a table header belong to the table, not the top level.
            return _table_line(text, key)
        if pattern.match(line):
            return number
    return None


def _table_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        header = line.strip()
        if header.startswith("[") and header.strip("[] ").split(".")[0].strip("\"'") == key:
            return number
    return None


def _toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    return int(found.group(1)) if found else None


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "syntax error"


# --- value checks: each returns the cleaned value or raises UserError ------------

Check = Callable[[Any, str, "int | None", str], Any]


def _check_text(value: Any, key: str, line: int | None, filename: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError(filename, line, f"{key} must be a non-empty string")
    return value.strip()


def _check_description(value: Any, key: str, line: int | None, filename: str) -> str:
    if not isinstance(value, str):
        raise UserError(filename, line, f"{key} must be a string")
    return value.strip()


def _check_language(value: Any, key: str, line: int | None, filename: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise UserError(filename, line, f"{key} must be a language tag such as 'en' or 'pt-BR'")
    return value


def _check_theme(value: Any, key: str, line: int | None, filename: str) -> str:
    if not isinstance(value, str) or not _THEME.match(value):
        raise UserError(filename, line, f"{key} must be the name of a theme folder, e.g. 'default'")
    return value


def _int_between(low: int, high: int) -> Check:
    def check(value: Any, key: str, line: int | None, filename: str) -> int:
        # bool is an int subclass in Python; `per_page = true` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UserError(filename, line, f"{key} must be a whole number from {low} to {high}")
        return value

    return check


def _check_base_url(value: Any, key: str, line: int | None, filename: str = CONFIG_NAME) -> str:
    message = f"{key} must be a URL such as 'https://user.github.io/repo/' or a path such as '/'"
    if not isinstance(value, str) or not value.strip():
        raise UserError(filename, line, message)
    parts = urlsplit(value.strip())
    if parts.query or parts.fragment:
        raise UserError(filename, line, f"{key} must not have a query or fragment")
    if parts.scheme:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(filename, line, message)
    elif parts.netloc or not parts.path.startswith("/"):
        raise UserError(filename, line, message)
    # "https://u.github.io/repo" and ".../repo//" (a CI variable plus "/") both mean ".../repo/".
    path = parts.path.rstrip("/") + "/"
    return f"{parts.scheme}://{parts.netloc}{path}" if parts.scheme else path


def _check_external_url(value: Any, key: str, line: int | None, filename: str) -> str | None:
    if value == "":
        return None
    if not isinstance(value, str) or "{id}" not in value:
        raise UserError(filename, line, f"{key} must be a URL template containing {{id}}, or ''")
    if urlsplit(value).scheme not in ("http", "https"):
        raise UserError(filename, line, f"{key} must start with http:// or https://")
    try:
        value.format(id="00TEST1")
    except (KeyError, IndexError, ValueError):
        raise UserError(filename, line, f"{key} may only use the placeholder {{id}}") from None
    return value


_PUBLISH_TARGETS = (GITHUB_PAGES, STATIC_HOST)


def _check_publish(value: Any, key: str, line: int | None, filename: str) -> Publish:
    if not isinstance(value, dict):
        raise UserError(filename, line, f"{key} must be a table: [publish] with target = ...")
    unknown = sorted(set(value) - {"target"})
    if unknown:
        raise UserError(
            filename, line, f"unknown key {key}.{unknown[0]!r} (known keys: {key}.target)"
        )
    target = value.get("target")
    if target not in _PUBLISH_TARGETS:
        known = " or ".join(repr(t) for t in _PUBLISH_TARGETS)
        raise UserError(filename, line, f"{key}.target must be {known}, not {target!r}")
    return Publish(target=target)


_CHECKS: dict[str, Check] = {
    "title": _check_text,
    "description": _check_description,
    "base_url": _check_base_url,
    "language": _check_language,
    "theme": _check_theme,
    "per_page": _int_between(1, 10_000),
    "external_cable_url": _check_external_url,
    "feed_size": _int_between(1, 1_000),
    "publish": _check_publish,
}
