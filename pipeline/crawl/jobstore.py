"""The schedule table as APScheduler's job store, holding data only (JSON), never a pickle.

APScheduler's own :class:`SQLAlchemyJobStore` pickles each job and unpickles it on every
read, so whoever can write one row of the table runs code in ``schedule list`` and in the
scheduler. Here a row's ``job_state`` is a JSON object::

    {"format": "newsdedup-schedule/1", "name": "wire",
     "source": {"feeds": [...], "every": "1800s", ...},     # the table of a sources file
     "timezone": "Europe/Berlin", "start": "2026-...",      # the trigger's zone (and an interval's start)
     "next_run_time": "2026-...+01:00"}                     # null: paused

and the job is rebuilt from it: its function is always :data:`RUN_SOURCE`, its trigger is
made from the source's ``every``/``cron``, its run policy from the settings, and the source
is checked as a sources file is (:func:`pipeline.crawl.sources.source_from_table`).

Rows pickled by newsdedup 0.1 (APScheduler's format) are read once with
:class:`LegacyUnpickler`, which builds only the classes such a row holds (APScheduler's
triggers, dates, time zones) and refuses any other, so nothing in a row can run; a store
that may write then rewrites the row as JSON. A row that cannot be read (not JSON nor such a
pickle, or a bad source) is skipped with a warning and kept: APScheduler would delete it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import pickle
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import and_, null, select
from sqlalchemy.exc import IntegrityError

from pipeline.crawl.sources import Source, source_from_table, source_table
from pipeline.errors import ConfigError

logger = logging.getLogger("newsdedup")

FORMAT = "newsdedup-schedule/1"
RUN_SOURCE = "pipeline.crawl.scheduler:run_source"  # the job of every schedule, as the job store names it
# where schedules stored by an older newsdedup name it (the module moved into pipeline/crawl/)
FORMER_RUN_SOURCE = ("pipeline.scheduler:run_source",)


class UnreadableSchedule(ValueError):
    """A stored row that is not a schedule newsdedup wrote; the message says why."""


# --- rows of newsdedup 0.1: APScheduler's pickles, read without running anything ----------------

def _zoneinfo_unpickle() -> Callable[..., Any]:
    return zoneinfo.ZoneInfo._unpickle  # type: ignore[attr-defined]  # how a ZoneInfo pickles itself


def _allowed_classes() -> dict[tuple[str, str], Any]:
    """Every global a job state of APScheduler 3 holds for an interval or cron trigger."""
    from apscheduler.triggers.cron import expressions, fields

    allowed: dict[tuple[str, str], Any] = {
        ("datetime", "datetime"): datetime, ("datetime", "date"): date, ("datetime", "timedelta"): timedelta,
        ("datetime", "timezone"): timezone, ("zoneinfo", "ZoneInfo"): zoneinfo.ZoneInfo,
        ("apscheduler.triggers.interval", "IntervalTrigger"): IntervalTrigger,
        ("apscheduler.triggers.cron", "CronTrigger"): CronTrigger,
    }
    for module, names in ((fields, ("BaseField", "WeekField", "DayOfMonthField", "DayOfWeekField", "MonthField")),
                          (expressions, ("AllExpression", "RangeExpression", "MonthRangeExpression",
                                         "WeekdayRangeExpression", "WeekdayPositionExpression",
                                         "LastDayOfMonthExpression"))):
        for name in names:
            allowed[(module.__name__, name)] = getattr(module, name)
    try:  # pytz time zones pickle through these two functions (older APScheduler and tzlocal used them)
        import pytz

        allowed[("pytz", "_p")] = pytz._p
        allowed[("pytz", "_UTC")] = pytz._UTC
    except ImportError:
        pass
    return allowed


def _getattr_for_zoneinfo(obj: Any, name: str) -> Any:
    """``getattr`` as a ZoneInfo pickle uses it (``getattr(ZoneInfo, "_unpickle")``), and nothing else."""
    if obj is zoneinfo.ZoneInfo and name == "_unpickle":
        return _zoneinfo_unpickle()
    raise pickle.UnpicklingError(f"getattr({obj!r}, {name!r}) is not part of a schedule")


class LegacyUnpickler(pickle.Unpickler):
    """Reads a job state pickled by APScheduler 3 for newsdedup 0.1, building only the classes
    such a state holds; any other global (a function to call, a module) is refused before
    anything is built, so a hostile pickle cannot run code."""

    _allowed: dict[tuple[str, str], Any] | None = None

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _getattr_for_zoneinfo
        if LegacyUnpickler._allowed is None:
            LegacyUnpickler._allowed = _allowed_classes()
        found = LegacyUnpickler._allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a schedule")
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not part of a schedule")


def _legacy_state(raw: bytes) -> dict[str, Any]:
    """A pickled row as the JSON object this store writes (:class:`UnreadableSchedule` if it is not
    one of newsdedup's schedules)."""
    try:
        state = LegacyUnpickler(io.BytesIO(raw)).load()
    except Exception as exc:  # noqa: BLE001 - whatever the bytes are, the row is unreadable, not fatal
        raise UnreadableSchedule(f"not a schedule pickled by newsdedup 0.1 ({exc})") from None
    if not isinstance(state, dict) or state.get("func") not in (RUN_SOURCE, *FORMER_RUN_SOURCE):
        what = state.get("func") if isinstance(state, dict) else type(state).__name__
        raise UnreadableSchedule(f"the stored job runs {what!r}, not newsdedup's run_source")
    kwargs = state.get("kwargs")
    source = kwargs.get("source") if isinstance(kwargs, dict) else None
    trigger = state.get("trigger")
    if not isinstance(source, dict) or not isinstance(trigger, (IntervalTrigger, CronTrigger)):
        raise UnreadableSchedule("the stored job has no source or no interval or cron trigger")
    try:
        table = source_table(Source(**source))
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise UnreadableSchedule(f"the stored source cannot be read ({exc})") from None
    next_run = state.get("next_run_time")
    start = getattr(trigger, "start_date", None) if isinstance(trigger, IntervalTrigger) else None
    return {"format": FORMAT, "name": source.get("name"), "source": table, "timezone": _zone_name(trigger.timezone),
            "start": start.isoformat() if isinstance(start, datetime) else None,
            "next_run_time": next_run.isoformat() if isinstance(next_run, datetime) else None}


def _zone_name(zone: tzinfo | None) -> str | None:
    key = getattr(zone, "key", None) or getattr(zone, "zone", None)  # zoneinfo, pytz
    if key is None and zone is not None:
        key = "UTC" if zone.utcoffset(None) == timedelta(0) else None
    return key


# --- JSON rows ---------------------------------------------------------------------------------

def job_to_state(job: Job) -> dict[str, Any]:
    """What is stored of a job: its source's definition, its trigger's zone, its next run time."""
    if job.func_ref != RUN_SOURCE:
        raise ValueError(f"a schedule runs {RUN_SOURCE}, not {job.func_ref}")
    source = Source(**job.kwargs["source"])
    trigger = job.trigger
    start = trigger.start_date if isinstance(trigger, IntervalTrigger) else None
    return {"format": FORMAT, "name": source.name, "source": source_table(source),
            "timezone": _zone_name(trigger.timezone), "start": start.isoformat() if start else None,
            "next_run_time": job.next_run_time.isoformat() if job.next_run_time else None}


def _moment(value: Any, zone: tzinfo, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnreadableSchedule(f"{what} is not a date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UnreadableSchedule(f"{what} {value[:40]!r} is not an ISO date and time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(zone)


class JobStore(SQLAlchemyJobStore):
    """APScheduler's job store on the schedule table, with rows of JSON (see the module).
    ``options`` give every job its run policy; ``migrate`` rewrites a pickled row as JSON when
    it is read (a read-only store only reads it); ``max_bytes`` bounds what a row may hold.
    A row that cannot be read lands in :attr:`unreadable` (and is logged, if ``log_unreadable``)."""

    def __init__(self, *, engine: Any, tablename: str, job_options: dict[str, Any], max_bytes: int,
                 migrate: bool = True, log_unreadable: bool = True) -> None:
        super().__init__(engine=engine, tablename=tablename)
        self.job_options = job_options
        self.max_bytes = max_bytes
        self.migrate = migrate
        self.log_unreadable = log_unreadable
        self.unreadable: dict[str, str] = {}  # row id -> why it was not read (reported once each)

    # reading ---------------------------------------------------------------------------------
    def _reconstitute_job(self, job_id: str, raw: bytes) -> Job:  # type: ignore[override]
        if raw is None or len(raw) > self.max_bytes:
            raise UnreadableSchedule(f"it holds {len(raw or b'')} bytes; a schedule holds at most {self.max_bytes}")
        raw = bytes(raw)
        legacy = not raw.lstrip().startswith(b"{")
        state = _legacy_state(raw) if legacy else _json_state(raw)
        try:
            job = self._job(job_id, state)
        except UnreadableSchedule:
            raise
        except Exception as exc:  # noqa: BLE001 - a value no trigger takes (too large, out of range)
            raise UnreadableSchedule(f"{type(exc).__name__}: {str(exc)[:80]}") from None
        if legacy and self.migrate:
            self.update_job(job)
            logger.info("schedule %s: rewritten from APScheduler's pickle to newsdedup's JSON format", job_id)
        return job

    def _job(self, job_id: str, state: dict[str, Any]) -> Job:
        if state.get("format") != FORMAT:
            raise UnreadableSchedule(f"its format is {str(state.get('format'))[:40]!r}, not {FORMAT!r}")
        if state.get("name") != job_id:
            raise UnreadableSchedule(f"it holds the source {str(state.get('name'))[:40]!r}")
        try:
            source = source_from_table("stored schedule", job_id, state.get("source"))
            zone = zoneinfo.ZoneInfo(state["timezone"]) if state.get("timezone") else self._scheduler.timezone
        except (ConfigError, ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError) as exc:
            raise UnreadableSchedule(str(exc)) from None
        start = _moment(state.get("start"), zone, "start")
        if source.every is not None:
            trigger: IntervalTrigger | CronTrigger = IntervalTrigger(
                seconds=int(source.every.total_seconds()), start_date=start, timezone=zone)
        else:
            trigger = CronTrigger.from_crontab(source.cron, timezone=zone)
        job = Job.__new__(Job)
        job.__setstate__({"version": 1, "id": job_id, "func": RUN_SOURCE, "trigger": trigger,
                          "executor": "default", "args": (), "kwargs": {"source": dataclasses.asdict(source)},
                          "name": job_id, "next_run_time": _moment(state.get("next_run_time"), zone, "next_run_time"),
                          **self.job_options})
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _get_jobs(self, *conditions: Any) -> list[Job]:
        """The readable jobs; an unreadable row is reported once and kept (APScheduler deletes it)."""
        jobs = []
        selectable = select(self.jobs_t.c.id, self.jobs_t.c.job_state).order_by(self.jobs_t.c.next_run_time)
        selectable = selectable.where(and_(*conditions)) if conditions else selectable
        with self.engine.begin() as connection:
            rows = connection.execute(selectable).all()
        for row in rows:
            try:
                jobs.append(self._reconstitute_job(row.id, row.job_state))
            except UnreadableSchedule as exc:
                self._unreadable(row.id, str(exc))
        return jobs

    def _unreadable(self, job_id: str, why: str) -> None:
        if job_id not in self.unreadable:
            self.unreadable[job_id] = why
            if self.log_unreadable:
                logger.warning("%s", unreadable_message(job_id, why))

    def lookup_job(self, job_id: str) -> Job | None:
        with self.engine.begin() as connection:
            raw = connection.execute(select(self.jobs_t.c.job_state).where(self.jobs_t.c.id == job_id)).scalar()
        if raw is None:
            return None
        try:
            return self._reconstitute_job(job_id, raw)
        except UnreadableSchedule as exc:
            self._unreadable(job_id, str(exc))
            return None

    def get_next_run_time(self) -> datetime | None:
        """The earliest next run of a readable job (an unreadable row's time would wake the
        scheduler again and again)."""
        selectable = (select(self.jobs_t.c.id, self.jobs_t.c.next_run_time)
                      .where(self.jobs_t.c.next_run_time != null()).order_by(self.jobs_t.c.next_run_time))
        with self.engine.begin() as connection:
            for job_id, next_run in connection.execute(selectable):
                if job_id in self.unreadable:
                    continue
                try:
                    return datetime.fromtimestamp(next_run, timezone.utc)
                except (OverflowError, ValueError, OSError):  # a time no clock reaches: not a run
                    continue
        return None

    # writing ---------------------------------------------------------------------------------
    def _values(self, job: Job) -> dict[str, Any]:
        state = json.dumps(job_to_state(job), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return {"next_run_time": datetime_to_utc_timestamp(job.next_run_time), "job_state": state}

    def add_job(self, job: Job) -> None:
        with self.engine.begin() as connection:
            try:
                connection.execute(self.jobs_t.insert().values(id=job.id, **self._values(job)))
            except IntegrityError:
                raise ConflictingIdError(job.id) from None

    def update_job(self, job: Job) -> None:
        with self.engine.begin() as connection:
            result = connection.execute(self.jobs_t.update().values(**self._values(job))
                                        .where(self.jobs_t.c.id == job.id))
        if result.rowcount == 0:
            raise JobLookupError(job.id)
        self.unreadable.pop(job.id, None)  # a schedule added again over an unreadable row


def _json_state(raw: bytes) -> dict[str, Any]:
    try:
        state = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise UnreadableSchedule(f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(state, dict):
        raise UnreadableSchedule("not a JSON object")
    return state


def unreadable_message(job_id: str, why: str) -> str:
    """The one line that reports a stored schedule that was not read."""
    name = repr(job_id[:80])  # repr: escapes whatever the row's id holds
    why = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in why[:300])
    return (f"schedule {name} was not read: {why}; the row is kept: add the schedule again with "
            f"`newsdedup schedule add {name} ...`, or drop it with `newsdedup schedule remove {name}`")
