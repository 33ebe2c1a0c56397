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
from types import FrameType

from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from tqdm import tqdm

from pipeline.context import RunContext, RunSummary
from pipeline.errors import DocumentDropped, InputError, NewsdedupError, StorageError
from pipeline.inputs import InputFile, iter_files, read_document
from pipeline.items import Document, LineVerdict
from pipeline.parallel import StagePool, split_stages
from pipeline.stages.base import Stage
from settings.config import Config

logger = logging.getLogger("newsdedup")
LOG_EVERY_SECONDS = 10.0


def build_stages(ctx: RunContext, *, offline: bool = False) -> list[Stage]:
    """The stages in settings order; ``offline`` leaves out those that use the database and those
    that serve only the dedup index (what ``newsdedup clean`` runs)."""
    stages = []
    for path in build_component_list(ctx.config.item_pipelines):
        cls = load_object(path)
        if not (isinstance(cls, type) and issubclass(cls, Stage)):
            raise TypeError(f"ITEM_PIPELINES entry {path} is not a newsdedup Stage")
        if offline and (cls.uses_database or cls.dedup_only):
            continue
        stages.append(cls(ctx))
    return stages


def canonical_order(files: Iterable[InputFile]) -> list[InputFile]:
    """The order a run processes its inputs in: largest file first, ties by path.

    It makes a run's stories independent of the order the inputs were given in, and lets the
    most complete copy of a story (usually the largest file) found the story, so that teasers
    and trimmed copies find it at once.
    """
    def key(item: InputFile) -> tuple[int, str]:
        path, error, _ = item
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

    Every file read is either stored or recorded in ``failures`` with its reason; one that
    breaks a stage is rolled back alone (:mod:`pipeline.context`). With ``config.workers`` > 1,
    the parallel stages run in worker processes (:mod:`pipeline.parallel`); the result is the
    same as with one. Raises :class:`InputError` when no path held a readable file (after
    recording the failures), :class:`~pipeline.errors.DatabaseBusy` when another process writes
    to the SQLite file, and lets fatal storage errors through (the run is marked ``failed``).
    """
    files = canonical_order(iter_files(paths, config.file_suffixes, config.follow_symlinks))
    ctx = RunContext(config, kind="ingest", args=[str(p) for p in paths])
    stages = build_stages(ctx)
    before, middle, after = split_stages(stages)
    # Workers are forked before the database is opened, so that they share no connection.
    pool = StagePool(ctx, middle, config.workers) if config.workers > 1 and middle and len(files) > 1 else None
    try:
        ctx.open()
        for stage in stages:
            stage.open_spider()
    except BaseException as exc:
        if pool is not None:
            pool.close()
        ctx.close("failed", error=str(exc) or type(exc).__name__)
        raise
    interrupt = _Interrupt()
    show_bar = sys.stderr.isatty() if progress is None else progress
    status = "failed"
    readable = 0
    try:
        with _sigint(interrupt), _Progress(len(files), ctx, show_bar) as shown:
            documents = _read(files, config, interrupt)
            if pool is None:
                for doc in documents:
                    readable += doc.error is None
                    _process(stages, ctx, doc, last=True)
                    shown.update()
            else:
                chunk: list[Document] = []
                for doc in documents:
                    readable += doc.error is None
                    head = _process(before, ctx, doc, last=False)
                    if head is not None:
                        chunk.append(head)
                    if len(chunk) >= config.worker_chunk:
                        pool.submit(chunk)
                        chunk = []
                    while pool.full:
                        _finish(pool, after, ctx, shown)
                pool.submit(chunk)
                while pool.pending:  # after Ctrl-C too: the documents in flight are finished
                    _finish(pool, after, ctx, shown)
            for stage in stages:
                stage.close_spider()
            ctx.commit()
            shown.update()
        status = "interrupted" if interrupt.requested else "completed"
    except KeyboardInterrupt:  # a second Ctrl-C: the document in hand is rolled back by close()
        status = "interrupted"
    except BaseException as exc:
        _abort(pool, stages, ctx, exc)
        raise
    try:
        if pool is not None:
            pool.close()
    finally:
        summary = ctx.close(status)
    if summary.status == "failed":
        raise StorageError(summary.error or "the run failed")
    if status == "completed" and readable == 0:
        raise InputError("no readable input: " + (
            "no file with a suffix in NEWSDEDUP_FILE_SUFFIXES was found" if not files
            else "every path failed (see the messages above)"))
    return summary


def _abort(pool: StagePool | None, stages: Sequence[Stage], ctx: RunContext, error: BaseException) -> None:
    """Stop after a fatal error, as far as the database still lets us: what was finished is
    committed (unless the database failed), the run is marked ``failed`` with the reason, and
    what fails here is logged; the error that stopped the run is the one reported."""
    steps = ([pool.close] if pool is not None else []) + [st.close_spider for st in stages]
    for step in [*steps, lambda: ctx.close("failed", error=str(error) or type(error).__name__)]:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - the first error matters; this one is logged
            logger.warning("while stopping: %s: %s", type(exc).__name__, exc)


def _read(files: Sequence[InputFile], config: Config, interrupt: _Interrupt) -> Iterator[Document]:
    for file in files:
        if interrupt.requested:
            return
        yield read_document(file, config.max_bytes)


class _Progress:
    """What a run shows while it goes, counted from what was committed: a progress bar on a
    terminal, else a log line every LOG_EVERY_SECONDS. Documents count once their batch is in
    the database (so the bar lags the work by at most NEWSDEDUP_STORE_BATCH_SECONDS)."""

    def __init__(self, total: int, ctx: RunContext, show_bar: bool) -> None:
        self.total, self.ctx, self.show_bar = total, ctx, show_bar
        self.bar = tqdm(total=total, unit="doc", disable=not show_bar, desc="ingest", file=sys.stderr)
        self.last_log = time.monotonic()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.bar.close()

    def update(self) -> None:
        summary = self.ctx.summary()
        if self.show_bar:
            self.bar.update(summary.documents - self.bar.n)
        elif time.monotonic() - self.last_log >= LOG_EVERY_SECONDS:
            self.last_log = time.monotonic()
            logger.info("ingest: %d/%d documents committed; %s", summary.documents, self.total, summary.line())


def _finish(pool: StagePool, after: Sequence[Stage], ctx: RunContext, shown: _Progress) -> None:
    """Collect the oldest chunk from the workers and run the remaining stages on it, in order."""
    for outcome in pool.collect():
        if outcome.dropped is not None:
            ctx.document_dropped(outcome.doc, outcome.dropped)
        elif outcome.error is not None:
            ctx.document_broken(outcome.doc, outcome.error, stage=outcome.stage)
        else:
            _process(after, ctx, outcome.doc, last=True)
        shown.update()


def _process(run: Sequence[Stage], ctx: RunContext, doc: Document, *, last: bool) -> Document | None:
    """Run the stages ``run`` on ``doc``; None when it ended there (dropped, or broken by an
    error: :meth:`Stage.process_item <pipeline.stages.base.Stage.process_item>` recorded it and
    rolled it back alone). ``last``: they are the last stages, and the store stage ended the
    document's unit; otherwise its unit is closed here, and it goes on to the worker processes.
    A fatal error (:class:`~pipeline.errors.NewsdedupError`: the database is gone) stops the run."""
    try:
        doc = run_stages(run, doc)
    except DocumentDropped:
        return None
    except (KeyboardInterrupt, SystemExit, NewsdedupError):
        raise
    except Exception:  # noqa: BLE001 - recorded by the stage, against this document
        return None
    if not last:
        ctx.release(doc)
    return doc


def clean_files(paths: Sequence[str], config: Config) -> Iterator[tuple[Document, DocumentDropped | None]]:
    """The offline stages (decode to metadata) over local files: what ingest would keep."""
    ctx = RunContext(config, kind="clean", offline=True)
    stages = build_stages(ctx, offline=True)
    for file in iter_files(paths, config.file_suffixes, config.follow_symlinks):
        doc = read_document(file, config.max_bytes)
        try:
            yield run_stages(stages, doc), None
        except DocumentDropped as exc:
            yield doc, exc


def explained(doc: Document, lookahead: int = 8) -> list[LineVerdict]:
    """The clean stage's verdicts on ``doc``'s lines; on an HTML page where trafilatura chose the
    main content, with the page's other visible lines (rendered block by block) in page order,
    as dropped by ``trafilatura``. A verdict is matched with the next visible line it equals
    within ``lookahead`` lines (trafilatura keeps the page's order); verdicts left unmatched (a
    line trafilatura joined or split) follow at the end."""
    if not (doc.is_html and doc.html_meta and doc.text):
        return list(doc.verdicts)
    from pipeline.text.normalize import clean_line
    from pipeline.text.render import render_text

    visible = [line for raw in render_text(doc.text).split("\n") if (line := clean_line(raw))]
    verdicts, out, j = list(doc.verdicts), [], 0
    for line in visible:
        ahead = next((k for k in range(j, min(j + lookahead, len(verdicts))) if verdicts[k].text == line), None)
        if ahead is None:
            out.append(LineVerdict(line, False, "trafilatura"))
            continue
        out.extend(verdicts[j:ahead + 1])
        j = ahead + 1
    return out + verdicts[j:]
