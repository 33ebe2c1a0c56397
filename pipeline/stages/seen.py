"""seen: skip documents already ingested, so that a re-run changes nothing."""

from __future__ import annotations

from pipeline.context import RunContext
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.store.database import Database


class SeenStage(Stage):
    """Keeps documents whose (uri, content sha256) is not in ``provenance`` yet.

    Drops (skipped, not failed): ``already-ingested``, the same bytes from the
    same place were stored by an earlier run, or earlier in this one.
    Documents the source could not read pass through; decode fails them.
    """

    name = "seen"
    uses_database = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.this_run: set[tuple[str, str]] = set()

    def process(self, doc: Document) -> Document:
        if doc.sha256 is None:
            return doc
        key = (doc.uri, doc.sha256)
        if key in self.this_run:
            self.skip("already-ingested", "the same content from this URI came earlier in this run")
        if Database.stored(self.ctx.session, doc.uri, doc.sha256):  # this run's rows: in this_run
            self.skip("already-ingested", "the same content from this URI is already stored")
        self.this_run.add(key)
        return doc

    def document_discarded(self, doc: Document) -> None:
        if doc.sha256 is not None:
            self.this_run.discard((doc.uri, doc.sha256))
