"""The base of every stage: a Scrapy item pipeline that the local runner can drive too."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import ClassVar, NoReturn

from scrapy.crawler import Crawler

from pipeline.context import RunContext
from pipeline.errors import DocumentDropped, DocumentFailed, DocumentSkipped, NewsdedupError
from pipeline.items import Document

logger = logging.getLogger("newsdedup")


class OverBudget(BaseException):
    """Raised by the timer of :func:`time_budget` in the middle of a stage's work. A
    ``BaseException``, so that no library's ``except Exception`` takes it for its own failure."""


@contextmanager
def time_budget(seconds: float) -> Iterator[bool]:
    """Raise :class:`OverBudget` in this thread after ``seconds`` of wall-clock time (a
    ``SIGALRM`` timer); yields whether a timer is set. None is where signals cannot be used (a
    thread other than the main one), where another timer is running (it is left alone), or for
    0 seconds. Code in C (lxml, one regular expression) is interrupted only when it returns."""
    if (seconds <= 0 or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield False
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Stage:
    """One step of the pipeline.

    Subclasses set ``name`` and implement :meth:`process`. Inside Scrapy the
    stage is built by :meth:`from_crawler`; the local runner builds it with
    ``Stage(context)``. ``uses_database`` and ``dedup_only`` tell ``newsdedup clean``
    which stages to leave out; ``parallel`` tells ``newsdedup ingest`` which may run in worker
    processes (:mod:`pipeline.parallel`).

    A stage that remembers documents (an index, a cache, counts) learns from one either as it
    processes it, and forgets it in :meth:`document_discarded` (its writes were rolled back), or
    only once its outcome is written, in :meth:`document_kept`. Either way, what it holds never
    runs ahead of the database (:mod:`pipeline.context`).
    """

    name: ClassVar[str] = "stage"
    uses_database: ClassVar[bool] = False
    # True when the stage's work serves only the dedup index (signatures, keys): `newsdedup
    # clean`, which prints what ingest would keep and compares nothing, leaves it out.
    dedup_only: ClassVar[bool] = False
    # True when the output depends on the document alone (no database, no memory of other
    # documents): `newsdedup ingest` may then run the stage in a worker process.
    parallel: ClassVar[bool] = False
    # True when the stage's cost grows with the page: it gets NEWSDEDUP_DOCUMENT_SECONDS per
    # document, and a document over it fails as ``too-complex``.
    budgeted: ClassVar[bool] = False

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.config = ctx.config
        ctx.stages.append(self)  # told when each document ends

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Stage:
        return cls(RunContext.for_crawler(crawler))

    # Scrapy's item pipeline interface
    def open_spider(self) -> None:
        if self.uses_database:
            self.ctx.open()

    def close_spider(self) -> None:
        pass

    def process_item(self, item: Document) -> Document:
        """Run :meth:`process` inside the document's unit of work (:mod:`pipeline.context`): the
        first stage opens it; a drop or an unexpected error ends it here, at once, recorded
        against this document (a Scrapy crawl may start the next item before its signals run).
        Fatal errors (:class:`~pipeline.errors.NewsdedupError`) go up and stop the run."""
        ctx = self.ctx
        ctx.stage = self.name
        self.count("in")
        try:
            ctx.begin(item)
            out = self._process_in_budget(item) if self.budgeted else self.process(item)
        except DocumentDropped as exc:
            if ctx.has_database:  # in a worker process the run's own context records it
                ctx.document_dropped(item, exc)
            raise
        except NewsdedupError:
            raise
        except Exception as exc:  # a bug or a library failure on one page: this document fails
            if ctx.has_database:
                logger.debug("internal error on %s in %s", item.uri, self.name, exc_info=True)
                ctx.document_broken(item, exc)
            raise
        self.count("out")
        return out

    def process(self, doc: Document) -> Document:
        raise NotImplementedError

    def _process_in_budget(self, doc: Document) -> Document:
        seconds = self.config.budget.document_seconds
        try:
            with time_budget(seconds):
                return self.process(doc)
        except OverBudget:
            self.fail("too-complex", f"the {self.name} stage took longer than {seconds:g} s on it "
                                     "(NEWSDEDUP_DOCUMENT_SECONDS)")

    def document_kept(self, doc: Document) -> None:
        """``doc``'s outcome is written (stored, or dropped with its reason): learn from it here
        what later documents must see."""

    def document_discarded(self, doc: Document) -> None:
        """``doc`` broke in some stage and its writes were rolled back: forget what
        :meth:`process` learnt from it."""

    # helpers for subclasses
    def count(self, event: str, n: int = 1) -> None:
        """Per-stage stats: ``newsdedup/<stage>/<event>``."""
        self.ctx.count(f"{self.name}/{event}", n)

    def fail(self, reason: str, message: str) -> NoReturn:
        """Drop the document as bad input; it is recorded in ``failures``."""
        self.count(f"failed/{reason}")
        raise DocumentFailed(reason, message, stage=self.name)

    def skip(self, reason: str, message: str) -> NoReturn:
        """Drop the document as needing no work (not a failure)."""
        self.count(f"skipped/{reason}")
        raise DocumentSkipped(reason, message, stage=self.name)
