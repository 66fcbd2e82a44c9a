"""What a build reads besides the cables: settings, templates, static files, Markdown pages.

Settings, templates, static files and Markdown pages: few files, read in
full by every build (a build with nothing to do only stats them).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from generator.config import CONFIG_NAME, SiteConfig
from generator.engine.discover import Identity, Inputs, changed_at
from generator.engine.state import RACY_NS
from generator.render.environment import theme_folders
from generator.render.highlight import stylesheet, with_stylesheet
from generator.urls import Urls, is_safe_relative


def other_inputs(config: SiteConfig, inputs: Inputs) -> dict[str, Identity]:
    """Identities of every input besides the cables: config, templates, static files, pages.

    Files in content/cables/ that are not cables count too: they are
    reported, so one appearing changes the diagnostics.
    """
    found: dict[str, Identity] = {}
    candidates = [config.root / CONFIG_NAME]
    for kind in ("templates", "static"):
        for folder in theme_folders(config, kind):
            candidates.extend(p for p in folder.rglob("*") if not p.is_dir())
    if config.pages_dir.is_dir():
        candidates.extend(config.pages_dir.glob("*.md"))
    for path in candidates:
        try:
            info = path.stat()
            found[str(path)] = (info.st_size, changed_at(info))
        except OSError:
            found[str(path)] = (-1, -1)
    for name in inputs.ignored:
        found[f"ignored:{name}"] = (0, 0)
    return found


def trusted(found: Mapping[str, Identity]) -> dict[str, Identity]:
    """Identities to record: a file changed within the last seconds is not trusted."""
    racy = time.time_ns() - RACY_NS
    return {path: (size, -1 if mtime > racy else mtime) for path, (size, mtime) in found.items()}


def static_files(config: SiteConfig) -> dict[str, bytes]:
    """Theme static files (site overrides first), the generated highlight CSS, ``.nojekyll``."""
    files: dict[str, Path] = {}
    for folder in reversed(theme_folders(config, "static")):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            files[path.relative_to(folder).as_posix()] = path
    files.pop("highlight.css", None)
    out: dict[str, bytes] = {}
    for name, path in sorted(files.items()):
        if is_safe_relative(name) and not name.startswith("."):
            out[Urls.static(name)] = path.read_bytes()
    out[Urls.static("highlight.css")] = stylesheet().encode("utf-8")  # for themes that link it
    style = Urls.static("style.css")
    if style in out:  # the default theme links only style.css: the highlighter's rules end it
        out[style] = with_stylesheet(out[style])
    out[Urls.nojekyll] = b""
    return out
