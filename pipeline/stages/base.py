"""The base of every stage: a Scrapy item pipeline that the local runner can drive too."""

from __future__ import annotations

from typing import ClassVar, NoReturn

from scrapy.crawler import Crawler

from pipeline.context import RunContext
from pipeline.errors import DocumentFailed, DocumentSkipped
from pipeline.items import Document


class Stage:
    """One step of the pipeline.

    Subclasses set ``name`` and implement :meth:`process`. Inside Scrapy the
    stage is built by :meth:`from_crawler`; the local runner builds it with
    ``Stage(context)``. ``uses_database`` tells ``newsdedup clean`` which stages
    to leave out; ``parallel`` tells ``newsdedup ingest`` which may run in worker
    processes (:mod:`pipeline.parallel`).
    """

    name: ClassVar[str] = "stage"
    uses_database: ClassVar[bool] = False
    # True when the output depends on the document alone (no database, no memory of other
    # documents): `newsdedup ingest` may then run the stage in a worker process.
    parallel: ClassVar[bool] = False

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.config = ctx.config

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
        self.count("in")
        out = self.process(item)
        self.count("out")
        return out

    def process(self, doc: Document) -> Document:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget in-memory state after the run's uncommitted writes were rolled back."""

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
