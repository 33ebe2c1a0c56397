"""sources.toml: named sources with their schedule and politeness, and clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.crawl.runner import spider_commands
from pipeline.crawl.sources import command_line_source, load_sources, parse_interval
from pipeline.errors import ConfigError
from tests.conftest import make_config

TRACKING = make_config().tracking_params

GOOD = """
[sources.harbour-news]
feeds = ["https://Harbour.example/rss.xml?utm_source=x"]
start_urls = ["https://harbour.example/city/"]
depth = 2
every = "30m"

[sources.harbour-news.politeness]
download_delay = 2
user_agent = "test-bot"

[sources.zeitung]
sitemaps = ["https://www.zeitung.example/news-sitemap.xml"]
allowed_domains = ["zeitung.example"]
cron = "*/15 6-22 * * mon-fri"
refetch = true
allow_private_addresses = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sources_file_gives_typed_sources(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, GOOD), TRACKING)
    news, zeitung = sources["harbour-news"], sources["zeitung"]
    assert news.feeds == ("https://harbour.example/rss.xml",)  # normalised, tracking dropped
    assert news.allowed_domains == ("harbour.example",)  # from the URLs when not given
    assert (news.depth, news.every, news.cron, news.refetch) == (2, timedelta(minutes=30), None, False)
    assert news.settings == {"DOWNLOAD_DELAY": 2.0, "USER_AGENT": "test-bot"}
    assert (zeitung.every, zeitung.cron, zeitung.refetch) == (None, "*/15 6-22 * * mon-fri", True)
    assert zeitung.allowed_domains == ("zeitung.example",)
    assert zeitung.settings == {"NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES": True}  # for its spiders only
    assert spider_commands(zeitung)[0][1][-4:-2] == ["-s", "NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES=True"]


def test_a_source_names_the_outlet_of_its_pages_that_name_none(tmp_path: Path) -> None:
    """By default the source's name; ``outlet`` spells it; "" leaves such pages without one.
    The spiders get it as a setting; a command-line source has none."""
    feeds = "feeds = ['https://a.example/rss']\nevery = '1h'\n"
    sources = load_sources(write(tmp_path, f"[sources.kuestenblatt]\n{feeds}[sources.coast]\n{feeds}"
                                           f"outlet = ' Coast  Times '\n[sources.anon]\n{feeds}outlet = ''\n"))
    assert {n: s.outlet for n, s in sources.items()} == {"kuestenblatt": "kuestenblatt", "coast": "Coast Times",
                                                         "anon": None}
    assert spider_commands(sources["coast"])[0][1][-2:] == ["-s", "NEWSDEDUP_SOURCE_OUTLET=Coast Times"]
    assert not any("OUTLET" in a for a in spider_commands(sources["anon"])[0][1])
    assert command_line_source(["https://a.example/rss"], [], []).outlet is None
    with pytest.raises(ConfigError, match="outlet must be a name"):
        load_sources(write(tmp_path, f"[sources.a]\n{feeds}outlet = 3\n"))


@pytest.mark.parametrize(("text", "message"), [
    ("[sources.a]\nevery = '1h'\n", "at least one of feeds"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\n", "exactly one of every"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\ncron = '* * * * *'\n", "exactly one of every"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = 'hourly'\n", "not an interval"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\ncron = '61 * * * *'\n", "not a crontab expression"),
    ("[sources.a]\nfeeds = ['file:///etc/passwd']\nevery = '1h'\n", "not an http(s) URL"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\ndepth = -1\n", "depth"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\nfeed = 'x'\n", "unknown key"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\n[sources.a.politeness]\ndelay = 1\n",
     "politeness.delay is unknown"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\n[sources.a.politeness]\ndownload_delay = 'x'\n",
     "must be a float"),
    ("[sources.a]\nfeeds = ['https://a.example/rss']\nevery = '1h'\nallow_private_addresses = 1\n",
     "allow_private_addresses must be true or false"),
    ("[sources.'Bad Name']\nfeeds = ['https://a.example/rss']\nevery = '1h'\n", "a name is"),
    ("[source.a]\n", "unknown top-level key"),
    ("[sources.a\n", "not valid TOML"),
])
def test_every_problem_names_the_file_the_source_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="sources.toml") as err:
        load_sources(path, TRACKING)
    assert message in str(err.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the sources file"):
        load_sources(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)), ("1d", timedelta(days=1)),
])
def test_intervals(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["0m", "30", "m", "1w", "-5m"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError, match="not an interval"):
        parse_interval(text)


@pytest.mark.parametrize("text", ["99999999999999999999s", "999999999d", "3000000d"])
def test_an_interval_too_long_for_a_date_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="longer than any interval can be"):
        parse_interval(text)


def test_a_source_comes_back_from_its_stored_table() -> None:
    from pipeline.crawl.sources import command_line_source, source_from_table, source_table

    wire = command_line_source(["https://example.com/rss.xml"], [], ["https://example.com/news/"], name="wire",
                               every="90s", domains=["example.com"], depth=2, refetch=True)
    assert source_from_table("stored", "wire", source_table(wire)) == wire
    private = source_from_table("file", "zeitung", {"feeds": ["https://zeitung.example/rss"], "every": "1h",
                                                    "allow_private_addresses": True, "outlet": "Die Zeitung"})
    assert source_from_table("stored", "zeitung", source_table(private)) == private  # it raised KeyError
    with pytest.raises(ConfigError, match="politeness.user_agent must be a str"):
        source_from_table("stored", "wire", {**source_table(wire), "politeness": {"user_agent": 5}})
