"""Schedules in the database, and ``newsdedup scheduler`` running them against the news world."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import MetaData, Table, inspect, select, update

from pipeline.crawl.scheduler import RUN_SOURCE, Schedules, job_store, run_source
from pipeline.crawl.sources import Source, command_line_source
from pipeline.errors import NewsdedupError
from pipeline.store.database import Database
from settings.config import ScheduleOptions
from tests.conftest import ROOT, make_config, run_cli
from tests.newsworld import SEED_STORIES, NewsWorld


def test_schedules_are_stored_replaced_listed_and_removed(db_url: str) -> None:
    options = make_config(db_url).schedule
    wire = command_line_source(["https://example.com/rss.xml"], [], [], name="wire", every="30m")
    nightly = command_line_source([], ["https://example.com/sitemap.xml"], [], name="nightly", cron="0 3 * * *")
    db = Database(db_url)
    with Schedules(db, options) as schedules:
        assert schedules.add(wire) is False and schedules.add(nightly) is False
        assert schedules.add(wire) is True  # same name: replaced
    db.dispose()

    db = Database(db_url)  # a new process would see the same
    with Schedules(db, options) as schedules:
        found = {s.source.name: s for s in schedules.list()}
        assert sorted(found) == ["nightly", "wire"]
        assert found["wire"].source == wire and found["wire"].when == "every 30m"
        assert found["wire"].next_run is not None and abs(
            found["wire"].next_run.timestamp() - time.time()) < 60  # an interval runs first at once
        assert found["nightly"].when == "cron 0 3 * * *"
        assert found["nightly"].next_run is not None and (found["nightly"].next_run.hour,
                                                          found["nightly"].next_run.minute) == (3, 0)
        schedules.remove("wire")
        with pytest.raises(NewsdedupError, match="no schedule named 'wire' \\(scheduled: nightly\\)"):
            schedules.remove("wire")
        assert [s.source.name for s in schedules.list()] == ["nightly"]
    db.dispose()


def test_listing_schedules_creates_nothing(db_url: str, tmp_path: Path) -> None:
    options = make_config(db_url).schedule

    def has_schedule_table() -> bool:
        reader = Database(db_url, readonly=True)
        try:
            return inspect(reader.engine).has_table(options.table)
        finally:
            reader.dispose()

    Database(db_url).dispose()  # a newsdedup database that has never had a schedule
    with Schedules(Database(db_url, readonly=True), options) as schedules:  # closing it disposes the handle
        assert schedules.list() == []
    assert not has_schedule_table()
    assert run_cli("schedule", "list", "--db", db_url, check=True).stdout.startswith("no schedules")
    assert not has_schedule_table()

    with Schedules(Database(db_url), options) as schedules:
        schedules.add(command_line_source(["https://example.com/rss.xml"], [], [], name="wire", every="30m"))
    with Schedules(Database(db_url, readonly=True), options) as schedules:
        assert [s.source.name for s in schedules.list()] == ["wire"]

    missing = tmp_path / "elsewhere" / "none.db"
    missing.parent.mkdir()
    listed = run_cli("schedule", "list", "--db", f"sqlite:///{missing}")
    assert listed.returncode == 2 and listed.stderr == f"error: no database at {missing}\n"
    assert list(missing.parent.iterdir()) == []


def store_as_release_0_1(db_url: str, options: ScheduleOptions, source: Source, func: str = RUN_SOURCE) -> None:
    """A schedule as newsdedup 0.1 stored it: APScheduler's own job store, the job pickled (the
    state is made here, by the test: it is trusted); ``func`` as that release named the job."""
    db = Database(db_url)
    store = SQLAlchemyJobStore(engine=db.engine, tablename=options.table)
    scheduler = BackgroundScheduler(timezone=options.timezone or None)
    store.start(scheduler, "default")
    trigger = IntervalTrigger(seconds=int(source.every.total_seconds()), timezone=scheduler.timezone) \
        if source.every else CronTrigger.from_crontab(source.cron, timezone=scheduler.timezone)
    store.add_job(Job(scheduler, id=source.name, name=source.name, func=RUN_SOURCE, trigger=trigger,
                      executor="default", args=(), kwargs={"source": dataclasses.asdict(source)},
                      next_run_time=trigger.get_next_fire_time(None, datetime.now(scheduler.timezone)),
                      coalesce=True, max_instances=1, misfire_grace_time=options.misfire_grace_seconds))
    if func != RUN_SOURCE:
        with db.engine.begin() as conn:
            table = store.jobs_t
            state = pickle.loads(conn.execute(select(table.c.job_state).where(table.c.id == source.name)).scalar_one())
            state["func"] = func
            conn.execute(update(table).where(table.c.id == source.name)
                         .values(job_state=pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))
    store.shutdown()


def stored_states(db_url: str, options: ScheduleOptions) -> dict[str, bytes]:
    db = Database(db_url, readonly=True)
    table = Table(options.table, MetaData(), autoload_with=db.engine)
    with db.engine.connect() as conn:
        states = {i: bytes(s) for i, s in conn.execute(select(table.c.id, table.c.job_state))}
    db.dispose()
    return states


def test_schedules_stored_by_an_older_newsdedup_are_listed_run_and_kept(db_url: str) -> None:
    """newsdedup 0.1 stored schedules as APScheduler's pickles, some naming their job
    ``pipeline.scheduler:run_source`` (a module that is gone: APScheduler would delete such a
    row on its first read). They are read without unpickling anything but a schedule's parts,
    listed, run the same function, and rewritten as JSON by the first store that may write."""
    options = make_config(db_url).schedule
    wire = command_line_source(["https://example.com/rss.xml"], [], [], name="wire", every="30m")
    nightly = command_line_source([], ["https://example.com/sitemap.xml"], [], name="nightly", cron="0 3 * * *")
    store_as_release_0_1(db_url, options, wire, func="pipeline.scheduler:run_source")
    store_as_release_0_1(db_url, options, nightly)
    pickled = stored_states(db_url, options)

    with Schedules(Database(db_url, readonly=True), options) as schedules:
        found = {s.source.name: s for s in schedules.list()}
        assert [found["nightly"].source, found["wire"].source] == [nightly, wire]
        assert (found["nightly"].next_run.hour, found["nightly"].next_run.minute) == (3, 0)
        assert schedules.unreadable() == []
    assert stored_states(db_url, options) == pickled  # a read-only listing changes nothing
    listed = run_cli("schedule", "list", "--db", db_url, check=True)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["nightly", "wire"] and listed.stderr == ""

    db = Database(db_url)
    with Schedules(db, options) as schedules:  # the running scheduler's store, or `schedule add/remove`
        jobs = {j.id: j for j in schedules._store.get_all_jobs()}
        assert jobs["wire"].func is run_source and jobs["wire"].kwargs["source"]["name"] == "wire"
    states = {i: json.loads(s) for i, s in stored_states(db_url, options).items()}  # JSON now: data, no code
    assert states["wire"]["source"]["every"] == "1800s" and states["nightly"]["source"]["cron"] == "0 3 * * *"
    assert states["wire"]["next_run_time"] == jobs["wire"].next_run_time.isoformat()
    with Schedules(Database(db_url, readonly=True), options) as schedules:
        assert [s.source for s in schedules.list()] == [nightly, wire]
    db.dispose()


class CreatesAFile:
    """What a hostile row holds: unpickling it would create ``path`` (it runs ``open``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.path), "w"))


def test_a_stored_row_that_would_run_code_is_never_run_reported_and_kept(db_url: str, tmp_path: Path) -> None:
    options = make_config(db_url).schedule
    wire = command_line_source(["https://example.com/rss.xml"], [], [], name="wire", every="30m")
    with Schedules(Database(db_url), options) as schedules:
        schedules.add(wire)
    marker = tmp_path / "pwned"
    hostile = {
        "evil": pickle.dumps({"version": 1, "id": "evil", "func": RUN_SOURCE, "x": CreatesAFile(marker)}),
        "bare": pickle.dumps(CreatesAFile(marker)),
        "json": b'{"format": "newsdedup-schedule/1", "name": "json", "source": {"feeds": ["x"]}}',
        "deep": b'{"source": ' + b"[" * 60_000,
        "\x1b[31mred": b"\x00garbage",
    }
    db = Database(db_url)
    table = Table(options.table, MetaData(), autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "next_run_time": 0.0, "job_state": s} for i, s in hostile.items()])
    db.dispose()

    listed = run_cli("schedule", "list", "--db", db_url)
    assert not marker.exists()
    assert listed.returncode == 0 and [line.split()[0] for line in listed.stdout.splitlines()] == ["wire"]
    warnings = listed.stderr.splitlines()
    assert len(warnings) == len(hostile) and all(w.startswith("warning: schedule ") for w in warnings), warnings
    assert "'evil' was not read: not a schedule pickled by newsdedup 0.1 (builtins.io.open" in listed.stderr \
        or "'evil' was not read: not a schedule pickled by newsdedup 0.1 (io.open" in listed.stderr
    assert "\x1b" not in listed.stderr  # the row's id is printed escaped
    assert "newsdedup schedule remove 'evil'" in listed.stderr

    db = Database(db_url)
    store = job_store(db, options)  # the running scheduler's: it skips them, and does not wake for them
    store.start(BackgroundScheduler(timezone=options.timezone or None), "default")
    assert [j.id for j in store.get_due_jobs(datetime.now(timezone.utc))] == ["wire"]
    assert store.get_next_run_time().timestamp() > 1  # not the hostile rows' 0
    store.shutdown()
    assert not marker.exists()
    assert set(stored_states(db_url, options)) == {*hostile, "wire"}  # nothing deleted
    run_cli("schedule", "remove", "evil", "--db", db_url, check=True)
    assert "evil" not in stored_states(db_url, options)
    db.dispose()


def test_schedule_commands(news_world: NewsWorld, tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(news_world.sources_toml(every="1h"), encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path / 's.db'}"]
    assert run_cli("schedule", "add", "--sources", str(path), *db, check=True).stdout.splitlines() == [
        "added hafenblatt: every 1h", "added courier: every 1h"]
    assert run_cli("schedule", "add", "courier", "--cron", "*/15 * * * *", "--sources", str(path), *db,
                   check=True).stdout == "replaced courier: cron */15 * * * *\n"
    assert run_cli("schedule", "add", "extra", "--feed", f"{news_world.courier.url}/feed.xml", "--every", "90s",
                   *db, check=True).stdout == "added extra: every 90s\n"
    listed = run_cli("schedule", "list", *db, check=True).stdout.splitlines()
    assert [line.split()[:3] for line in listed] == [
        ["courier", "cron", "*/15"], ["extra", "every", "90s"], ["hafenblatt", "every", "1h"]]
    assert all("last run: none" in line for line in listed)
    assert run_cli("schedule", "remove", "extra", *db, check=True).stdout == "removed extra\n"
    for args, message in [
        (("add", "x", "--feed", "https://example.com/rss", "--every", "1h", "--cron", "0 * * * *"), "not both"),
        (("add", "x", "--feed", "https://example.com/rss"), "needs a schedule"),
        (("add", "x", "--feed", "https://example.com/rss", "--every", "soon"), "not an interval"),
        (("add", "nope", "--sources", str(path)), "no source named nope"),
        (("remove", "extra"), "no schedule named 'extra'"),
    ]:
        bad = run_cli("schedule", *args, *db)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)


# --- the long-running scheduler ------------------------------------------------------------

@contextmanager
def scheduler(db: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``newsdedup scheduler`` in its own process, polling its schedules every second."""
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "scheduler", "--db", f"sqlite:///{db}"],
                                cwd=ROOT, stderr=out, stdout=out,
                                env={**os.environ, "NEWSDEDUP_SCHEDULER_POLL_SECONDS": "0.5"})
    try:
        yield proc
    except BaseException:
        print(log.read_text(encoding="utf-8"))  # shown by pytest with the failure
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # no table yet
            return []


def wait_for(check: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def finished_runs(db: Path) -> int:
    return query(db, "select count(*) from runs where status != 'running'")[0][0] if query(
        db, "select 1 from runs limit 1") else 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def schedule_world(world: NewsWorld, tmp_path: Path, every: str, politeness: str = "") -> Path:
    """Schedule both outlets (sources file -> ``schedule add``); return the database's path."""
    path = tmp_path / "sources.toml"
    path.write_text(world.sources_toml(every=every, politeness=politeness), encoding="utf-8")
    db = tmp_path / "w.db"
    run_cli("schedule", "add", "--sources", str(path), "--db", f"sqlite:///{db}", check=True)
    return db


def stories(db: Path) -> dict[str, set[str]]:
    """Each article's title with the URLs of all its pages."""
    out: dict[str, set[str]] = {}
    for title, uri in query(db, "select a.title, p.uri from articles a join provenance p on p.article_id = a.id"):
        out.setdefault(title, set()).add(uri)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads memory from /proc")
def test_scheduled_runs_fetch_only_what_is_new_and_the_scheduler_does_not_grow(news_world: NewsWorld,
                                                                                tmp_path: Path) -> None:
    db = schedule_world(news_world, tmp_path, every="1s")
    log = tmp_path / "scheduler.log"
    h, c = news_world.hafenblatt, news_world.courier
    with scheduler(db, log) as proc:
        wait_for(lambda: len(stories(db)) == 4, "the first runs")
        assert {len(urls) for urls in stories(db).values()} == {1, 2}  # two stories carried by both outlets
        memory = [rss_kb(proc.pid)]

        # more stories are published: one by the Hafenblatt, syndicated by the Courier
        h.requests.clear()
        c.requests.clear()
        h.publish("story-4", SEED_STORIES[4])
        c.publish("wire-d", SEED_STORIES[4], f"{h.url}/news/story-4.html")
        wait_for(lambda: len(stories(db)) == 5 and len(stories(db)[SEED_STORIES[4].title]) == 2, "the new story")
        runs_then = finished_runs(db)
        wait_for(lambda: finished_runs(db) >= runs_then + 8, "eight more runs")  # each a new spider process
        memory.append(rss_kb(proc.pid))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0

    assert stories(db)[SEED_STORIES[4].title] == {f"{h.url}/news/story-4.html", f"{c.url}/news/wire-d.html"}
    # only what is new was fetched: each new page once, no stored page again
    pages = [p for p in h.requests + c.requests if p.startswith("/news/")]
    assert sorted(pages) == ["/news/story-4.html", "/news/wire-d.html"]
    assert h.requests.count("/feed.xml") >= 4 and c.requests.count("/sitemap.xml") >= 4
    assert query(db, "select count(*), count(distinct uri) from provenance") == [(8, 8)]
    assert memory[1] - memory[0] < 8 * 1024, memory  # kB: runs are processes; the scheduler stays flat
    text = log.read_text(encoding="utf-8")
    assert "scheduler started" in text and "scheduler stopped after" in text
    assert text.count("scheduled run (run ") >= 10  # a log line per run
    kinds = query(db, "select kind, args from runs")
    assert {k for k, _ in kinds} == {"crawl:feeds", "crawl:sitemaps"}
    assert all('"trigger=schedule"' in a for _, a in kinds)


def test_killing_the_scheduler_mid_run_loses_nothing_duplicates_nothing_and_keeps_the_schedule(
        news_world: NewsWorld, tmp_path: Path) -> None:
    db = schedule_world(news_world, tmp_path, every="2s", politeness="concurrent_requests_per_domain = 1\n")
    news_world.courier.server.delay = 1.5  # each Courier page takes 1.5 s: a run takes several
    log = tmp_path / "scheduler.log"

    def courier_mid_run() -> bool:
        latest = query(db, "select status from runs where kind = 'crawl:sitemaps' order by id desc limit 1")
        return latest == [("running",)] and any(p.startswith("/news/") for p in news_world.courier.requests)

    with scheduler(db, log) as proc:
        wait_for(courier_mid_run, "a Courier run in flight")
        spider_pid = query(db, "select pid from runs where status = 'running'")[0][0]
        proc.kill()  # SIGKILL: no chance to clean up
        proc.wait()
    wait_for(lambda: not Path(f"/proc/{spider_pid}").exists()
             or "State:\tZ" in Path(f"/proc/{spider_pid}/status").read_text(), "the spider to die with it", 10)
    assert len(run_cli("schedule", "list", "--db", f"sqlite:///{db}", check=True).stdout.splitlines()) == 2

    news_world.courier.server.delay = 0.3
    with scheduler(db, log) as proc:
        wait_for(lambda: len(stories(db)) == 4 and sum(map(len, stories(db).values())) == 6, "the restarted runs")
        # a clean stop in the middle of a run: the spider stops gracefully, the scheduler exits 0
        news_world.courier.server.delay = 1.5
        news_world.courier.requests.clear()
        news_world.courier.publish("own-e", SEED_STORIES[4])
        wait_for(courier_mid_run, "another Courier run in flight")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0

    assert query(db, "select count(*), count(distinct uri) from provenance")[0][0] == query(
        db, "select count(distinct uri) from provenance")[0][0]  # no page stored twice
    assert len(query(db, "select id from articles")) in (4, 5)  # the fifth if its page was fetched before the stop
    statuses = [s for (s,) in query(db, "select status from runs order by id")]
    assert "abandoned" in statuses  # the killed run, marked when the scheduler came back
    assert statuses[-1] in ("interrupted", "completed") and "running" not in statuses
    text = log.read_text(encoding="utf-8")
    assert "marked abandoned" in text and "SIGTERM: stopping" in text
    assert len(run_cli("schedule", "list", "--db", f"sqlite:///{db}", check=True).stdout.splitlines()) == 2
    # a later run completes what the stop left: nothing is lost
    news_world.courier.server.delay = 0
    last = query(db, "select max(id) from runs")[0][0]
    with scheduler(db, log) as proc:
        wait_for(lambda: query(db, f"select count(*) from runs where kind = 'crawl:sitemaps' and id > {last} "
                                   "and status = 'completed'")[0][0] > 0, "a complete Courier run")
        assert len(stories(db)) == 5  # the story published before the stop
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    assert query(db, "select count(*), count(distinct uri) from provenance") == [(7, 7)]
