"""What the stages of one run share: config, stats, the database session and the run row.

Inside a Scrapy crawl there is one :class:`RunContext` per crawler
(:meth:`RunContext.for_crawler`); the local runner makes its own. Drops and
failures are recorded here, whichever way the run is driven.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.orm import Session

from pipeline.errors import DocumentDropped, DocumentFailed
from pipeline.items import Document
from pipeline.stats import Stats, StatsSink
from pipeline.storage import Database, Failure, Run, utcnow
from settings.config import Config

logger = logging.getLogger("newsdedup")

PREFIX = "newsdedup"


@dataclass
class RunSummary:
    """The counts printed at the end of a run and stored in the ``runs`` table."""

    run_id: int | None
    status: str
    documents: int
    new_articles: int
    duplicates: int
    skipped: int
    failures: int

    def line(self) -> str:
        return (
            f"{self.documents} documents seen: {self.new_articles} new articles, "
            f"{self.duplicates} duplicates, {self.skipped} already ingested, "
            f"{self.failures} failed"
        )


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


class RunContext:
    """Shared state of one run. Opening it starts a run row; closing it stores the counts."""

    _by_crawler: weakref.WeakKeyDictionary[Crawler, RunContext] = weakref.WeakKeyDictionary()

    def __init__(
        self,
        config: Config,
        stats: StatsSink | None = None,
        *,
        kind: str = "ingest",
        args: Sequence[str] = (),
        offline: bool = False,
    ) -> None:
        self.config = config
        self.stats: StatsSink = stats if stats is not None else Stats()
        self.kind = kind
        self.args = list(args)
        self._db: Database | None = None
        self._session: Session | None = None
        self.run: Run | None = None
        self._pending = 0
        self.closed = False
        self.has_database = not offline  # False for `newsdedup clean`: nothing is read or stored

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> RunContext:
        """The context of this crawl, made on first use and closed with the spider."""
        ctx = cls._by_crawler.get(crawler)
        if ctx is None:
            from pipeline.crawl import run_labels

            spider_name = getattr(crawler.spidercls, "name", "crawl")
            labels = run_labels(crawler.settings.get("NEWSDEDUP_SOURCE") or "-",
                                crawler.settings.get("NEWSDEDUP_TRIGGER") or "scrapy")
            ctx = cls(Config.from_settings(crawler.settings), _LazyStats(crawler),
                      kind=f"crawl:{spider_name}", args=labels)
            crawler.signals.connect(ctx._on_item_dropped, signal=signals.item_dropped)
            crawler.signals.connect(ctx._on_item_error, signal=signals.item_error)
            crawler.signals.connect(ctx._on_spider_closed, signal=signals.spider_closed)
            cls._by_crawler[crawler] = ctx
        return ctx

    # --- lifecycle ----------------------------------------------------------
    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.config.db_url)
        return self._db

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.db.session()
        return self._session

    def open(self) -> None:
        """Start the run row (idempotent)."""
        if self.run is not None:
            return
        self.run = Run(kind=self.kind, args=self.args, status="running", started_at=utcnow())
        self.session.add(self.run)
        self.session.commit()
        logger.info("run %s started (%s) on %s", self.run.id, self.kind, self.db.safe_url)

    def document_done(self) -> None:
        """Count one finished document; commit when a batch is full. With the shared dedup
        index every document is its own transaction: it ends the document's locks, and other
        workers see the document at once."""
        self._pending += 1
        if self._pending >= self.config.store_batch or self.config.shared:
            self.commit()

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()
        self._pending = 0

    def close(self, status: str = "completed") -> RunSummary:
        """Commit what is done, store the run's counts, release the database."""
        summary = self.summary(status)
        if self.closed:
            return summary
        self.closed = True
        try:
            if self.run is not None:
                self.session.commit()
                self.run.finished_at = utcnow()
                self.run.status = status
                self.run.documents = summary.documents
                self.run.new_articles = summary.new_articles
                self.run.duplicates = summary.duplicates
                self.run.skipped = summary.skipped
                self.run.failures = summary.failures
                self.run.stats = {k: v for k, v in self.stats.get_stats().items()
                                  if k.startswith(PREFIX)}
                self.session.commit()
        finally:
            if self._session is not None:
                self._session.close()
            if self._db is not None:
                self._db.dispose()
        return summary

    def summary(self, status: str = "running") -> RunSummary:
        stats = self.stats.get_stats()
        new = stats.get(f"{PREFIX}/new_articles", 0)
        dups = _sum_prefix(stats, f"{PREFIX}/duplicates/")
        skipped = _sum_prefix(stats, f"{PREFIX}/skipped/")
        failed = _sum_prefix(stats, f"{PREFIX}/failed/")
        return RunSummary(
            run_id=self.run.id if self.run is not None else None,
            status=status,
            documents=new + dups + skipped + failed,
            new_articles=new,
            duplicates=dups,
            skipped=skipped,
            failures=failed,
        )

    # --- outcomes -----------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        self.stats.inc_value(f"{PREFIX}/{key}", n)

    def record_drop(self, doc: Document, exc: DocumentDropped) -> None:
        """Count a dropped document; a failure also gets a row in ``failures``."""
        if isinstance(exc, DocumentFailed):
            self.record_failure(doc, exc.stage, exc.reason, exc.message)
        else:
            self.count(f"skipped/{exc.reason}")

    def record_failure(self, doc: Document, stage: str, reason: str, message: str) -> None:
        self.count(f"failed/{reason}")
        logger.warning("failed %s: %s (%s)", doc.uri, message, reason)
        self.session.add(Failure(run_id=self.run.id if self.run else None, uri=doc.uri,
                                 stage=stage, reason=reason, message=message))
        self.document_done()

    # --- Scrapy signals -----------------------------------------------------
    def _on_item_dropped(self, item: Any, exception: BaseException, **_: Any) -> None:
        if isinstance(item, Document) and isinstance(exception, DocumentDropped):
            self.record_drop(item, exception)

    def _on_item_error(self, item: Any, failure: Any, **_: Any) -> None:
        if isinstance(item, Document):
            self.record_failure(item, "unknown", "internal-error",
                                f"unexpected error: {failure.getErrorMessage()}")

    def _on_spider_closed(self, reason: str, **_: Any) -> None:
        status = "completed" if reason == "finished" else "interrupted"
        summary = self.close(status)
        logger.info("run %s %s: %s", summary.run_id, status, summary.line())


class _LazyStats:
    """Scrapy's stats collector, looked up when first used (it raises before the crawl starts)."""

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        assert self._crawler.stats is not None
        self._crawler.stats.inc_value(key, count, start)

    def get_stats(self) -> dict[str, Any]:
        assert self._crawler.stats is not None
        return self._crawler.stats.get_stats()
