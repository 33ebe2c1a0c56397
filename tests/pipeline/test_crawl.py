"""``newsdedup crawl``: named sources and command-line URLs, one spider process per run, a summary."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.crawl import spider_commands
from pipeline.sources import command_line_source, load_sources
from tests.conftest import make_config, run_cli


def sources_file(tmp_path: Path, site: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f"""
[sources.world]
feeds = ["{site}/feed.xml"]
sitemaps = ["{site}/sitemap.xml"]
every = "1h"

[sources.world.politeness]
download_delay = 0
autothrottle = false
""", encoding="utf-8")
    return path


def test_a_named_source_runs_one_spider_per_kind_and_prints_a_summary(news_site: str, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    path = sources_file(tmp_path, news_site)
    out = run_cli("crawl", "world", "--sources", str(path), "--db", f"sqlite:///{db}", check=True).stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith("world (feeds): completed; ") and "1 new articles, 1 duplicates" in lines[0]
    assert lines[1].startswith("world (sitemaps): completed; ") and "2 skipped as seen" in lines[1]
    assert lines[-1].startswith("crawl done: ")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select kind from runs order by id").fetchall() == [("crawl:feeds",), ("crawl:sitemaps",)]
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1


def test_unknown_names_and_nothing_to_crawl_are_clear_errors(news_site: str, tmp_path: Path) -> None:
    path = sources_file(tmp_path, news_site)
    bad = run_cli("crawl", "nope", "--sources", str(path), "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert bad.returncode == 2 and "no source named nope" in bad.stderr and "world" in bad.stderr
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    none = run_cli("crawl", "--sources", str(empty), "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert none.returncode == 2 and "nothing to crawl" in none.stderr


def test_spider_commands_carry_the_source_options(news_site: str, tmp_path: Path) -> None:
    source = load_sources(sources_file(tmp_path, news_site))["world"]
    commands = dict(spider_commands(source))
    assert sorted(commands) == ["feeds", "sitemaps"]
    assert commands["feeds"][1:] == ["-m", "scrapy", "crawl", "feeds", "-a", f"feeds={news_site}/feed.xml",
                                     "-s", "DOWNLOAD_DELAY=0.0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    sites = dict(spider_commands(command_line_source([], [], ["https://Example.com/politik/?utm_source=x"], make_config().tracking_params)))
    assert sites["sites"][3:] == ["crawl", "sites", "-a", "urls=https://example.com/politik/",
                                  "-a", "domains=example.com", "-a", "depth=1"]
