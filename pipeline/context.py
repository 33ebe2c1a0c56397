"""What the stages of one run share: config, stats, the database session, the run row, and
each document's unit of work.

Inside a Scrapy crawl there is one :class:`RunContext` per crawler
(:meth:`RunContext.for_crawler`); the local runner makes its own.

One document, one unit
----------------------
A document's database work is one unit: a SAVEPOINT of the run's transaction, opened before
it writes (:meth:`RunContext.writes`; on PostgreSQL with batches, by its first stage, since a
failed statement there aborts the whole transaction), or, with the shared dedup index, the
transaction itself, which holds that one document. The first stage that handles a document
starts its unit (:meth:`RunContext.begin`). Every document then ends in one of three ways, each
recorded against the document's own URI:

- **stored**: every stage ran, the store stage wrote its rows (:meth:`~RunContext.document_stored`);
- **dropped** with a reason: skipped, or failed (a ``failures`` row) (:meth:`~RunContext.document_dropped`);
- **broken** by an unexpected error (:meth:`~RunContext.document_broken`): its writes are rolled
  back to the savepoint, the stages forget what they learnt from it
  (:meth:`Stage.document_discarded <pipeline.stages.base.Stage.document_discarded>`), and it is
  recorded as failed (``internal-error``) with the exception. The documents before and after it
  in the batch are stored.

The batch is committed every ``NEWSDEDUP_STORE_BATCH`` documents or
``NEWSDEDUP_STORE_BATCH_SECONDS`` (every document with the shared dedup index, whose locks end
with the transaction). Counts are taken at the commit, in the same transaction as the ``runs``
row that holds them: the summary, the ``runs`` row, the progress bar and the log lines only ever
count documents whose rows are in the database. A commit that fails, or a database that cannot
roll a document back, stops the run (:class:`~pipeline.errors.StorageError`): the run is marked
``failed`` with the reason, and what was committed before stays.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from pipeline.errors import (
    DocumentDropped,
    DocumentFailed,
    NewsdedupError,
    StorageError,
)
from pipeline.items import Document
from pipeline.stats import Stats, StatsSink
from pipeline.store.database import Database
from pipeline.store.models import Failure, Run, utcnow
from pipeline.store.writers import WriterLock, abandon_dead_runs, this_host
from settings.config import Config

logger = logging.getLogger("newsdedup")

PREFIX = "newsdedup"
MESSAGE_MAX_CHARS = 2000  # an exception's message as stored in `failures` (SQL errors quote whole texts)
LOST = ("lost the database connection while storing {uri} ({why}): every document committed before is "
        "kept, this one was not stored; run the same command again to finish")
OUTCOMES = ("new_articles", "duplicates/", "skipped/", "failed/")  # the committed counts' stats keys


class DocumentListener(Protocol):
    """What the run tells each of its stages (:class:`pipeline.stages.base.Stage`) when a
    document ends: the context knows its stages by this alone, so it never imports them."""

    def document_kept(self, doc: Document) -> None: ...

    def document_discarded(self, doc: Document) -> None: ...


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
    error: str | None = None

    def line(self) -> str:
        return (
            f"{self.documents} documents seen: {self.new_articles} new articles, "
            f"{self.duplicates} duplicates, {self.skipped} already ingested, "
            f"{self.failures} failed"
        )


def _sum_prefix(counts: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in counts.items() if k.startswith(prefix) and isinstance(v, int))


def summarize(counts: dict[str, int], run_id: int | None, status: str, error: str | None = None) -> RunSummary:
    """A summary from outcome counts keyed as in :data:`OUTCOMES`."""
    new = counts.get("new_articles", 0)
    dups, skipped, failed = (_sum_prefix(counts, p) for p in OUTCOMES[1:])
    return RunSummary(run_id, status, new + dups + skipped + failed, new, dups, skipped, failed, error)


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
        self.closed = False
        self.has_database = not offline  # False for `newsdedup clean`: nothing is read or stored
        self.stages: list[DocumentListener] = []  # told when a document ends (Stage.__init__ adds itself)
        self.stage = ""  # the stage handling the current document (named in internal errors)
        self.error: str | None = None  # why the run had to stop (a fatal storage error)
        self.lock = WriterLock(config.db_url, kind)
        self._writing: Document | None = None  # the document whose unit is open
        self._savepoint: SessionTransaction | None = None
        self._batch: Counter[str] = Counter()  # outcomes of the documents not committed yet
        self._committed: Counter[str] = Counter()
        self._pending = 0
        self._last_commit = time.monotonic()
        self._crawler: Crawler | None = None

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> RunContext:
        """The context of this crawl, made on first use and closed with the spider."""
        ctx = cls._by_crawler.get(crawler)
        if ctx is None:
            from pipeline.crawl.runner import run_labels

            spider_name = getattr(crawler.spidercls, "name", "crawl")
            labels = run_labels(crawler.settings.get("NEWSDEDUP_SOURCE") or "-",
                                crawler.settings.get("NEWSDEDUP_TRIGGER") or "scrapy")
            ctx = cls(Config.from_settings(crawler.settings), _LazyStats(crawler),
                      kind=f"crawl:{spider_name}", args=labels)
            ctx._crawler = crawler
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
            self._session = self.db.session(writer=True)
        return self._session

    def open(self) -> None:
        """Take the SQLite writer lock, mark the runs of dead processes ``abandoned``, and start
        this run's row (idempotent). Raises :class:`~pipeline.errors.DatabaseBusy` when another
        process writes to the SQLite file (after ``NEWSDEDUP_WRITER_WAIT_SECONDS``)."""
        if self.run is not None:
            return
        self.lock.acquire(self.config.writer_wait_seconds)
        try:
            abandoned = abandon_dead_runs(self.session, sole_writer=self.lock.held)
            if abandoned:
                logger.warning("%d run(s) left running by a process that is gone marked abandoned", abandoned)
            self.run = Run(kind=self.kind, args=self.args, status="running", started_at=utcnow(),
                           host=this_host(), pid=os.getpid())
            self.session.add(self.run)
            self.session.commit()
        except BaseException:
            self.lock.release()
            raise
        self._last_commit = time.monotonic()
        logger.info("run %s started (%s) on %s", self.run.id, self.kind, self.db.safe_url)

    def commit(self) -> None:
        """Commit the batch, with the run row's counts; then count its documents as done."""
        if self._session is None:
            return
        if self._writing is not None:
            raise RuntimeError(f"commit while {self._writing.uri} is being written")
        committed = self._committed + self._batch
        if self.run is not None and self._batch:
            self._set_counts(self.run, committed)
        try:
            self._session.commit()
        except SQLAlchemyError as exc:
            raise self._fatal(f"{_failed_to(exc)} commit the last {self._pending} documents ({_short(exc)}): "
                              "what was committed before is kept; run the same command again to finish") from None
        self._committed = committed
        for key, n in self._batch.items():
            self.stats.inc_value(f"{PREFIX}/{key}", n)
        self._batch.clear()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self, status: str = "completed", error: str | None = None) -> RunSummary:
        """Commit what is done, store the run's final status (``failed`` with ``error``, the reason,
        when given) and its counts, release the database. A document stopped half-way (a second
        Ctrl-C) is rolled back. After a fatal storage error nothing more is committed; a commit
        that fails here makes the run ``failed`` too."""
        if self.closed:
            return self.summary(status, error)
        self.closed = True
        try:
            if self._writing is not None:
                try:
                    self._roll_back(self._writing)
                except StorageError:
                    pass  # remembered in self.error
            if self.run is not None and self.error is None:
                try:
                    self.commit()
                except StorageError:
                    pass  # remembered in self.error
            if self.error is not None:
                error = self.error
            if error is not None:
                status = "failed"
            if self.run is not None:
                self._finish_run(status, error)
        finally:
            if self._session is not None:
                self._session.close()
            if self._db is not None:
                self._db.dispose()
            self.lock.release()
        return self.summary(status, error)

    def _finish_run(self, status: str, error: str | None) -> None:
        """Write the run's status, reason and counts (what was committed) in a transaction of their own."""
        assert self.run is not None
        session = self.session
        if error is not None:
            session.rollback()
            run = session.get(Run, self.run.id, populate_existing=True) if self._can_reach() else None
        else:
            run = self.run
        if run is None:
            logger.error("run %s could not be marked %s: the next run marks it abandoned", self.run.id, status)
            return
        run.finished_at, run.status, run.error = utcnow(), status, error
        self._set_counts(run, self._committed)
        run.stats = {k: v for k, v in self.stats.get_stats().items() if k.startswith(PREFIX)}
        try:
            session.commit()
        except SQLAlchemyError as exc:
            logger.error("run %s could not be marked %s (%s): the next run marks it abandoned",
                         self.run.id, status, _short(exc))

    def _can_reach(self) -> bool:
        try:
            self.session.connection().exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            self.session.rollback()
            return False

    @staticmethod
    def _set_counts(run: Run, counts: Counter[str]) -> None:
        s = summarize(dict(counts), run.id, run.status)
        run.documents, run.new_articles, run.duplicates = s.documents, s.new_articles, s.duplicates
        run.skipped, run.failures = s.skipped, s.failures

    def summary(self, status: str = "running", error: str | None = None) -> RunSummary:
        """The committed counts."""
        return summarize(dict(self._committed), self.run.id if self.run is not None else None, status,
                         error or self.error)

    def _fatal(self, message: str) -> StorageError:
        """The run cannot go on: remember why (the run row says it when closed)."""
        self.error = self.error or message
        self._writing = self._savepoint = None
        return StorageError(message)

    # --- documents ------------------------------------------------------------
    @property
    def _eager(self) -> bool:
        """Whether a document's SAVEPOINT opens with its first stage: on PostgreSQL with batches,
        where any statement that fails aborts the whole transaction. On SQLite a failed statement
        harms nothing else, so the SAVEPOINT opens only when the document writes; with the shared
        index each document is a transaction of its own, which is its unit."""
        return not self.config.shared and self.db.engine.dialect.name != "sqlite"

    def begin(self, doc: Document) -> None:
        """Start ``doc``'s unit (once; :meth:`Stage.process_item` calls it for each stage)."""
        if not self.has_database or self._writing is doc:
            return
        if self.error is not None:
            raise StorageError(f"the run stopped: {self.error}")
        if self._writing is not None:
            raise RuntimeError(f"{doc.uri} started while {self._writing.uri} is still being written "
                               "(the store stage ends a document: it must be the last of ITEM_PIPELINES)")
        self._writing = doc
        if self._eager:
            self._savepoint = self.session.begin_nested()

    def writes(self, doc: Document) -> None:
        """``doc`` is about to write (the store stage): from here on, what it does can be undone
        alone (its SAVEPOINT, unless it has one already)."""
        if self._writing is doc and self._savepoint is None and not self.config.shared:
            self._savepoint = self.session.begin_nested()

    def release(self, doc: Document) -> None:
        """End ``doc``'s unit, keeping its writes: it was stored, or it goes on to the worker
        processes and comes back later (its next stage starts a new unit)."""
        if self._writing is not doc:
            return
        savepoint, self._writing, self._savepoint = self._savepoint, None, None
        if savepoint is not None:
            try:
                savepoint.commit()
            except SQLAlchemyError as exc:
                raise self._fatal(LOST.format(uri=doc.uri, why=_short(exc))) from None

    def _roll_back(self, doc: Document) -> None:
        """Undo what ``doc`` wrote: back to its SAVEPOINT, or the whole transaction with the shared
        index (it holds this document alone). A database that cannot is fatal."""
        if self._writing is None:
            return
        savepoint, self._writing, self._savepoint = self._savepoint, None, None
        try:
            if savepoint is not None:
                savepoint.rollback()
            elif self.config.shared:
                self.session.rollback()
        except SQLAlchemyError as exc:
            raise self._fatal(LOST.format(uri=doc.uri, why=_short(exc))) from None

    def document_stored(self, doc: Document) -> None:
        """The store stage wrote ``doc``'s rows (it is the last stage)."""
        self.release(doc)
        self._end(doc, "new_articles" if doc.relation == "original" else f"duplicates/{doc.relation}", kept=True)

    def document_dropped(self, doc: Document, exc: DocumentDropped) -> None:
        """A stage dropped ``doc`` with a reason: skipped, or failed (recorded in ``failures``)."""
        self._roll_back(doc)
        if isinstance(exc, DocumentFailed):
            logger.warning("failed %s: %s (%s)", doc.uri, exc.message, exc.reason)
            self._add_failure(doc, exc.stage, exc.reason, exc.message)
            self._end(doc, f"failed/{exc.reason}", kept=True)
        else:
            self._end(doc, f"skipped/{exc.reason}", kept=True)

    def document_broken(self, doc: Document, error: BaseException | str, stage: str | None = None) -> None:
        """An unexpected error in a stage: ``doc``'s writes are undone, the stages forget it, and
        it is recorded as failed (``internal-error``) with the error."""
        if isinstance(error, DBAPIError) and error.connection_invalidated:  # the server went away
            raise self._fatal(LOST.format(uri=doc.uri, why=_short(error)))
        self._roll_back(doc)
        message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        message = message[:MESSAGE_MAX_CHARS]
        stage = stage or self.stage or "unknown"
        logger.error("internal error on %s in stage %s: %s", doc.uri, stage, message.splitlines()[0])
        self._add_failure(doc, stage, "internal-error", message)
        self._end(doc, "failed/internal-error", kept=False)

    def _add_failure(self, doc: Document, stage: str, reason: str, message: str) -> None:
        if not self.has_database:
            return
        self.session.add(Failure(run_id=self.run.id if self.run else None, uri=doc.uri,
                                 stage=stage, reason=reason, message=message))
        try:
            self.session.flush()
        except SQLAlchemyError as exc:
            raise self._fatal(f"{_failed_to(exc)} record the failure of {doc.uri} ({_short(exc)})") from None

    def _end(self, doc: Document, outcome: str, *, kept: bool) -> None:
        try:
            for stage in self.stages:
                if kept:
                    stage.document_kept(doc)
                else:
                    stage.document_discarded(doc)
        except Exception as exc:  # a stage could not learn or forget: what it holds is unsure
            raise self._fatal(f"internal error after {doc.uri}: {type(exc).__name__}: {exc}") from exc
        self._batch[outcome] += 1
        self._pending += 1
        if (self._pending >= self.config.store_batch or self.config.shared
              or time.monotonic() - self._last_commit >= self.config.store_batch_seconds):
            self.commit()

    def skipped(self, reason: str) -> None:
        """A page the spider did not fetch (stored already, or not modified): counted as skipped
        with the next commit."""
        self._batch[f"skipped/{reason}"] += 1

    # --- outcomes -------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        """A per-stage statistic (``newsdedup/<stage>/<event>``): work done, not what was stored."""
        self.stats.inc_value(f"{PREFIX}/{key}", n)

    # --- Scrapy signals -------------------------------------------------------
    # Documents end inside the stages (Stage.process_item), never here: Scrapy may start the next
    # item before these signals run. Only a fatal error is handled here: it stops the crawl.
    def _on_item_error(self, item: Any, failure: Any, **_: Any) -> None:
        if isinstance(item, Document) and isinstance(failure.value, NewsdedupError) and self.error is None:
            self.error = str(failure.value)
            logger.error("stopping the crawl: %s", failure.value)
            if self._crawler is not None and self._crawler.engine is not None:
                deferred_from_coro(self._crawler.engine.close_spider_async(reason="storage-error"))

    def _on_spider_closed(self, reason: str, **_: Any) -> None:
        status = "completed" if reason == "finished" else "interrupted"
        summary = self.close(status)
        logger.info("run %s %s: %s%s", summary.run_id, summary.status, summary.line(),
                    f" ({summary.error})" if summary.error else "")


def _failed_to(exc: BaseException) -> str:
    """How a message about a database error starts: the connection was lost, or the database refused."""
    lost = isinstance(exc, DBAPIError) and exc.connection_invalidated
    return "lost the database connection: could not" if lost else "could not"


def _short(exc: BaseException) -> str:
    """An SQLAlchemy error without the SQL and its parameters."""
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0][:MESSAGE_MAX_CHARS]


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
