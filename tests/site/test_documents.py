"""The Markdown pages under content/pages: a bad page is a warning, never a stopped build."""

from __future__ import annotations

import time
from pathlib import Path

from generator.config import load_config
from generator.model import Problem
from generator.site.documents import load_documents

# Nine levels of nine aliases: 9**9 strings once expanded (2.3 GB with plain safe_load).
ALIAS_BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def site_with_pages(root: Path, pages: dict[str, str]) -> Path:
    (root / "content" / "pages").mkdir(parents=True)
    (root / "site.toml").write_text('title = "t"\n', encoding="utf-8")
    for name, text in pages.items():
        (root / "content" / "pages" / name).write_text(text, encoding="utf-8")
    return root


def test_bad_pages_are_warnings_and_the_good_page_loads(tmp_path: Path) -> None:
    root = site_with_pages(
        tmp_path,
        {
            "about.md": "---\ntitle: About\n---\n# About\n\nText.\n",
            "bomb.md": f"---\n{ALIAS_BOMB}\n---\nBody\n",
            "deep.md": "---\ntags: " + "[" * 1000 + "]" * 1000 + "\n---\nBody\n",
            "broken.md": "---\ntitle: [unclosed\n---\nBody\n",
            "list.md": "---\n- a\n- b\n---\nBody\n",
        },
    )
    problems: list[Problem] = []
    started = time.perf_counter()
    docs = load_documents(load_config(root), problems)
    assert time.perf_counter() - started < 5  # the bomb is refused, not expanded
    assert sorted(docs) == ["about"]
    assert sorted(p.path for p in problems) == [
        "content/pages/bomb.md",
        "content/pages/broken.md",
        "content/pages/deep.md",
        "content/pages/list.md",
    ]
    assert all(p.message.endswith("; skipped") and p.line for p in problems)
