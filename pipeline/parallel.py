"""Worker processes for the stages that depend on nothing but the document.

A stage that sets ``parallel = True`` (clean, metadata, fingerprint) computes its
output from the document alone: no database, no memory of earlier documents.
:func:`split_stages` finds the contiguous run of such stages in the settings'
order; :class:`StagePool` runs that run in worker processes, chunk by chunk,
and hands the results back in the order they were submitted. Everything else
(reading, seen, recurring, dedup, store) stays in the calling process, so a run
with several workers stores exactly what a run with one does.

Documents travel without what the stages on the other side do not read: the raw
bytes stay in the calling process, and the page's text, lines and line verdicts
stay in the worker. A document dropped in a worker comes back with its reason; an
unexpected error in a worker comes back as a message; a worker that dies stops the
run with :class:`~pipeline.errors.WorkerError`. Workers ignore Ctrl-C: the calling
process decides when to stop, and the documents in flight are finished first.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pipeline.context import RunContext
from pipeline.errors import (
    DocumentDropped,
    DocumentFailed,
    DocumentSkipped,
    WorkerError,
)
from pipeline.items import Document
from pipeline.stages.base import Stage
from pipeline.stats import Stats
from settings.config import Config


def split_stages(stages: Sequence[Stage]) -> tuple[list[Stage], list[Stage], list[Stage]]:
    """(before, parallel, after): the first contiguous run of parallel stages and what surrounds it."""
    first = next((i for i, st in enumerate(stages) if st.parallel), len(stages))
    last = first
    while last < len(stages) and stages[last].parallel:
        last += 1
    return list(stages[:first]), list(stages[first:last]), list(stages[last:])


@dataclass
class Outcome:
    """One document back from a worker: processed, dropped (with its reason) or broken."""

    doc: Document
    dropped: DocumentDropped | None = None
    error: str | None = None  # "TypeError: ..." for an unexpected error in a stage
    stage: str | None = None  # the stage that raised it


# --- worker side ---------------------------------------------------------------
_worker_ctx: RunContext | None = None
_worker_stages: list[Stage] = []


def _init_worker(config: Config, classes: list[type[Stage]]) -> None:
    global _worker_ctx, _worker_stages
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _worker_ctx = RunContext(config, offline=True)
    _worker_stages = [cls(_worker_ctx) for cls in classes]


_Result = tuple[Document, tuple[str, str, str, str] | None, str | None, str | None]


def _run_chunk(docs: list[Document]) -> tuple[list[_Result], dict[str, Any]]:
    """Run the worker's stages over ``docs``; returns the outcomes (exceptions as plain
    tuples, since they do not pickle) and the stats counted meanwhile."""
    assert _worker_ctx is not None
    _worker_ctx.stats = stats = Stats()
    out: list[_Result] = []
    for doc in docs:
        try:
            for stage in _worker_stages:
                doc = stage.process_item(doc)
            out.append((_without_page(doc), None, None, None))
        except DocumentDropped as exc:
            kind = "failed" if isinstance(exc, DocumentFailed) else "skipped"
            out.append((doc, (kind, exc.reason, exc.message, exc.stage), None, None))
        except Exception as exc:  # a bug or a library failure on one page: report it, go on
            out.append((doc, None, f"{type(exc).__name__}: {exc}", _worker_ctx.stage))
    return out, stats.get_stats()


def _without_page(doc: Document) -> Document:
    """The document without the page it was made from (text, lines, line verdicts): the
    stages after the parallel ones need none of it, and it is most of the transfer."""
    doc.text, doc.lines, doc.verdicts = None, [], []
    return doc


def _dropped(kind: str, reason: str, message: str, stage: str) -> DocumentDropped:
    cls = DocumentFailed if kind == "failed" else DocumentSkipped
    return cls(reason, message, stage=stage)


# --- calling side --------------------------------------------------------------
def _worker_died() -> WorkerError:
    return WorkerError("a worker process died (killed, or out of memory?); what was stored before is "
                       "kept: run the same command again to finish, or use NEWSDEDUP_WORKERS=1")


def _ready() -> None:
    """A no-op task: submitting it makes the pool start its workers."""


class StagePool:
    """Runs a list of parallel stages in ``workers`` processes; results come back in order.

    The workers start when the pool is made: make it before opening the database, so
    that no worker inherits a connection. ``submit`` queues a chunk; ``full`` says
    whether enough are in flight; ``collect`` waits for the oldest chunk and returns
    its outcomes, after adding the workers' stats to ``ctx``; it raises
    :class:`WorkerError` when a worker process died (killed, out of memory).
    """

    def __init__(self, ctx: RunContext, stages: Sequence[Stage], workers: int) -> None:
        self.ctx = ctx
        self.window = 2 * workers  # chunks in flight: enough to keep every worker busy
        self._pending: list[Future[Any]] = []
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(), initializer=_init_worker,
            initargs=(ctx.config, [type(st) for st in stages]))
        self._pool.submit(_ready).result()  # with fork, the first task starts every worker

    def close(self) -> None:
        """Stop the workers; chunks not started yet are dropped (their documents were not stored)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, docs: list[Document]) -> None:
        """Queue ``docs`` for the workers; their raw bytes stay here (decode already read them)."""
        for doc in docs:
            doc.raw = None
        if docs:
            try:
                self._pending.append(self._pool.submit(_run_chunk, docs))
            except BrokenProcessPool as exc:
                raise _worker_died() from exc

    @property
    def full(self) -> bool:
        return len(self._pending) >= self.window

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def collect(self) -> list[Outcome]:
        try:
            results, stats = self._pending.pop(0).result()
        except BrokenProcessPool as exc:
            raise _worker_died() from exc
        for key, value in stats.items():
            self.ctx.stats.inc_value(key, value)
        return [Outcome(doc, _dropped(*dropped) if dropped else None, error, stage)
                for doc, dropped, error, stage in results]
