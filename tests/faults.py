"""Stages that break on purpose, for the tests that one failing document loses that document alone.

A test puts one into the stage order (:func:`with_fault`) and names the documents it breaks in
the environment, so that spider processes and ingest's worker processes see them too:
``TEST_FAULT_URIS`` (comma-separated endings of document URIs) and ``TEST_FAULT_KIND``:

- ``python``: a plain exception (a bug in a stage);
- ``sql``: a statement the database refuses first (on PostgreSQL it aborts the transaction, which
  only the document's SAVEPOINT can undo), then the exception it raised.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import text

from pipeline.items import Document
from pipeline.stages.base import Stage
from settings import ITEM_PIPELINES

URIS = "TEST_FAULT_URIS"
KIND = "TEST_FAULT_KIND"


class FaultStage(Stage):
    """Breaks the documents named in ``TEST_FAULT_URIS``; passes every other one unchanged."""

    name = "fault"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.uris = tuple(u for u in os.environ.get(URIS, "").split(",") if u)
        self.kind = os.environ.get(KIND, "python")

    def process(self, doc: Document) -> Document:
        if self.uris and doc.uri.endswith(self.uris):
            if self.kind == "sql":
                self.ctx.session.execute(text("SELECT no_such_column FROM no_such_table"))
            raise ValueError(f"injected fault in {doc.uri}")
        return doc


class DatabaseFaultStage(FaultStage):
    """A fault stage among those that use the database (between dedup and store)."""

    uses_database = True


class WorkerFaultStage(FaultStage):
    """A fault stage that ``newsdedup ingest`` runs in its worker processes (between clean and
    metadata)."""

    parallel = True


# where each fault stage goes in the stage order
POSITIONS = {"before": (FaultStage, 150), "worker": (WorkerFaultStage, 450), "store": (DatabaseFaultStage, 750)}


def with_fault(where: str) -> Mapping[str, int]:
    """The stage order with a fault stage ``where`` (a key of :data:`POSITIONS`)."""
    cls, position = POSITIONS[where]
    return {**ITEM_PIPELINES, f"{cls.__module__}.{cls.__qualname__}": position}
