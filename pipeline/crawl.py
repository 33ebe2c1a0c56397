"""One crawl, now: feeds, sitemaps and sites through the spiders, one process per spider run.

Scrapy's reactor cannot be restarted inside a process, and a long-lived crawler
process grows over days; so every spider run is a fresh ``python -m scrapy crawl``
(the design the scheduler will reuse). Each run records itself in the ``runs``
table; :func:`crawl_once` reads those rows back for the summary.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from pipeline.errors import NewsdedupError
from pipeline.sources import Source
from pipeline.storage import Database, Run

# spider name -> (its URL argument, the Source field that lists its URLs)
SPIDERS = {"feeds": ("feeds", "feeds"), "sitemaps": ("sitemaps", "sitemaps"), "sites": ("urls", "start_urls")}


@dataclass(frozen=True)
class CrawlResult:
    """What one spider run did (from its ``runs`` row)."""

    source: str
    spider: str
    status: str
    fetched: int
    new_articles: int
    duplicates: int
    skipped: int
    failures: int

    def line(self) -> str:
        return (f"{self.source} ({self.spider}): {self.status}; {self.fetched} pages fetched, "
                f"{self.new_articles} new articles, {self.duplicates} duplicates, "
                f"{self.skipped} skipped as seen, {self.failures} failures")


def spider_commands(source: Source) -> list[tuple[str, list[str]]]:
    """``(spider, argv)`` for each kind of URL the source lists."""
    commands = []
    for spider, (argument, field) in SPIDERS.items():
        urls: tuple[str, ...] = getattr(source, field)
        if not urls:
            continue
        argv = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"{argument}={','.join(urls)}"]
        if spider == "sites":
            argv += ["-a", f"domains={','.join(source.allowed_domains)}", "-a", f"depth={source.depth}"]
        if source.refetch:
            argv += ["-a", "refetch=true"]
        for name, value in source.settings.items():
            argv += ["-s", f"{name}={value}"]
        commands.append((spider, argv))
    return commands


def crawl_once(sources: Sequence[Source], db_url: str, *, log_level: str = "WARNING",
               env: Mapping[str, str] | None = None, timeout: float | None = None) -> list[CrawlResult]:
    """Run every spider each source needs, one process at a time; return what each did.

    The spiders' log (at ``log_level``: failures are warnings) goes to this process'
    stderr as it comes. A spider process that exits non-zero stops the crawl with a
    :class:`NewsdedupError`; the runs before it, and what it stored, are kept."""
    environment = {**os.environ, **(env or {}), "NEWSDEDUP_DB": db_url, "SCRAPY_SETTINGS_MODULE": "settings"}
    results = []
    for source in sources:
        for spider, argv in spider_commands(source):
            before = _last_run_id(db_url)
            try:
                done = subprocess.run([*argv, "-s", f"LOG_LEVEL={log_level}"], env=environment, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise NewsdedupError(f"crawl of {source.name} ({spider}) took longer than {timeout} s; "
                                     "stopped (what it stored is kept)") from None
            if done.returncode != 0:
                raise NewsdedupError(f"crawl of {source.name} ({spider}) failed (exit {done.returncode}); "
                                     "see its log above")
            results.append(_result(db_url, before, source.name, spider))
    return results


def _last_run_id(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.session() as s:
            return s.scalar(select(func.max(Run.id))) or 0
    finally:
        db.dispose()


def _result(db_url: str, after: int, source: str, spider: str) -> CrawlResult:
    db = Database(db_url)
    try:
        with db.session() as s:
            run = s.scalars(select(Run).where(Run.id > after, Run.kind == f"crawl:{spider}")
                            .order_by(Run.id.desc()).limit(1)).first()
            if run is None:
                return CrawlResult(source, spider, "no-run", 0, 0, 0, 0, 0)
            stats: dict[str, Any] = run.stats or {}
            return CrawlResult(source, spider, run.status, int(stats.get("newsdedup/fetched/pages", 0)),
                               run.new_articles, run.duplicates, run.skipped, run.failures)
    finally:
        db.dispose()
