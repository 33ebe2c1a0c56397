"""Spider runs, one process each: start them, stop them, and read back what they did.

Scrapy's reactor cannot be restarted inside a process, and a long-lived crawler
process grows over days; so every spider run is a fresh ``python -m scrapy crawl``,
for ``newsdedup crawl`` and for the scheduler alike. Each run records itself in the
``runs`` table (with its source, trigger, host and pid); :class:`CrawlRunner` reads
that row back for the summary.

Stopping: :meth:`CrawlRunner.stop` sends the spider in flight SIGTERM (Scrapy's
graceful stop: the requests under way finish, the stages commit, the run is marked
``interrupted``), or SIGKILL when forced (the uncommitted batch is rolled back; the
run is marked ``abandoned`` by the next command that writes, :mod:`pipeline.store.writers`). A spider process also
dies when its parent does (:class:`DieWithParent`, Linux), so killing the scheduler
never leaves a crawl behind that could race the next one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import func, select

from pipeline.crawl.sources import OUTLET, Source
from pipeline.errors import NewsdedupError
from pipeline.store.database import Database
from pipeline.store.models import Run
from pipeline.store.writers import WriterLock, mark_dead_runs

logger = logging.getLogger("newsdedup")

# spider name -> (its URL argument, the Source field that lists its URLs)
SPIDERS = {"feeds": ("feeds", "feeds"), "sitemaps": ("sitemaps", "sitemaps"), "sites": ("urls", "start_urls")}
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class CrawlResult:
    """What one spider run did (from its ``runs`` row)."""

    source: str
    spider: str
    status: str
    fetched: int
    new_articles: int
    duplicates: int
    skipped: int
    failures: int
    run_id: int | None = None
    error: str | None = None  # why a failed run stopped

    def line(self) -> str:
        return (f"{self.source} ({self.spider}): {self.status}; {self.fetched} pages fetched, "
                f"{self.new_articles} new articles, {self.duplicates} duplicates, "
                f"{self.skipped} skipped as seen, {self.failures} failures"
                + (f" ({self.error})" if self.error else ""))


def spider_commands(source: Source) -> list[tuple[str, list[str]]]:
    """``(spider, argv)`` for each kind of URL the source lists."""
    commands = []
    for spider, (argument, field) in SPIDERS.items():
        urls: tuple[str, ...] = getattr(source, field)
        if not urls:
            continue
        argv = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"{argument}={','.join(urls)}"]
        if spider == "sites":
            argv += ["-a", f"domains={','.join(source.allowed_domains)}", "-a", f"depth={source.depth}"]
        if source.refetch:
            argv += ["-a", "refetch=true"]
        for name, value in source.settings.items():
            argv += ["-s", f"{name}={value}"]
        if source.outlet:
            argv += ["-s", f"{OUTLET}={source.outlet}"]
        commands.append((spider, argv))
    return commands


def run_labels(source: str, trigger: str) -> list[str]:
    """What a spider run stores in ``runs.args``: its source and trigger (its host and pid are
    in ``runs.host`` and ``runs.pid``)."""
    return [f"source={source}", f"trigger={trigger}"]


class CrawlRunner:
    """Runs sources' spiders one process at a time, on one database; thread-safe :meth:`stop`."""

    def __init__(self, db: Database, *, trigger: str = "manual", log_level: str = "WARNING",
                 env: Mapping[str, str] | None = None, timeout: float | None = None, wait: bool = False) -> None:
        self.db = db
        self.trigger = trigger
        self.log_level = log_level
        self.timeout = timeout
        self.wait = wait  # for another writer of a SQLite file (else a spider run stops, exit 2)
        self.env = {**os.environ, **(env or {}), "NEWSDEDUP_DB": db.url, "SCRAPY_SETTINGS_MODULE": "settings",
                    **({"NEWSDEDUP_WRITER_WAIT_SECONDS": "inf"} if wait else {})}
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def run(self, source: Source) -> list[CrawlResult]:
        """Every spider the source needs, one after the other; what each did. A spider process
        that fails (exit status not 0, unless it was stopped) raises :class:`NewsdedupError`;
        the runs before it, and what it stored, are kept."""
        results = []
        for spider, argv in spider_commands(source):
            if self.stopping:
                break
            if not self.wait:  # said here, in one line, rather than by the spider process
                WriterLock(self.db.url, f"crawl:{spider}").refuse_if_taken()
            before = self._last_run_id()
            argv = [*argv, "-s", f"LOG_LEVEL={self.log_level}", "-s", f"NEWSDEDUP_SOURCE={source.name}",
                    "-s", f"NEWSDEDUP_TRIGGER={self.trigger}", "-s", f"NEWSDEDUP_PARENT_PID={os.getpid()}"]
            with self._lock:
                if self.stopping:
                    break
                # its own session: a Ctrl-C in the terminal reaches this process only, which
                # then stops the spider once, gracefully (two signals would force Scrapy)
                self._child = subprocess.Popen(argv, env=self.env, start_new_session=True)
            try:
                code = self._child.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
                raise NewsdedupError(f"crawl of {source.name} ({spider}) took longer than {self.timeout} s; "
                                     "stopped (what it stored is kept)") from None
            finally:
                with self._lock:
                    self._child = None
            if code != 0 and not self.stopping:
                raise NewsdedupError(f"crawl of {source.name} ({spider}) failed (exit {code}); see its log above")
            if code != 0:
                mark_dead_runs(self.db)
            results.append(self._result(before, source.name, spider))
        return results

    def stop(self, force: bool = False) -> None:
        """Run no further spider; ask the one in flight to stop (SIGTERM), or kill it (``force``)."""
        with self._lock:
            self.stopping = True
            if self._child is not None and self._child.poll() is None:
                self._child.send_signal(signal.SIGKILL if force else signal.SIGTERM)

    def _last_run_id(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.max(Run.id))) or 0

    def _result(self, after: int, source: str, spider: str) -> CrawlResult:
        with self.db.session() as s:
            run = s.scalars(select(Run).where(Run.id > after, Run.kind == f"crawl:{spider}")
                            .order_by(Run.id.desc()).limit(1)).first()
            if run is None:
                return CrawlResult(source, spider, "no-run", 0, 0, 0, 0, 0)
            stats: dict[str, Any] = run.stats or {}
            return CrawlResult(source, spider, run.status, int(stats.get("newsdedup/fetched/pages", 0)),
                               run.new_articles, run.duplicates, run.skipped, run.failures, run.id, run.error)


class DieWithParent:
    """Scrapy extension (on in ``settings.EXTENSIONS``): a spider process started with
    ``NEWSDEDUP_PARENT_PID`` is killed by the kernel when that parent dies (Linux
    ``PR_SET_PDEATHSIG``). Its uncommitted batch is rolled back, nothing half-written is
    kept, and the next scheduled run fetches what it had not stored. Elsewhere, and for a
    plain ``scrapy crawl``, it does nothing."""

    def __init__(self, parent: int) -> None:
        self.parent = parent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DieWithParent:
        parent = crawler.settings.getint("NEWSDEDUP_PARENT_PID")
        if not parent or not sys.platform.startswith("linux"):
            raise NotConfigured
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise NotConfigured
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGKILL)
        return cls(parent)
