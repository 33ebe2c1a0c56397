"""The shared crawl frontier (scrapy-redis): several crawl processes, each page fetched once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance
from spiders.frontier import SCHEDULER, frontier_settings
from tests.conftest import ROOT
from tests.newsworld import SEED_STORIES, NewsWorld

REDIS_URL = os.environ.get("NEWSDEDUP_TEST_REDIS", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis (database 14), or a skip that says why; this test's keys are deleted after."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}); start it or set NEWSDEDUP_TEST_REDIS")
    yield REDIS_URL
    for key in client.scan_iter("newsdedup:*"):
        client.delete(key)
    client.close()


def test_without_redis_nothing_changes() -> None:
    assert frontier_settings("", "hafenblatt") == {}
    shared = frontier_settings("redis://h:6379/0", "hafenblatt", "run-1")
    assert shared["SCHEDULER"] == SCHEDULER and shared["SCHEDULER_PERSIST"] is True
    assert shared["SCHEDULER_QUEUE_KEY"] == "newsdedup:hafenblatt:run-1:%(spider)s:requests"


def crawl_process(world: NewsWorld, db_url: str, redis_url: str, frontier: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSDEDUP_DB": db_url, "NEWSDEDUP_REDIS": redis_url, "NEWSDEDUP_FRONTIER": frontier}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={world.hafenblatt.url}/feed.xml",
         "-s", "NEWSDEDUP_SOURCE=hafenblatt", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_crawl_processes_share_one_frontier(news_world: NewsWorld, pg_url: str, redis_url: str) -> None:
    world = news_world
    for i in range(3, 5):
        world.hafenblatt.publish(f"story-{i}", SEED_STORIES[i])
    world.hafenblatt.server.delay = 0.5  # both processes are busy at once
    Database(pg_url).dispose()  # the schema, before the two processes race to make it
    frontier = uuid.uuid4().hex[:8]
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
