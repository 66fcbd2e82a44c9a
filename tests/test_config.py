from pathlib import Path

import pytest

from generator.config import SiteConfig, load_config, parse_config
from generator.errors import UserError


def parse(text: str) -> SiteConfig:
    return parse_config(text, root=Path("."), filename="site.toml")


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == SiteConfig(root=tmp_path)
    assert config.base_url == "/"
    assert config.external_cable_url is None


def test_every_key() -> None:
    config = parse(
        'title = "Cables"\ndescription = "All of them"\nbase_url = "https://u.github.io/repo"\n'
        'language = "pt-BR"\ntheme = "default"\nper_page = 10\nfeed_size = 5\n'
        'external_cable_url = "https://wikileaks.org/plusd/cables/{id}_a.html"\n'
    )
    assert config.title == "Cables"
    assert config.base_url == "https://u.github.io/repo/"
    assert config.language == "pt-BR"
    assert (config.per_page, config.feed_size) == (10, 5)
    assert config.external_cable_url == "https://wikileaks.org/plusd/cables/{id}_a.html"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('title = "x"\n\ntitel = "y"\n', 3, "unknown key 'titel'"),
        ('title = "x"\nper_page = 0\n', 2, "per_page must be a whole number"),
        ("per_page = true\n", 1, "per_page"),
        ('per_page = "10"\n', 1, "per_page"),
        ('base_url = "ftp://x/"\n', 1, "base_url"),
        ('base_url = "repo/"\n', 1, "base_url"),
        ('language = "english!"\n', 1, "language"),
        ('external_cable_url = "https://x/{cable}"\n', 1, "external_cable_url"),
        ('external_cable_url = "javascript:alert({id})"\n', 1, "external_cable_url"),
        ('title = ""\n', 1, "title"),
        ('theme = "../etc"\n', 1, "theme"),
        ("\n[build]\njobs = 2\n", 2, "unknown key 'build'"),
        ('title = "x"\ntitle = "y"\n', 2, "invalid TOML"),
        ('title = "unclosed\n', 1, "invalid TOML"),
    ],
)
def test_errors_name_the_key_and_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"site.toml:{line}: ")


def test_base_url_override_is_checked() -> None:
    config = parse('base_url = "/"\n')
    assert config.with_base_url("/repo").base_url == "/repo/"
    assert (
        config.with_base_url("https://u.github.io/repo//").base_url == "https://u.github.io/repo/"
    )
    assert config.with_base_url("https://example.org").base_url == "https://example.org/"
    with pytest.raises(UserError, match="--base-url"):
        config.with_base_url("not a url")


def test_empty_external_template_means_none() -> None:
    assert parse('external_cable_url = ""\n').external_cable_url is None
