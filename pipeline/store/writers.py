"""Who may write: one writer per SQLite file, and no run left ``running`` by a dead process.

- :class:`WriterLock`: a run that writes documents (``ingest``, a crawl's spider process,
  ``index rebuild``, ``check --repair``) holds an exclusive ``flock`` on ``<file>.lock`` beside a
  SQLite database for as long as it writes. The in-memory dedup index sees only what its own
  process stores, so a second writer would store the same stories twice: it gets
  :class:`~pipeline.errors.DatabaseBusy` (exit 2) at once, or waits when asked (``--wait``).
  The kernel drops the lock when its process dies, however it dies. PostgreSQL has no such
  lock: its writers share the dedup index in the database (``NEWSDEDUP_DEDUP_INDEX=database``).
- :func:`abandon_dead_runs`: runs left ``running`` by a process that is gone are marked
  ``abandoned``. On SQLite, the writer lock proves it: whoever holds it is the only live
  writer, so every other ``running`` run is dead. Elsewhere a run is dead when its process
  (``runs.host``, ``runs.pid``) is not running on this host; runs of other hosts are left alone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pipeline.errors import DatabaseBusy
from pipeline.store.database import Database
from pipeline.store.models import Run, utcnow

logger = logging.getLogger("newsdedup")

LOCK_SUFFIX = ".lock"
POLL_SECONDS = 0.2  # how often a waiting writer tries the lock again
WAIT_LOG_SECONDS = 30.0  # how often it says that it is still waiting
HOLDER_READ_SECONDS = 1.0  # how long a refused writer waits for the holder to say who it is


def this_host() -> str:
    return socket.gethostname()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).absolute()


class WriterLock:
    """The one-writer rule of a SQLite file (a no-op for other databases)."""

    def __init__(self, url: str, what: str) -> None:
        db_file = sqlite_file(url)
        self.path = None if db_file is None else db_file.with_name(db_file.name + LOCK_SUFFIX)
        self.what = what  # "ingest", "crawl:feeds", ... : said to a writer that finds the file taken
        self._fd: int | None = None

    def acquire(self, wait_seconds: float = 0.0) -> None:
        """Take the lock; wait up to ``wait_seconds`` (``inf``: as long as it takes) for the
        writer that holds it; raise :class:`DatabaseBusy` when it is still taken."""
        if self.path is None or self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise DatabaseBusy(f"cannot take the writer lock {self.path}: {exc.strerror}") from None
        deadline = time.monotonic() + wait_seconds
        said: float | None = None  # when it last said it was waiting
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    os.close(fd)
                    raise self._busy(holder) from None
                if said is None or time.monotonic() - said >= WAIT_LOG_SECONDS:
                    logger.info("waiting for %s to finish writing to %s", self._holder(fd), self.path.with_suffix(""))
                    said = time.monotonic()
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": this_host(), "what": self.what,
                                  "argv": sys.argv[:4]}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def _busy(self, holder: str) -> DatabaseBusy:
        assert self.path is not None
        return DatabaseBusy(f"another newsdedup process ({holder}) is writing to {self.path.with_suffix('')}: "
                            "SQLite takes one writer at a time; wait for it to finish, or pass --wait "
                            "(several writers need PostgreSQL)")

    def refuse_if_taken(self) -> None:
        """Raise :class:`DatabaseBusy` now if another process holds the lock (a command that
        starts writers of its own, ``newsdedup crawl``, says so before it starts them)."""
        holder = self._other_writer()
        if holder is not None:
            raise self._busy(holder)

    def probe(self) -> bool | None:
        """Whether another process writes to the SQLite file now (None: not a SQLite file).
        Creates nothing: a file no writer ever locked has no lock file."""
        return None if self.path is None else self._other_writer() is not None

    def _other_writer(self) -> str | None:
        """Who holds the lock, when another process does."""
        if self.path is None or self._fd is not None:
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return None
        except BlockingIOError:
            return self._holder(fd)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        """True when this process holds the lock of a SQLite file."""
        return self._fd is not None

    @staticmethod
    def _holder(fd: int) -> str:
        """Who holds the lock, as its holder wrote it down. The holder writes once it has the
        lock: a file still empty is read again for up to HOLDER_READ_SECONDS."""
        deadline = time.monotonic() + HOLDER_READ_SECONDS
        try:
            raw = os.pread(fd, 4096, 0)
            while not raw and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS / 10)
                raw = os.pread(fd, 4096, 0)
            info = json.loads(raw or b"{}")
            return f"{info.get('what', '?')}, pid {info.get('pid', '?')}"
        except (OSError, ValueError):
            return "unknown"


def abandon_dead_runs(session: Session, *, sole_writer: bool) -> int:
    """Mark ``abandoned`` the runs left ``running`` by processes that are gone, in the caller's
    transaction (commit it); return how many. ``sole_writer``: the caller holds the SQLite
    writer lock, so no other run is alive."""
    host = this_host()
    dead = []
    for run in session.scalars(select(Run).where(Run.status == "running")):
        if run.pid == os.getpid() and run.host == host:
            continue  # this process's own run
        if sole_writer or (run.host == host and run.pid is not None and not alive(run.pid)):
            dead.append(run.id)
    if dead:
        session.execute(update(Run).where(Run.id.in_(dead))
                        .values(status="abandoned", finished_at=utcnow(),
                                error="its process ended without closing the run (killed?)"))
    return len(dead)


def mark_dead_runs(db: Database, lock: WriterLock | None = None) -> int:
    """:func:`abandon_dead_runs` in a transaction of its own, for a command that writes outside a
    run (the scheduler, ``newsdedup crawl``, ``schedule add``, ``index rebuild``, ...): by pid, or
    every ``running`` run when ``lock`` holds the SQLite writer lock; returns how many."""
    with db.session() as session:
        n = abandon_dead_runs(session, sole_writer=lock is not None and lock.held)
        session.commit()
    if n:
        logger.warning("%d run(s) left running by a process that is gone marked abandoned", n)
    return n


@contextmanager
def sole_writer(url: str, what: str, wait_seconds: float = 0.0) -> Iterator[WriterLock]:
    """Hold the SQLite writer lock (:class:`WriterLock`) for a command that rewrites what runs
    depend on (``index rebuild``, ``db upgrade``)."""
    lock = WriterLock(url, what)
    lock.acquire(wait_seconds)
    try:
        yield lock
    finally:
        lock.release()


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, dead but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): trust kill()
        return True
