"""The local runner: drives the stages over local files without Scrapy's downloader.

It builds the same stage classes, in the same order (``ITEM_PIPELINES``), as a
Scrapy crawl does, and adds what a command-line run needs: a progress bar,
a graceful Ctrl-C, and a summary.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from tqdm import tqdm

from pipeline.context import RunContext, RunSummary
from pipeline.errors import DocumentDropped, InputError, StorageError
from pipeline.inputs import iter_files, read_document
from pipeline.items import Document
from pipeline.parallel import StagePool, split_stages
from pipeline.stages.base import Stage
from settings.config import Config

logger = logging.getLogger("newsdedup")
LOG_EVERY_SECONDS = 10.0


def build_stages(ctx: RunContext, *, offline: bool = False) -> list[Stage]:
    """The stages in settings order; ``offline`` leaves out those that use the database."""
    stages = []
    for path in build_component_list(ctx.config.item_pipelines):
        cls = load_object(path)
        if not (isinstance(cls, type) and issubclass(cls, Stage)):
            raise TypeError(f"ITEM_PIPELINES entry {path} is not a newsdedup Stage")
        if offline and cls.uses_database:
            continue
        stages.append(cls(ctx))
    return stages


def canonical_order(files: Iterable[tuple[Path, tuple[str, str] | None]]) -> list[tuple[Path, tuple[str, str] | None]]:
    """The order a run processes its inputs in: largest file first, ties by path.

    It makes a run's stories independent of the order the inputs were given in, and lets the
    most complete copy of a story (usually the largest file) found the story, so that teasers
    and trimmed copies find it at once.
    """
    def key(item: tuple[Path, tuple[str, str] | None]) -> tuple[int, str]:
        path, error = item
        try:
            size = path.stat().st_size if error is None else -1
        except OSError:
            size = -1
        return (-size, str(path))
    return sorted(files, key=key)


def run_stages(stages: Sequence[Stage], doc: Document) -> Document:
    for stage in stages:
        doc = stage.process_item(doc)
    return doc


class _Interrupt:
    """First Ctrl-C: finish the current document and stop. Second: stop at once."""

    def __init__(self) -> None:
        self.requested = False

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        logger.warning("interrupted: finishing the current document (Ctrl-C again to stop at once)")


@contextmanager
def _sigint(interrupt: _Interrupt) -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, interrupt.handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ingest(paths: Sequence[str], config: Config, *, progress: bool | None = None) -> RunSummary:
    """Ingest local files and directories; returns the run's summary.

    With ``config.workers`` > 1, the parallel stages run in worker processes
    (:mod:`pipeline.parallel`); the result is the same as with one.
    Raises :class:`InputError` when no path held a readable file (after
    recording the failures), and lets fatal storage errors through.
    """
    files = canonical_order(iter_files(paths, config.file_suffixes))
    ctx = RunContext(config, kind="ingest", args=[str(p) for p in paths])
    stages = build_stages(ctx)
    before, middle, after = split_stages(stages)
    # Workers are forked before the database is opened, so that they share no connection.
    pool = StagePool(ctx, middle, config.workers) if config.workers > 1 and middle and len(files) > 1 else None
    try:
        ctx.open()
        for stage in stages:
            stage.open_spider()
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    interrupt = _Interrupt()
    show_bar = sys.stderr.isatty() if progress is None else progress
    status = "failed"
    readable = 0
    try:
        with _sigint(interrupt), tqdm(total=len(files), unit="doc", disable=not show_bar,
                                      desc="ingest", file=sys.stderr) as bar:
            logger_tick = _LogTick(len(files), ctx, show_bar)
            documents = _read(files, config, interrupt)
            if pool is None:
                for doc in documents:
                    readable += doc.error is None
                    _process(stages, stages, ctx, doc)
                    bar.update(1)
                    logger_tick.done(bar.n)
            else:
                chunk: list[Document] = []
                for doc in documents:
                    readable += doc.error is None
                    head = _process(before, stages, ctx, doc)
                    if head is None:
                        bar.update(1)
                    else:
                        chunk.append(head)
                    if len(chunk) >= config.worker_chunk:
                        pool.submit(chunk)
                        chunk = []
                    while pool.full:
                        _finish(pool, after, stages, ctx, bar, logger_tick)
                pool.submit(chunk)
                while pool.pending:  # after Ctrl-C too: the documents in flight are finished
                    _finish(pool, after, stages, ctx, bar, logger_tick)
        status = "interrupted" if interrupt.requested else "completed"
    except KeyboardInterrupt:
        status = "interrupted"
    except BaseException:
        _abort(pool, stages, ctx)
        raise
    try:
        if pool is not None:
            pool.close()
        for stage in stages:
            stage.close_spider()
    finally:
        summary = ctx.close(status)
    if status == "completed" and readable == 0:
        raise InputError("no readable input: " + (
            "no file with a suffix in NEWSDEDUP_FILE_SUFFIXES was found" if not files
            else "every path failed (see the messages above)"))
    return summary


def _abort(pool: StagePool | None, stages: Sequence[Stage], ctx: RunContext) -> None:
    """Stop after a fatal error, as far as the database still lets us: what fails here is
    logged, and the error that stopped the run is the one reported."""
    steps = ([pool.close] if pool is not None else []) + [st.close_spider for st in stages]
    for step in [*steps, lambda: ctx.close("failed")]:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - the first error matters; this one is logged
            logger.warning("while stopping: %s: %s", type(exc).__name__, exc)


def _read(files: Sequence[tuple[Path, tuple[str, str] | None]], config: Config, interrupt: _Interrupt) -> Iterator[Document]:
    for path, error in files:
        if interrupt.requested:
            return
        yield read_document(path, config.max_bytes, error)


class _LogTick:
    """A log line every LOG_EVERY_SECONDS when there is no progress bar."""

    def __init__(self, total: int, ctx: RunContext, show_bar: bool) -> None:
        self.total, self.ctx, self.enabled = total, ctx, not show_bar
        self.last = time.monotonic()

    def done(self, n: int) -> None:
        if self.enabled and time.monotonic() - self.last >= LOG_EVERY_SECONDS:
            self.last = time.monotonic()
            logger.info("ingest: %d/%d documents; %s", n, self.total, self.ctx.summary().line())


def _finish(pool: StagePool, after: Sequence[Stage], stages: Sequence[Stage], ctx: RunContext,
            bar: tqdm, tick: _LogTick) -> None:
    """Collect the oldest chunk from the workers and run the remaining stages on it, in order."""
    for outcome in pool.collect():
        if outcome.dropped is not None:
            ctx.record_drop(outcome.doc, outcome.dropped)
        elif outcome.error is not None:
            logger.error("internal error on %s: %s", outcome.doc.uri, outcome.error)
            ctx.record_failure(outcome.doc, "unknown", "internal-error", outcome.error)
        else:
            _process(after, stages, ctx, outcome.doc)
        bar.update(1)
        tick.done(bar.n)


def _process(run: Sequence[Stage], stages: Sequence[Stage], ctx: RunContext, doc: Document) -> Document | None:
    """Run the stages ``run`` on ``doc``; a drop or an error is recorded and gives None.
    ``stages`` are all the run's stages, reset when the database session had to be rolled back."""
    try:
        return run_stages(run, doc)
    except DocumentDropped as exc:
        ctx.record_drop(doc, exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug or a library failure on one page: record it and go on
        if isinstance(exc, OperationalError):  # the server went away (restarted, network): stop
            raise StorageError(
                f"lost the database connection while storing {doc.uri} ({exc.orig}): every document "
                "committed before is kept, this one was not stored; run the same command again to "
                "finish") from None
        if isinstance(exc, SQLAlchemyError):
            # The session cannot go on: drop the uncommitted batch (the next run redoes
            # it) and let the stages forget what they held of it.
            ctx.session.rollback()
            for stage in stages:
                stage.reset()
        logger.exception("internal error on %s", doc.uri)
        ctx.record_failure(doc, "unknown", "internal-error", f"{type(exc).__name__}: {exc}")
    return None


def clean_files(paths: Sequence[str], config: Config) -> Iterator[tuple[Document, DocumentDropped | None]]:
    """The offline stages (decode to metadata) over local files: what ingest would keep."""
    ctx = RunContext(config, kind="clean", offline=True)
    stages = build_stages(ctx, offline=True)
    for path, error in iter_files(paths, config.file_suffixes):
        doc = read_document(path, config.max_bytes, error)
        try:
            yield run_stages(stages, doc), None
        except DocumentDropped as exc:
            yield doc, exc
