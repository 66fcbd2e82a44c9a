"""Rendering: Jinja2 templates, Markdown and Pygments highlighting, page spec in, bytes out."""
