"""``cablesite new DIR``: a site folder that builds as it is."""

from __future__ import annotations

from pathlib import Path

from generator.errors import UserError

SITE_TOML = """\
# cablesite configuration. Every key is optional; these are the defaults
# except for the title and description.

title = "{title}"
description = "An archive of diplomatic cables."

# Where the site will be served. Links and assets are written under this
# path, so a GitHub Pages project site needs e.g.
# "https://USER.github.io/REPO/" (or pass --base-url to `cablesite build`).
base_url = "/"

language = "en"
theme = "default"

# Cables (or tags, origins...) per index page.
per_page = 50

# Cables cited but not in this archive link out with this template, when set.
# external_cable_url = "https://wikileaks.org/plusd/cables/{{id}}_a.html"
external_cable_url = ""

# Number of newest cables in feed.xml and on the home page.
feed_size = 20
"""

ABOUT_MD = """\
---
title: About this archive
description: What this archive holds and how to read it.
---

# About this archive

This site is built with [cablesite](https://pypi.org/project/cablesite/) from
the files in `content/cables/`. Put cables there — WikiLeaks cable pages
(`.html`), raw telegrams (`.txt`), a `cables.csv` dump, JSON Lines exports
(`.jsonl`) or Markdown files with front matter — and run `cablesite build`.

Each cable gets a page at `cable/YYYY/MM/ID.html`, linked to the cables it
cites and to those that cite it. Cable ids written in this page, such as
03OTTAWA49, become links when the cable is in the archive.
"""

GITIGNORE = "/site/\n/.site.partial/\n/.site.old/\n/.site.database/\n/.cablesite-cache/\n"


def create_site(directory: Path) -> Path:
    """Create the folder with a working site; refuses to touch a non-empty folder."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UserError(str(directory), None, "already exists and is not empty")
    title = _title_for(directory)
    (directory / "content" / "cables").mkdir(parents=True, exist_ok=True)
    (directory / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (directory / "content" / "cables" / ".gitkeep").write_text("")
    (directory / "site.toml").write_text(SITE_TOML.format(title=title), encoding="utf-8")
    (directory / "content" / "pages" / "about.md").write_text(ABOUT_MD, encoding="utf-8")
    (directory / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return directory


def _title_for(directory: Path) -> str:
    name = directory.resolve().name.replace("-", " ").replace("_", " ").strip()
    title = name.title() if name else "Cable archive"
    # The title goes inside a TOML string: keep it to characters that need no escaping.
    return "".join(c for c in title if c.isprintable() and c not in '"\\') or "Cable archive"
