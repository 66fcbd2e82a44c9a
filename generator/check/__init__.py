"""``cablesite check``: every internal link and ``#anchor`` of a built site resolves, every cable has its page."""
