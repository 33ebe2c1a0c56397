"""The shared crawl frontier (scrapy-redis): several crawl processes, each page fetched once."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import scrapy
from scrapy.utils.request import request_from_dict
from sqlalchemy import func, select

from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance
from spiders import frontier_queue
from spiders.feeds import FeedsSpider
from spiders.frontier import SCHEDULER, frontier_settings
from tests.conftest import ROOT
from tests.newsworld import SEED_STORIES, NewsWorld

REDIS_URL = os.environ.get("NEWSDEDUP_TEST_REDIS", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis (database 14), or a skip that says why."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}); start it or set NEWSDEDUP_TEST_REDIS")
    finally:
        client.close()
    yield REDIS_URL


@pytest.fixture
def frontier(redis_url: str) -> Iterator[str]:
    """A frontier name of this test's own; its keys (and only those) are deleted afterwards."""
    import redis

    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"newsdedup:*:{name}:*"):
        client.delete(key)
    client.close()


def test_without_redis_nothing_changes() -> None:
    assert frontier_settings("", "hafenblatt") == {}
    shared = frontier_settings("redis://h:6379/0", "hafenblatt", "run-1")
    assert shared["SCHEDULER"] == SCHEDULER and shared["SCHEDULER_PERSIST"] is True
    assert shared["SCHEDULER_QUEUE_KEY"] == "newsdedup:hafenblatt:run-1:%(spider)s:requests"


def crawl_process(world: NewsWorld, db_url: str, redis_url: str, frontier: str,
                  feed: str = "feed.xml") -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSDEDUP_DB": db_url, "NEWSDEDUP_REDIS": redis_url, "NEWSDEDUP_FRONTIER": frontier}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={world.hafenblatt.url}/{feed}",
         "-s", "NEWSDEDUP_SOURCE=hafenblatt", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_crawl_processes_share_one_frontier(news_world: NewsWorld, pg_url: str, redis_url: str,
                                                frontier: str) -> None:
    world = news_world
    for i in range(3, 5):
        world.hafenblatt.publish(f"story-{i}", SEED_STORIES[i])
    world.hafenblatt.server.delay = 0.5  # both processes are busy at once
    Database(pg_url).dispose()  # the schema, before the two processes race to make it
    crawls = [crawl_process(world, pg_url, redis_url, frontier) for _ in range(2)]
    logs = []
    for crawl in crawls:
        _, err = crawl.communicate(timeout=300)
        assert crawl.returncode == 0, err
        logs.append(err)
    assert "scrapy_redis.scheduler.Scheduler" in logs[0]  # the shared scheduler was used
    fetched = Counter(path.split("?")[0] for path in world.hafenblatt.requests)
    pages = {p: n for p, n in fetched.items() if p.startswith("/news/")}
    assert len(pages) == 5 and set(pages.values()) == {1}, fetched  # each page once, by one of the two
    assert fetched["/feed.xml"] == 2  # the entry is read by every process
    db = Database(pg_url)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 5
        assert s.scalar(select(func.count()).select_from(Provenance)) == 5
    db.dispose()

    # a later run of the same frontier reads the feed again and skips what it stored
    again = crawl_process(world, pg_url, redis_url, frontier)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    fetched = Counter(path.split("?")[0] for path in world.hafenblatt.requests)
    assert fetched["/feed.xml"] == 3 and all(n == 1 for p, n in fetched.items() if p.startswith("/news/"))


class _Touch:
    """A pickle that creates a file when it is unpickled: the proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.path,))


def test_queue_entries_are_json_and_keep_what_a_request_carries() -> None:
    spider = FeedsSpider(feeds="http://a.example/feed.xml")
    request = scrapy.Request("http://a.example/news/1.html?x=1", callback=spider.parse_page, errback=spider.on_error,
                             headers={"If-None-Match": b'"\xe9tag"', "User-Agent": "x"}, priority=-3, dont_filter=True,
                             meta={"found_in": "http://a.example/feed.xml", "depth": 2, "handle_httpstatus_list": [304],
                                   "redirect_urls": ["http://a.example/old"], "redirect_reasons": [301],
                                   "download_timeout": 30, "download_slot": "a.example"})
    entry = frontier_queue.dumps(request.to_dict(spider=spider))
    assert entry.startswith(b"{")  # JSON, not a pickle
    back = request_from_dict(frontier_queue.loads(entry), spider=spider)
    assert (back.url, back.callback, back.errback, back.priority, back.dont_filter) == (
        request.url, spider.parse_page, spider.on_error, -3, True)
    assert back.headers[b"If-None-Match"] == b'"\xe9tag"' and b"User-Agent" not in back.headers  # set again on download
    assert back.meta == {"found_in": "http://a.example/feed.xml", "depth": 2, "handle_httpstatus_list": [304],
                         "redirect_urls": ["http://a.example/old"], "redirect_reasons": [301]}


GOOD = {"v": 1, "url": "http://a.example/", "method": "GET", "callback": "parse_page", "errback": "on_error",
        "priority": 0, "dont_filter": False, "flags": [], "headers": {}, "meta": {}}


@pytest.mark.parametrize(("entry", "message"), [
    (pickle.dumps({"url": "http://a.example/"}), "not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "more than"),
    (b"[" * 30_000 + b"]" * 30_000, "not JSON"),  # nested past the parser's limit: refused, no crash
    (json.dumps([1]).encode(), "not a newsdedup request"),
    (json.dumps({**GOOD, "_class": "subprocess.Popen", "args": ["touch", "x"]}).encode(), "unknown field"),
    (json.dumps({**GOOD, "method": "POST"}).encode(), "only GET"),
    (json.dumps({**GOOD, "url": "file:///etc/passwd"}).encode(), r"not an http\(s\) URL"),
    (json.dumps({**GOOD, "meta": {"dont_obey_robotstxt": True}}).encode(), "meta key 'dont_obey_robotstxt'"),
    (json.dumps({**GOOD, "meta": {"depth": "1"}}).encode(), "meta key 'depth'"),
    (json.dumps({**GOOD, "headers": {"Host": ["internal"]}}).encode(), "header 'Host'"),
    (json.dumps({**GOOD, "callback": None}).encode(), "callback"),
])
def test_an_entry_newsdedup_did_not_write_is_refused(entry: bytes, message: str) -> None:
    with pytest.raises(frontier_queue.EntryRefused, match=message):
        frontier_queue.loads(entry, max_bytes=65536)


def test_a_pickle_in_the_queue_runs_nothing_and_the_crawl_goes_on(news_world: NewsWorld, redis_url: str,
                                                                 frontier: str, tmp_path: Path) -> None:
    import redis

    marker = tmp_path / "pwned"
    key = f"newsdedup:hafenblatt:{frontier}:feeds:requests"
    client = redis.Redis.from_url(redis_url)
    bad = {**GOOD, "url": f"{news_world.hafenblatt.url}/news/story-0.html", "callback": "close"}
    for entry in (pickle.dumps(_Touch(marker)), b"\x80garbage", json.dumps(bad).encode()):  # read before the feed
        client.execute_command("ZADD", key, -100, entry)
    client.close()
    db = tmp_path / "f.db"
    start = time.monotonic()
    run = crawl_process(news_world, f"sqlite:///{db}", redis_url, frontier)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert time.monotonic() - start < 60
    assert not marker.exists()  # the pickle was never unpickled
    assert "a queue entry of the shared frontier was refused: not JSON" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 3  # the feed's pages, all of them
        failures = conn.execute("select uri, reason, message from failures").fetchall()
    assert [(uri, reason) for uri, reason, _ in failures] == [(f"redis:{key}", "bad-frontier-entry")] * 3
    assert any("callback 'close' is not one of the feeds spider's" in message for _, _, message in failures)
