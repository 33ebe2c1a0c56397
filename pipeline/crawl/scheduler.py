"""Schedules that survive restarts, and the long-running ``newsdedup scheduler``.

Schedules are APScheduler 3 jobs in a SQLAlchemyJobStore, in a table of the
newsdedup database itself (``NEWSDEDUP_SCHEDULE_TABLE``). A job is one source: its
id is the source's name and its arguments are the source's definition, so the store
alone says what to crawl and when. ``newsdedup schedule add/remove`` write that
table through the job store's own interface, never through a second scheduler
(two schedulers on one store would both run jobs); the one running scheduler
re-reads it every ``NEWSDEDUP_SCHEDULER_POLL_SECONDS``.

A run is :class:`pipeline.crawl.runner.CrawlRunner` (one spider process per kind of URL),
on a single worker thread: runs never overlap, neither two runs of one source
(``max_instances=1``) nor two sources, so every copy of a story meets the same
dedup index. Runs that were due while the scheduler was down run once when it comes
back (``coalesce``), if it is back within ``NEWSDEDUP_MISFIRE_GRACE_SECONDS``.

APScheduler moves a job's next run time forward *before* running it. So a
scheduler killed mid-run (SIGKILL, a crash) restarts on the same schedule: the run
in flight is not repeated at once, its spider dies with it and its uncommitted
batch is rolled back, and the next run fetches whatever it had not stored.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import inspect, select

from pipeline.crawl.jobstore import RUN_SOURCE, JobStore, unreadable_message
from pipeline.crawl.runner import CrawlResult, CrawlRunner
from pipeline.crawl.sources import Source
from pipeline.errors import ConfigError, NewsdedupError
from pipeline.store.database import Database
from pipeline.store.models import Run
from pipeline.store.writers import mark_dead_runs
from settings.config import Config, ScheduleOptions

logger = logging.getLogger("newsdedup")

_service: SchedulerService | None = None  # the running scheduler, for run_source
__all__ = ["RUN_SOURCE", "JobStore", "Schedule", "Schedules", "SchedulerService", "run_source"]


@dataclass(frozen=True)
class Schedule:
    """One stored schedule, as ``schedule list`` shows it."""

    source: Source
    when: str  # "every 30m" or "cron */30 * * * *"
    next_run: datetime | None  # None: paused
    last_run: Run | None


def _job_options(options: ScheduleOptions) -> dict[str, Any]:
    """Every schedule's run policy: one run of a source at a time, missed runs coalesced."""
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace_seconds}


def job_store(db: Database, options: ScheduleOptions, *, log_unreadable: bool = True) -> JobStore:
    """The job store on the database's schedule table (rows of JSON: :mod:`pipeline.crawl.jobstore`);
    on a writable database it rewrites the pickled rows of newsdedup 0.1 as JSON when it reads them."""
    return JobStore(engine=db.engine, tablename=options.table, job_options=_job_options(options),
                    max_bytes=options.max_state_bytes, migrate=not db.readonly, log_unreadable=log_unreadable)


def open_store(db: Database, options: ScheduleOptions) -> BackgroundScheduler:
    """The scheduler (not started) on the database's schedule table, with one worker thread."""
    return BackgroundScheduler(
        jobstores={"default": job_store(db, options)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults=_job_options(options), timezone=options.timezone or None,
    )


def _trigger(source: Source, scheduler: BackgroundScheduler) -> IntervalTrigger | CronTrigger:
    if source.every is not None:
        return IntervalTrigger(seconds=int(source.every.total_seconds()), timezone=scheduler.timezone)
    if source.cron is None:
        raise ConfigError(f"source {source.name!r} has no schedule: give --every or --cron")
    return CronTrigger.from_crontab(source.cron, timezone=scheduler.timezone)


def describe(source: Source) -> str:
    if source.every is not None:
        return f"every {_interval(source.every)}"
    return f"cron {source.cron}"


def _interval(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class Schedules:
    """The stored schedules, read and changed through the job store (no scheduler runs). On a
    read-only ``db`` they can only be listed, and a database without the table has none (the
    job store would create the table)."""

    def __init__(self, db: Database, options: ScheduleOptions) -> None:
        self.db = db
        self.options = options
        # never started: it only builds jobs and computes their times, and resolves their triggers
        self._scheduler = BackgroundScheduler(timezone=options.timezone or None)
        self._store = job_store(db, options, log_unreadable=False)  # the caller reports them: unreadable()
        self._stored = not db.readonly or inspect(db.engine).has_table(options.table)
        if self._stored:
            self._store.start(self._scheduler, "default")

    def close(self) -> None:
        self._store.shutdown()

    def __enter__(self) -> Schedules:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def add(self, source: Source) -> bool:
        """Store (or replace) the source's schedule; True if it replaced one. An interval
        schedule runs first at once, then every interval; a cron schedule at its next time."""
        trigger = _trigger(source, self._scheduler)
        now = datetime.now(self._scheduler.timezone)
        job = Job(self._scheduler, id=source.name, name=source.name, func=RUN_SOURCE,
                  trigger=trigger, executor="default", args=(), kwargs={"source": dataclasses.asdict(source)},
                  next_run_time=now if source.every is not None else trigger.get_next_fire_time(None, now),
                  **_job_options(self.options))
        try:
            self._store.add_job(job)
        except ConflictingIdError:
            self._store.update_job(job)
            return True
        return False

    def remove(self, name: str) -> None:
        try:
            self._store.remove_job(name)
        except JobLookupError:
            known = ", ".join(sorted(j.id for j in self._store.get_all_jobs())) or "none"
            raise NewsdedupError(f"no schedule named {name!r} (scheduled: {known})") from None

    def unreadable(self) -> list[str]:
        """One line for each stored row that :meth:`list` skipped: it is kept, and never run."""
        return [unreadable_message(job_id, why) for job_id, why in sorted(self._store.unreadable.items())]

    def list(self) -> list[Schedule]:
        """The readable schedules, by name (see :meth:`unreadable` for the others)."""
        if not self._stored:
            return []
        jobs: list[Job] = sorted(self._store.get_all_jobs(), key=lambda j: j.id)
        last = _last_runs(self.db, [j.id for j in jobs])
        out = []
        for job in jobs:
            source = Source(**job.kwargs["source"])
            out.append(Schedule(source, describe(source), job.next_run_time, last.get(job.id)))
        return out


def _last_runs(db: Database, names: Iterable[str], window: int = 1000) -> dict[str, Run]:
    """The latest crawl run of each named source (among the last ``window`` runs)."""
    wanted = {f"source={n}": n for n in names}
    found: dict[str, Run] = {}
    with db.session() as s:
        for run in s.scalars(select(Run).where(Run.kind.startswith("crawl:")).order_by(Run.id.desc())
                             .limit(window)):
            for label in run.args or []:
                name = wanted.get(label)
                if name is not None and name not in found:
                    found[name] = run
    return found


def run_source(source: dict[str, Any]) -> None:
    """The job of every schedule (module level: the job store keeps a reference to it)."""
    if _service is None:
        raise RuntimeError("run_source runs inside `newsdedup scheduler` only")
    _service.run(Source(**source))


class SchedulerService:
    """``newsdedup scheduler``: runs the stored schedules until :meth:`stop`."""

    def __init__(self, config: Config, *, log_level: str = "WARNING") -> None:
        self.options = config.schedule
        self.db = Database(config.db_url)
        # a scheduled run waits for another writer of a SQLite file (an ingest) rather than fail
        self.runner = CrawlRunner(self.db, trigger="schedule", log_level=log_level, wait=True)
        self.scheduler = open_store(self.db, self.options)
        self._stop = threading.Event()
        self.runs = 0

    def run(self, source: Source) -> list[CrawlResult]:
        """One scheduled run of a source; a log line per spider run."""
        if self._stop.is_set():
            return []
        try:
            results = self.runner.run(source)
        except NewsdedupError as exc:
            logger.error("scheduled run of %s failed: %s", source.name, exc)
            return []
        self.runs += 1
        for result in results:
            logger.info("scheduled run (run %s): %s", result.run_id, result.line())
        return results

    def serve(self) -> None:
        """Run schedules until :meth:`stop` is called (by a signal handler); then wait for the
        run in flight to stop, killing it after ``NEWSDEDUP_STOP_TIMEOUT_SECONDS``."""
        global _service
        if _service is not None:
            raise NewsdedupError("a scheduler is already running in this process")
        _service = self
        try:
            mark_dead_runs(self.db)
            self.scheduler.start()
            jobs = self.scheduler.get_jobs()
            logger.info("scheduler started on %s: %d schedule(s)%s; stop with Ctrl-C or SIGTERM",
                        self.db.safe_url, len(jobs),
                        "".join(f"\n  {j.id}: next run {j.next_run_time}" for j in jobs)
                        or " (add one with `newsdedup schedule add`)")
            while not self._stop.wait(self.options.poll_seconds):
                self.scheduler.wakeup()  # see schedules added or removed by `newsdedup schedule`
            self.scheduler.pause()  # submit nothing more while the executor shuts down
            killer = threading.Timer(self.options.stop_timeout_seconds, self.runner.stop, kwargs={"force": True})
            killer.daemon = True
            killer.start()
            self.scheduler.shutdown(wait=True)  # the run in flight ends (stopped) before this returns
            killer.cancel()
            logger.info("scheduler stopped after %d run(s); schedules are kept in the database", self.runs)
        finally:
            _service = None
            self.db.dispose()

    def stop(self, force: bool = False) -> None:
        """Stop scheduling; ask the spider in flight to stop (or kill it: ``force``). Signal-safe."""
        self._stop.set()
        self.runner.stop(force=force)
