"""``cablesite new DIR``: a site folder that builds as it is."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
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

# Where the site is published. "github-pages" (the workflow in
# .github/workflows/pages.yml) makes `cablesite build` warn when the site
# grows past GitHub Pages' 1 GB; "static" is any other host, with no limit.
[publish]
target = "github-pages"
"""

# The site's own GitHub Actions workflow: on a push to main, install the
# cablesite that made the site, build it for its Pages URL, check its links,
# deploy it with GitHub's official Pages actions.
PAGES_WORKFLOW = """\
# Publishes this archive on GitHub Pages on every push to main.
# Written by `cablesite new` (cablesite {version}). In the repository's
# Settings > Pages, set "Source" to "GitHub Actions".
# GitHub Pages publishes sites up to 1 GB: `cablesite build` warns when the
# site is bigger (see cablesite's README, "Publishing", for larger archives).
name: Publish to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install cablesite {version}
        run: python -m pip install "cablesite=={version}"
      - name: Find the Pages URL
        id: pages
        uses: actions/configure-pages@v5
      - name: Build
        run: cablesite build --clean --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - name: Check links
        run: cablesite check --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy
        id: deployment
        uses: actions/deploy-pages@v4
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
    workflows = directory / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "pages.yml").write_text(
        PAGES_WORKFLOW.format(version=generator_version()), encoding="utf-8"
    )
    return directory


def generator_version() -> str:
    """The installed cablesite's version: the site's workflow installs the same one."""
    try:
        return version("cablesite")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "0.1.0"


def _title_for(directory: Path) -> str:
    name = directory.resolve().name.replace("-", " ").replace("_", " ").strip()
    title = name.title() if name else "Cable archive"
    # The title goes inside a TOML string: keep it to characters that need no escaping.
    return "".join(c for c in title if c.isprintable() and c not in '"\\') or "Cable archive"
