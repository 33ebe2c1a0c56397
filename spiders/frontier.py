"""A crawl frontier shared by several crawl processes, through scrapy-redis.

With ``NEWSDEDUP_REDIS=redis://host:6379/0`` this Scrapy add-on switches a crawl to
scrapy-redis's scheduler and duplicate filter. Every process crawling the same source (on this
machine or another) then takes requests from one Redis queue and checks them against one
filter: a page one process has requested is not requested again by another. The keys are
``newsdedup:<source>:<frontier>:<spider>:requests`` and ``...:dupefilter``, so sources never
mix; ``<frontier>`` is ``NEWSDEDUP_FRONTIER``, by default today's date (UTC).

The queue and the filter persist (``SCHEDULER_PERSIST``): a process that runs out of work
first must not clear what the others still use. Within one frontier a page is requested once;
entry URLs (feeds, sitemaps, start pages) are requested by every run, stored pages are skipped
by the database as without Redis, and a source with ``refetch = true`` re-fetches its stored
pages. A page that a killed process had requested, but not stored, is requested again in the
next frontier (tomorrow's, or start the crawl with another ``NEWSDEDUP_FRONTIER``).
``redis-cli --scan --pattern 'newsdedup:*' | xargs redis-cli del`` forgets every frontier.

Queue entries are JSON, never pickles (scrapy-redis's default): anyone who can write to the
Redis server could otherwise run code in every crawler. An entry that is not a request newsdedup
wrote is refused, logged and recorded as ``bad-frontier-entry``, and the crawl goes on with the
next (:mod:`spiders.frontier_queue`).
Without ``NEWSDEDUP_REDIS`` nothing changes: each crawl keeps its own, in memory.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scrapy.settings import BaseSettings

SCHEDULER = "scrapy_redis.scheduler.Scheduler"
DUPEFILTER = "scrapy_redis.dupefilter.RFPDupeFilter"
SERIALIZER = "spiders.frontier_queue"  # a module with loads and dumps: JSON
QUEUE = "spiders.frontier_queue.SafeQueue"


def frontier_settings(redis_url: str, source: str, frontier: str = "") -> dict[str, object]:
    """The scrapy-redis settings for ``source``'s shared frontier (none without a Redis URL)."""
    if not redis_url:
        return {}
    frontier = frontier or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    prefix = f"newsdedup:{source or 'crawl'}:{frontier}:%(spider)s"
    return {
        "SCHEDULER": SCHEDULER,
        "DUPEFILTER_CLASS": DUPEFILTER,
        "REDIS_URL": redis_url,
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_SERIALIZER": SERIALIZER,
        "SCHEDULER_QUEUE_CLASS": QUEUE,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_KEY": f"{prefix}:dupefilter",
    }


class SharedFrontier:
    """Scrapy add-on (``ADDONS`` in settings): applies :func:`frontier_settings`."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in frontier_settings(settings.get("NEWSDEDUP_REDIS") or "",
                                             settings.get("NEWSDEDUP_SOURCE") or "",
                                             settings.get("NEWSDEDUP_FRONTIER") or "").items():
            settings.set(name, value, priority="addon")
