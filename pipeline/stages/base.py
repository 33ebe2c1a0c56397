"""The base of every stage: a Scrapy item pipeline that the local runner can drive too."""

from __future__ import annotations

import logging
from typing import ClassVar, NoReturn

from scrapy.crawler import Crawler

from pipeline.context import RunContext
from pipeline.errors import DocumentDropped, DocumentFailed, DocumentSkipped, NewsdedupError
from pipeline.items import Document

logger = logging.getLogger("newsdedup")


class Stage:
    """One step of the pipeline.

    Subclasses set ``name`` and implement :meth:`process`. Inside Scrapy the
    stage is built by :meth:`from_crawler`; the local runner builds it with
    ``Stage(context)``. ``uses_database`` tells ``newsdedup clean`` which stages
    to leave out; ``parallel`` tells ``newsdedup ingest`` which may run in worker
    processes (:mod:`pipeline.parallel`).

    A stage that remembers documents (an index, a cache, counts) learns from one either as it
    processes it, and forgets it in :meth:`document_discarded` (its writes were rolled back), or
    only once its outcome is written, in :meth:`document_kept`. Either way, what it holds never
    runs ahead of the database (:mod:`pipeline.context`).
    """

    name: ClassVar[str] = "stage"
    uses_database: ClassVar[bool] = False
    # True when the output depends on the document alone (no database, no memory of other
    # documents): `newsdedup ingest` may then run the stage in a worker process.
    parallel: ClassVar[bool] = False

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
            out = self.process(item)
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
