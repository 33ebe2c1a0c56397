"""``newsdedup crawl``: named sources and command-line URLs, one spider process per run, a summary."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.crawl.runner import spider_commands
from pipeline.crawl.sources import command_line_source, load_sources
from tests.conftest import ROOT, make_config, run_cli
from tests.faults import KIND, URIS, with_fault
from tests.folders import BRIDGE
from tests.ledger import ledger
from tests.newsworld import SEED_STORIES, NewsWorld, Story


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
                                     "-s", "DOWNLOAD_DELAY=0.0", "-s", "AUTOTHROTTLE_ENABLED=False",
                                     "-s", "NEWSDEDUP_SOURCE_OUTLET=world"]
    sites = dict(spider_commands(command_line_source([], [], ["https://Example.com/politik/?utm_source=x"], make_config().tracking_params)))
    assert sites["sites"][3:] == ["crawl", "sites", "-a", "urls=https://example.com/politik/",
                                  "-a", "domains=example.com", "-a", "depth=1"]


def test_the_first_crawl_of_two_outlets_stores_every_story_once_with_all_its_urls(news_world: NewsWorld,
                                                                                   tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(news_world.sources_toml(), encoding="utf-8")
    db = tmp_path / "w.db"
    out = run_cli("crawl", "--sources", str(path), "--db", f"sqlite:///{db}", check=True).stdout
    assert "crawl done: 6 pages fetched, 4 new articles, 2 duplicates, 0 skipped as seen, 0 failures" in out
    h, c = news_world.hafenblatt.url, news_world.courier.url
    records = {r["title"]: r for r in map(json.loads, run_cli("export", "--db", f"sqlite:///{db}",
                                                               check=True).stdout.splitlines())}
    assert len(records) == 4
    by_story = {t: {s["uri"] for s in r["sources"]} for t, r in records.items()}
    stories = SEED_STORIES
    assert by_story[stories[0].title] == {f"{h}/news/story-0.html", f"{c}/news/wire-a.html"}
    assert by_story[stories[1].title] == {f"{h}/news/story-1.html", f"{c}/news/wire-b.html"}
    assert by_story[stories[2].title] == {f"{h}/news/story-2.html"}
    assert by_story[stories[3].title] == {f"{c}/news/own-c.html"}
    for record in records.values():
        text = record["text"]
        for furniture in ("Kommentare (2)", "Leser_1983", "Hafenkind", "Anzeige:", "Teilen:", "Mehr zum Thema", "Related articles",
                          "About the author", "Advertisement", "3 Comments", "Pete:", "Impressum", "Startseite"):
            assert furniture not in text, (record["title"], furniture)
        for other in records:  # related lists name the other stories; they stay out of the text
            assert other == record["title"] or other not in text
    # provenance of a crawled page: status, canonical URL (normalised), where it was found
    wire = next(s for s in records[stories[0].title]["sources"] if s["uri"].endswith("wire-a.html"))
    assert (wire["http_status"], wire["canonical_url"], wire["found_in"]) == (
        200, f"{h}/news/story-0.html", f"{c}/sitemap.xml")
    original = next(s for s in records[stories[0].title]["sources"] if s["uri"].endswith("story-0.html"))
    assert (original["canonical_url"], original["found_in"]) == (f"{h}/news/story-0.html", f"{h}/feed.xml")
    # pages that name no site carry their source's outlet (the sources file's name), so --outlet finds them
    for record in records.values():
        for s in record["sources"]:
            assert s["outlet"] == ("hafenblatt" if s["uri"].startswith(h) else "courier"), s["uri"]


def test_ctrl_c_stops_a_crawl_after_the_requests_under_way_and_a_rerun_completes_it(news_world: NewsWorld,
                                                                                   tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(news_world.sources_toml(politeness="concurrent_requests = 1\n"), encoding="utf-8")
    db = tmp_path / "w.db"
    outlet = news_world.hafenblatt
    outlet.server.delay = 1.0  # a page a second: the crawl takes three
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "crawl", "hafenblatt", "--sources", str(path),
                             "--db", f"sqlite:///{db}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while not any(p.startswith("/news/") for p in outlet.requests) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "SIGINT: stopping after the requests under way" in err and "crawl interrupted: " in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from runs").fetchall() == [("interrupted",)]
        assert conn.execute("select count(*) from provenance").fetchone()[0] < 3

    outlet.server.delay = 0
    run_cli("crawl", "hafenblatt", "--sources", str(path), "--db", f"sqlite:///{db}", check=True)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*), count(distinct uri) from provenance").fetchone() == (3, 3)
        assert conn.execute("select count(*) from articles").fetchone()[0] == 3


@pytest.mark.parametrize("kind", ["python", "sql"])
def test_in_a_crawl_a_page_that_breaks_fails_alone_and_a_second_crawl_completes(
        news_world: NewsWorld, db_url: str, kind: str) -> None:
    """The Scrapy path keeps the unit of one document too: the page a stage breaks on is recorded
    against its own URL, the pages around it are stored, the run completes, and its counts are
    the database's; a second crawl after new stories (one whose paragraphs open alike) stores them."""
    outlet = news_world.hafenblatt
    broken = outlet.publish("story-x", SEED_STORIES[3])
    feed = f"{outlet.url}/feed.xml"
    env = {URIS: "/news/story-x.html", KIND: kind, "NEWSDEDUP_DB": db_url}
    pipelines = json.dumps(dict(with_fault("store")))

    def spider() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feed}",
                               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
                               "-s", f"ITEM_PIPELINES={pipelines}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env})

    first = spider()
    assert first.returncode == 0, first.stderr
    book = ledger(db_url)
    assert [(r.status, r.new_articles, r.duplicates, r.failures) for r in book.runs] == [("completed", 3, 0, 1)]
    assert book.failed == {broken: [(book.runs[0].id, "internal-error")]}
    assert sorted(book.stored) == [f"{outlet.url}/news/story-{i}.html" for i in range(3)]

    bridge = Story("Council approves the new bridge over the river", tuple(p for p in BRIDGE.split("\n\n")[1:]))
    outlet.publish("bridge", bridge)
    outlet.publish("story-4", SEED_STORIES[4])
    second = spider()
    assert second.returncode == 0, second.stderr
    book = ledger(db_url)
    assert [r.status for r in book.runs] == ["completed", "completed"]
    assert {f"{outlet.url}/news/bridge.html", f"{outlet.url}/news/story-4.html"} <= set(book.stored)
    assert [r for _, r in book.failed[broken]] == ["internal-error", "internal-error"]  # broken again, alone
    run = book.runs[1]
    assert (run.new_articles, run.failures, run.skipped) == (2, 1, 3)
    assert run_cli("check", "--db", db_url).returncode == 0
