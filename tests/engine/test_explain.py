"""`cablesite build --explain`: each file rewritten, with the input that made it stale.

Real cable files (Markdown with front matter, read by the parser), built
the way ``cablesite build`` builds them: a new builder each time, so the
quick path restores the saved memory and the full pass compares with it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from generator.cli import main
from generator.engine.builder import Builder, BuildOptions


def markdown_cable(cable_id: str, day: int, subject: str, references: str = "") -> str:
    """A cable as a Markdown file with front matter, as `cablesite import` writes one."""
    cited = f"references: [{references}]\n" if references else ""
    return (
        f"---\nid: {cable_id}\ncreated: 2003-02-0{day} 09:00\norigin: Embassy Ottawa\n"
        f'classification: UNCLASSIFIED\ntags: [KPAO, CA]\nsubject: "{subject}"\n{cited}---\n\n'
        f"1. (U) The minister spoke, as reported in reftel.\n"
    )


CITING = markdown_cable("03OTTAWA312", 4, "TALKS WITH THE MINISTER", "03OTTAWA311")
CITED = markdown_cable("03OTTAWA311", 3, "THE FIRST REPORT")


def make(root: Path) -> Path:
    cables = root / "content" / "cables"
    cables.mkdir(parents=True)
    (root / "site.toml").write_text('title = "Explained"\n', encoding="utf-8")
    (cables / "03OTTAWA312.md").write_text(CITING, encoding="utf-8")
    (cables / "03OTTAWA311.md").write_text(CITED, encoding="utf-8")
    return root


def explained(root: Path, **options: object) -> dict[str, str]:
    lines: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Builder(root, explain=lines.append).build(BuildOptions(**options))  # type: ignore[arg-type]
    found = dict(line.split(": ", 1) for line in lines)
    assert len(found) == len(lines), "a file is explained once"
    return found


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "content" / "cables" / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_first_build_says_it_has_nothing_to_compare_with(tmp_path: Path) -> None:
    why = explained(make(tmp_path / "site"))
    assert why["cable/2003/02/03OTTAWA312.html"] == "rendered anew (no record of an earlier build)"
    assert explained(tmp_path / "site") == {}  # nothing changed: nothing to say
    clean = explained(tmp_path / "site", clean=True)
    # (Every page is rendered; their bytes come out as the old tree's.)
    assert {why.split(" (rendered;")[0] for why in clean.values()} == {"rendered anew (--clean)"}


def test_a_subject_edit_names_the_cable_and_how_each_page_shows_it(tmp_path: Path) -> None:
    root = make(tmp_path / "site")
    explained(root)
    edit(root, "03OTTAWA311.md", "THE FIRST REPORT", "A FIRST REPORT, EDITED")
    why = explained(root)  # a quick rebuild, from the saved memory
    assert why["cable/2003/02/03OTTAWA312.html"] == "cited cable 03OTTAWA311 changed its subject"
    assert why["cable/2003/02/03OTTAWA311.html"] == "its cable's text changed"
    assert why["tag/KPAO/index.html"] == "listed cable 03OTTAWA311 changed its subject"
    assert why["index.html"] == "newest cable 03OTTAWA311 changed its subject"
    assert "tag/index.html" not in why  # it shows no title


def test_a_structural_edit_is_explained_by_the_full_pass(tmp_path: Path) -> None:
    root = make(tmp_path / "site")
    explained(root)
    edit(root, "03OTTAWA311.md", "tags: [KPAO, CA]", "tags: [KPAO, CA, PGOV]")
    why = explained(root)
    assert why["cable/2003/02/03OTTAWA312.html"].startswith(
        "cited cable 03OTTAWA311 changed its tags"
    )
    assert why["tag/PGOV/index.html"] == "new page"
    assert why["tag/index.html"] == "the items it lists changed (1 added, 0 removed)"
    edit(root, "03OTTAWA311.md", "tags: [KPAO, CA, PGOV]", "tags: [KPAO, CA]")
    why = explained(root)
    assert why["tag/PGOV/index.html"] == "removed, no longer part of the site"


def test_settings_and_templates_are_named(tmp_path: Path) -> None:
    root = make(tmp_path / "site")
    explained(root)
    why = explained(root, base_url="/repo/")
    assert set(why.values()) <= {
        "setting base_url changed",
        "setting base_url changed (rendered; its bytes did not change)",
    }
    (root / "templates").mkdir()
    (root / "templates" / "page.html").write_text("unused\n", encoding="utf-8")
    (root / "templates" / "404.html").write_text("{{ site.title }}: not here\n", encoding="utf-8")
    why = explained(root, base_url="/repo/")
    assert why == {"404.html": "template 404.html changed (or a template it pulls in)"}


def test_the_command_prints_the_lines_on_stdout(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make(tmp_path / "site")
    assert main(["build", "-q", "-C", str(root)]) == 0
    edit(root, "03OTTAWA312.md", "The minister spoke", "The minister said")
    capsys.readouterr()
    assert main(["build", "-q", "--explain", "-C", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "cable/2003/02/03OTTAWA312.html: its cable's text changed"
    assert out[-1].startswith("built ")
