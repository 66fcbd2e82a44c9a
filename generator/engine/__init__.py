"""The build engine: what to read, plan, sign, render and write, and the cache that lets it skip the rest.

``builder`` picks the path a build takes (nothing changed, a quick rebuild,
the full pass); ``full_pass`` and ``quick`` are those paths, and both end
with ``rewrite``, the one sign → dirty → render → apply → record step.
``docs/engine.md`` tells the whole story.
"""
