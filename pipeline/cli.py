"""The ``newsdedup`` command line."""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from pipeline.errors import ConfigError, NewsdedupError
from pipeline.store.database import Database
from pipeline.terminal import json_text, printable

F = TypeVar("F", bound=Callable[..., Any])
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130

db_option = click.option(
    "--db", "db_url", metavar="URL", envvar=None,
    help="SQLAlchemy database URL. Default: $NEWSDEDUP_DB, else sqlite:///newsdedup.db.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
wait_option = click.option(
    "--wait", is_flag=True,
    help="If another newsdedup process is writing to the SQLite file, wait for it to finish "
         "(default: stop at once with exit 2; $NEWSDEDUP_WRITER_WAIT_SECONDS sets a limit).")


follow_symlinks_option = click.option(
    "--follow-symlinks/--no-follow-symlinks", default=None,
    help="Read links inside a folder that lead out of it, and walk linked folders "
         "(default: $NEWSDEDUP_FOLLOW_SYMLINKS, else no: such links are recorded as outside-input).")


def _wait(wait: bool) -> str | None:
    """The writer-wait setting a --wait flag gives: no limit."""
    return "inf" if wait else None


def _config(db_url: str | None = None, **overrides: Any):  # noqa: ANN202 - settings.config.Config
    from settings.config import load_config

    try:
        return load_config({"NEWSDEDUP_DB": db_url, **overrides})
    except ValueError as exc:  # a bad environment value
        raise NewsdedupError(f"bad setting: {exc}") from None


def echo(message: Any = "", **kwargs: Any) -> None:
    """``click.echo`` of text that may hold stored data: terminal control sequences removed
    (:func:`pipeline.terminal.printable`); every command prints through this or :func:`secho`."""
    click.echo(printable(str(message)), **kwargs)


def secho(message: Any = "", **kwargs: Any) -> None:
    """``click.secho`` (styled) through :func:`pipeline.terminal.printable`, as :func:`echo`."""
    click.secho(printable(str(message)), **kwargs)


def _echo_json(data: Any) -> None:
    echo(json_text(json.dumps(data, ensure_ascii=False, indent=2)))


def fatal_errors(func: F) -> F:
    """Print newsdedup's own errors as one clear line and exit non-zero."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsdedupError as exc:
            secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_FATAL)

    return wrapper  # type: ignore[return-value]


class PrintableFormatter(logging.Formatter):
    """Log lines without terminal control sequences (:func:`pipeline.terminal.printable`)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


class OneLineErrors(click.Group):
    """The command group, whose usage errors (a bad option value, an unknown option, a missing
    argument) are one line, ``error: ... (see `newsdedup CMD --help`)``, with exit status 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group alone: its help, as click prints it
                exc.show()
                sys.exit(exc.exit_code)
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            secho(f"error: {' '.join(exc.format_message().split())}{where}", fg="red", err=True)
            sys.exit(EXIT_FATAL)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(package_name="newsdedup")
def main(verbose: int, quiet: bool) -> None:
    """newsdedup: clean news pages, find the copies of each story, and keep one
    canonical article per story with the record of every page that carried it.

    \b
    Start with:
      newsdedup ingest seeds/       clean, deduplicate and store five example pages
      newsdedup export -o out.jsonl one article per line, with its sources

    Settings come from settings/ (defaults), NEWSDEDUP_* environment
    variables, then flags. See README.md.
    """
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(message)s"))  # log lines quote pages too
    logging.basicConfig(level=level, handlers=[handler])
    if verbose < 2:
        for noisy in ("scrapy", "trafilatura", "htmldate", "py.warnings", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: on when stderr is a terminal; log lines otherwise).")
@click.option("--workers", type=click.IntRange(min=0), default=None, metavar="N",
              help="Worker processes for cleaning and fingerprinting. Default: $NEWSDEDUP_WORKERS, "
                   "else 0 = one per CPU core; 1 = none. The result is the same for any N.")
@follow_symlinks_option
@wait_option
@fatal_errors
def ingest(paths: tuple[str, ...], db_url: str | None, progress: bool | None, workers: int | None,
           follow_symlinks: bool | None, wait: bool) -> None:
    """Ingest local files and directories (recursively): .txt, .html, .htm, and
    gzip of those. Each page is cleaned, fingerprinted and either joined to the
    story it copies or stored as a new canonical article.

    Only regular files are read (a FIFO or device is recorded as
    not-a-regular-file). Inside a folder, a link that leads out of it is
    recorded as outside-input and not read, unless --follow-symlinks; a path
    named on the command line is read as given.

    Files are processed largest first (ties by path), so the same inputs in any
    order give the same stories. Every file is either stored or recorded in the
    `failures` table with its reason: a file that breaks a stage is rolled back
    alone, and the run goes on. The summary counts what is in the database.
    Re-running on the same inputs changes nothing. Ctrl-C stops after the
    current document; run again to finish.

    A SQLite file takes one writer at a time: while another newsdedup process
    writes to it, ingest stops with a message (exit 2), or waits with --wait.

    Exit status: 0 when the run completes (even with failed files), 2 on a
    fatal error (bad database URL, no readable input, database busy or lost),
    130 when interrupted.
    """
    from pipeline.runner import ingest as run_ingest

    config = _config(db_url, NEWSDEDUP_WORKERS=workers, NEWSDEDUP_WRITER_WAIT_SECONDS=_wait(wait),
                     NEWSDEDUP_FOLLOW_SYMLINKS=follow_symlinks)
    summary = run_ingest(list(paths), config, progress=progress)
    echo(f"{summary.status}: {summary.line()} (run {summary.run_id})")
    if summary.status == "interrupted":
        echo("Interrupted: run the same command again to finish.", err=True)
        sys.exit(EXIT_INTERRUPTED)


def source_options(func: F) -> F:
    """The options that name what to crawl, shared by ``crawl`` and ``schedule add``."""
    for option in reversed([
        click.option("--feed", "feeds", multiple=True, metavar="URL", help="An RSS or Atom feed (repeatable)."),
        click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
                     help="An XML or news sitemap, or a sitemap index (repeatable)."),
        click.option("--url", "urls", multiple=True, metavar="URL",
                     help="A section page whose article links are followed, depth 1 (repeatable)."),
        click.option("--sources", "sources_file", default="sources.toml", show_default=True, metavar="FILE",
                     help="The sources file that NAMES are looked up in."),
    ]):
        func = option(func)
    return func


def _chosen_sources(names: tuple[str, ...], sources_file: str, tracking: tuple[str, ...]) -> list[Any]:
    """The named sources of the file (all of them when no name is given)."""
    from pipeline.crawl.sources import load_sources

    known = load_sources(sources_file, tracking)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NewsdedupError(f"no source named {', '.join(unknown)} in {sources_file} "
                             f"(it has: {', '.join(sorted(known)) or 'none'})")
    return [known[n] for n in names] if names else list(known.values())


def _on_stop_signals(stop: Callable[[bool], None]) -> None:
    """SIGINT (Ctrl-C) and SIGTERM call ``stop(False)`` (finish or stop gracefully), a second
    one ``stop(True)`` (abandon the run in flight now)."""
    import signal

    received = []

    def handler(signum: int, _frame: Any) -> None:
        received.append(signum)
        force = len(received) > 1
        echo(f"{signal.Signals(signum).name}: " + (
            "abandoning the run in flight" if force else
            "stopping after the requests under way (again to abandon them)"), err=True)
        stop(force)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _log_level() -> str:
    """The spiders' log level: warnings (each failure), INFO with -vv."""
    return "INFO" if logging.getLogger("newsdedup").isEnabledFor(logging.DEBUG) else "WARNING"


@main.command()
@click.argument("names", nargs=-1)
@source_options
@db_option
@wait_option
@fatal_errors
def crawl(names: tuple[str, ...], feeds: tuple[str, ...], sitemaps: tuple[str, ...], urls: tuple[str, ...],
          sources_file: str, db_url: str | None, wait: bool) -> None:
    """Crawl once, now, and print what each spider run did: pages fetched, new
    articles, duplicates, pages skipped as already stored, failures.

    \b
    Crawl named sources from the sources file (all of them when no NAME and no
    URL is given), and/or the feeds, sitemaps and pages given as options:
      newsdedup crawl --feed https://example.com/rss.xml
      newsdedup crawl harbour-news --sources sources.toml

    Each spider runs in its own process, politely (robots.txt, AutoThrottle,
    per-domain limits; see settings/__init__.py). Failures are recorded in the
    `failures` table with their reason, and the crawl goes on. Ctrl-C stops
    after the requests under way (what was fetched is stored); a second Ctrl-C
    abandons them. Exit status: 0, 2 on a fatal error, 130 when interrupted.
    """
    from pipeline.crawl.runner import CrawlRunner
    from pipeline.crawl.sources import command_line_source

    config = _config(db_url)
    chosen = []
    if names or not (feeds or sitemaps or urls):
        chosen = _chosen_sources(names, sources_file, config.tracking_params)
    if feeds or sitemaps or urls:
        chosen.append(command_line_source(feeds, sitemaps, urls, config.tracking_params))
    if not chosen:
        raise NewsdedupError(f"nothing to crawl: {sources_file} lists no source, and no --feed, --sitemap or --url")
    totals = [0, 0, 0, 0, 0]
    results = []
    db = Database(config.db_url)
    try:
        runner = CrawlRunner(db, trigger="crawl", log_level=_log_level(),
                             wait=wait or config.writer_wait_seconds > 0)
        _on_stop_signals(lambda force: runner.stop(force=force))
        for source in chosen:
            for result in runner.run(source):
                results.append(result)
                echo(result.line())
                for i, n in enumerate((result.fetched, result.new_articles, result.duplicates, result.skipped,
                                       result.failures)):
                    totals[i] += n
    finally:
        db.dispose()
    echo("crawl {}: {} pages fetched, {} new articles, {} duplicates, {} skipped as seen, "
               "{} failures".format("interrupted" if runner.stopping else "done", *totals))
    if runner.stopping:
        sys.exit(EXIT_INTERRUPTED)
    if any(r.status == "failed" for r in results):
        raise NewsdedupError("a spider run failed (see its line above): what it committed is kept; "
                             "run the same command again to finish")


@main.group()
def schedule() -> None:
    """List, add and remove the sources' schedules (run by `newsdedup scheduler`).

    \b
      newsdedup schedule add harbour-news --sources sources.toml
      newsdedup schedule add wire --feed https://example.com/rss.xml --every 30m
      newsdedup schedule list
      newsdedup schedule remove wire

    Schedules are stored in the database (table `schedules`), so they survive
    restarts; a running scheduler picks up changes within
    NEWSDEDUP_SCHEDULER_POLL_SECONDS.
    """


@schedule.command("add")
@click.argument("names", nargs=-1)
@source_options
@click.option("--every", metavar="INTERVAL", help="Run at this interval: 90s, 30m, 6h, 1d (first run at once).")
@click.option("--cron", metavar="EXPR", help='Run at these times: a crontab line, e.g. "*/30 * * * *".')
@click.option("--domain", "domains", multiple=True, metavar="HOST",
              help="With --url: a domain whose links are followed (repeatable; default: the URLs' hosts).")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True,
              help="With --url: how many links deep to follow.")
@click.option("--refetch", is_flag=True, help="Fetch stored pages again (conditional requests).")
@db_option
@fatal_errors
def schedule_add(names: tuple[str, ...], feeds: tuple[str, ...], sitemaps: tuple[str, ...], urls: tuple[str, ...],
                 sources_file: str, every: str | None, cron: str | None, domains: tuple[str, ...], depth: int,
                 refetch: bool, db_url: str | None) -> None:
    """Schedule sources: NAME from the sources file with its own schedule (every
    source of the file when no NAME is given), or one new source NAME made of
    --feed/--sitemap/--url options. --every or --cron sets (or overrides) the
    schedule. A schedule of that name is replaced.
    """
    import dataclasses

    from pipeline.crawl.scheduler import Schedules, describe
    from pipeline.crawl.sources import command_line_source, parse_schedule
    from pipeline.store.writers import mark_dead_runs

    config = _config(db_url)
    if every and cron:
        raise NewsdedupError("give --every or --cron, not both")
    if feeds or sitemaps or urls:
        if len(names) != 1:
            raise NewsdedupError("with --feed, --sitemap or --url, give exactly one NAME for the new source")
        if not (every or cron):
            raise NewsdedupError("a new source needs a schedule: --every 30m or --cron \"*/30 * * * *\"")
        chosen = [command_line_source(feeds, sitemaps, urls, config.tracking_params, name=names[0], every=every,
                                      cron=cron, domains=domains, depth=depth, refetch=refetch)]
    else:
        chosen = _chosen_sources(names, sources_file, config.tracking_params)
        if not chosen:
            raise NewsdedupError(f"nothing to schedule: {sources_file} lists no source")
        if every or cron:  # checked as a file's schedule is
            interval, expression = parse_schedule("command line", every, cron)
            chosen = [dataclasses.replace(s, every=interval, cron=expression) for s in chosen]
    db = Database(config.db_url)
    try:
        mark_dead_runs(db)
        with Schedules(db, config.schedule) as schedules:
            for source in chosen:
                replaced = schedules.add(source)
                echo(f"{'replaced' if replaced else 'added'} {source.name}: {describe(source)}")
    finally:
        db.dispose()


@schedule.command("remove")
@click.argument("names", nargs=-1, required=True)
@db_option
@fatal_errors
def schedule_remove(names: tuple[str, ...], db_url: str | None) -> None:
    """Remove schedules by name. What their runs stored is kept."""
    from pipeline.crawl.scheduler import Schedules
    from pipeline.store.writers import mark_dead_runs

    config = _config(db_url)
    db = Database(config.db_url)
    try:
        mark_dead_runs(db)
        with Schedules(db, config.schedule) as schedules:
            for name in names:
                schedules.remove(name)
                echo(f"removed {name}")
    finally:
        db.dispose()


@schedule.command("list")
@db_option
@json_option
@fatal_errors
def schedule_list(db_url: str | None, as_json: bool) -> None:
    """The schedules: source, when, next run, and the last run's outcome. Reads only: a
    database that does not exist is an error, and none is created. A stored row that is
    not a schedule newsdedup can read is named on stderr (one line each), kept and never
    run; the others are listed (exit status 0)."""
    from pipeline.crawl.scheduler import Schedules

    config = _config(db_url)
    db = Database(config.db_url, readonly=True)
    try:
        with Schedules(db, config.schedule) as schedules:
            found = schedules.list()
            unreadable = schedules.unreadable()
    finally:
        db.dispose()
    for line in unreadable:  # kept in the table, never run: said once each, on stderr
        secho(f"warning: {line}", fg="yellow", err=True)
    rows = [{
        "name": s.source.name, "when": s.when, "next_run": s.next_run.isoformat() if s.next_run else None,
        "feeds": list(s.source.feeds), "sitemaps": list(s.source.sitemaps), "start_urls": list(s.source.start_urls),
        "last_run": None if s.last_run is None else {
            "id": s.last_run.id, "kind": s.last_run.kind, "status": s.last_run.status,
            "started_at": s.last_run.started_at.isoformat(), "new_articles": s.last_run.new_articles,
            "failures": s.last_run.failures},
    } for s in found]
    if as_json:
        _echo_json(rows)
        return
    if not rows and not unreadable:
        echo("no schedules (add one with `newsdedup schedule add`)")
    for r in rows:
        urls = len(r["feeds"]) + len(r["sitemaps"]) + len(r["start_urls"])
        last = r["last_run"]
        echo(f"{r['name']:<20} {r['when']:<22} next {r['next_run'] or 'paused'} · {urls} URL(s) · last run: "
                   + ("none" if last is None else
                      f"{last['status']} at {last['started_at']}, {last['new_articles']} new, "
                      f"{last['failures']} failures"))


@main.command()
@db_option
@fatal_errors
def scheduler(db_url: str | None) -> None:
    """Run the stored schedules until stopped (the long-running process).

    Each run of a source starts one spider process per kind of URL, like
    `newsdedup crawl`; runs never overlap, and each is recorded in the `runs`
    table and logged. Schedules live in the database, so a restart keeps them;
    runs missed while the scheduler was down run once when it comes back (within
    NEWSDEDUP_MISFIRE_GRACE_SECONDS). Run one scheduler per database.

    SIGTERM or Ctrl-C stops it: the run in flight finishes the requests under
    way and commits (killed after NEWSDEDUP_STOP_TIMEOUT_SECONDS); a second
    signal abandons it at once. If the scheduler is killed, its spider dies
    with it; nothing half-written is kept, and a restart resumes the schedule.
    """
    config = _config(db_url)
    early: list[bool] = []  # a signal before the service exists (while importing) stops it at once
    service = None
    _on_stop_signals(lambda force: service.stop(force=force) if service is not None else early.append(force))
    from pipeline.crawl.scheduler import SchedulerService

    service = SchedulerService(config, log_level=_log_level())
    if early:
        service.stop()
    service.serve()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--explain", is_flag=True, help="Show every line of each page, kept or dropped, and why "
              "(on HTML, also the visible lines trafilatura left out, as 'trafilatura').")
@follow_symlinks_option
@fatal_errors
def clean(paths: tuple[str, ...], explain: bool, follow_symlinks: bool | None) -> None:
    """Clean pages without touching any database: one JSON line per file, with
    uri, title, text, authors, published, language (and credits, outlet):
    exactly what ingest would keep. A file that fails prints its error instead.
    """
    from pipeline.runner import clean_files, explained

    for doc, dropped in clean_files(list(paths), _config(NEWSDEDUP_FOLLOW_SYMLINKS=follow_symlinks)):
        if explain:
            secho(f"== {doc.uri}", bold=True)
            for v in explained(doc):
                mark = "+" if v.kept else "-"
                echo(f"{mark} {v.reason:<16} {v.text[:100]}")
            if dropped is not None:
                echo(f"! {dropped.reason}: {dropped.message}")
            continue
        if dropped is not None:
            echo(json_text(json.dumps({"uri": doc.uri, "error": dropped.reason, "message": dropped.message},
                                      ensure_ascii=False)))
            continue
        echo(json_text(json.dumps({
            "uri": doc.uri, "title": doc.title, "text": doc.body_text, "authors": doc.authors,
            "published": doc.published.isoformat() if doc.published else None,
            "language": doc.language, "credits": doc.credits, "outlet": doc.outlet,
        }, ensure_ascii=False)))


def _count() -> click.IntRange:
    """A count or limit option's type: a whole number from 1 to what every database's integer holds."""
    from pipeline.query.records import MAX_COUNT

    return click.IntRange(min=1, max=MAX_COUNT)


def filter_options(func: F) -> F:
    """The filters shared by ``search``, ``clusters`` and ``export`` (fields of ``query.Filters``)."""
    day = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"])
    for option in reversed([
        click.option("--published-from", type=day, metavar="DATE", help="Published on or after DATE (YYYY-MM-DD)."),
        click.option("--published-to", type=day, metavar="DATE", help="Published on or before DATE (the whole day)."),
        click.option("--seen-from", type=day, metavar="DATE", help="First seen (stored) on or after DATE."),
        click.option("--seen-to", type=day, metavar="DATE", help="First seen on or before DATE (the whole day)."),
        click.option("--domain", metavar="HOST", help="Carried by a page on HOST or its subdomains (HOST:PORT for one port)."),
        click.option("--outlet", metavar="NAME", help="Outlet name found on the pages (part of it is enough)."),
        click.option("--language", metavar="CODE", help="Article language (ISO 639-1: de, en, fr, ...)."),
        click.option("--min-sources", type=_count(), metavar="N", help="Carried by at least N documents."),
        click.option("--author", metavar="NAME", help="An author's name (part of it is enough)."),
    ]):
        func = option(func)
    return func


FILTER_NAMES = ("published_from", "published_to", "seen_from", "seen_to", "domain", "outlet", "language",
                "min_sources", "author")


def _filters(options: dict[str, Any]) -> dict[str, Any]:
    """The filter options given, for :mod:`pipeline.query.api` (a date alone ends at the end of its day)."""
    from datetime import time

    out = {}
    for name in FILTER_NAMES:
        value = options.pop(name, None)
        if value is None:
            continue
        if name.endswith("_to") and value.time() == time.min:
            value = value.date()  # the whole day
        out[name] = value
    return out


def _open(db_url: str | None) -> Any:
    from pipeline.query.api import NewsDB

    return NewsDB(_config(db_url).db_url)


@main.command()
@db_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Output file (default: standard output; required for parquet).")
@fatal_errors
def export(db_url: str | None, fmt: str, output: str | None, **options: Any) -> None:
    """Export one canonical article per record, with its sources, streamed (memory
    stays flat however large the database).

    JSON keys: id, title, text (without the title), authors, published
    (ISO 8601 or null), language, credits, outlet, first_seen, and sources
    (uri, fetched_at, relation, similarity, title, content_sha256, credits,
    outlet, http_status, canonical_url, found_in). In CSV, list fields are
    JSON-encoded, and a cell that starts with =, +, -, @, a tab or a carriage
    return gets a ' before it (spreadsheets would run it as a formula); in
    Parquet they are typed lists and dates are timestamps.
    """
    from pipeline.query import export as out

    where = _filters(options)
    if fmt == "parquet" and output is None:
        raise NewsdedupError("parquet is binary: give a file with -o FILE")
    with _open(db_url) as db:
        records = db.articles(**where)
        if fmt == "parquet":
            count = out.write_parquet(records, output)
        else:
            with click.open_file(output or "-", "w", encoding="utf-8") as stream:
                count = (out.write_jsonl if fmt == "jsonl" else out.write_csv)(records, stream)
    echo(f"exported {count} articles", err=True)


@main.command()
@click.argument("article_id")
@db_option
@json_option
@fatal_errors
def show(article_id: str, db_url: str | None, as_json: bool) -> None:
    """Show one article (by id, or a unique prefix of it): its metadata, its text, and
    every source that carried it, oldest first, with relation, similarity and credit.
    A prefix that several articles share lists a few of them (exit status 2)."""
    with _open(db_url) as db:
        record = db.article(article_id)
    if record is None:
        raise NewsdedupError(f"no article with id {article_id!r} (see `newsdedup search`)")
    if as_json:
        _echo_json(record.to_dict())
        return
    secho(record.title, bold=True)
    echo(f"id {record.id} · {record.language or '?'} · published "
               f"{record.published.isoformat() if record.published else '?'} · first seen "
               f"{record.first_seen.isoformat(timespec='seconds')} · authors {', '.join(record.authors) or '?'} · "
               f"credits {', '.join(record.credits) or '-'}")
    echo()
    echo(record.text)
    echo()
    n = len(record.sources)
    secho(f"{n} source{'s' if n != 1 else ''}, oldest first:", bold=True)
    for s in record.sources:
        credit = ", ".join(s.credits) or s.outlet or ""
        echo(f"  {s.fetched_at.isoformat(timespec='seconds')}  {s.relation:<9} {s.similarity:.2f}  {s.uri}"
                   + (f"  ({credit})" if credit else ""))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@filter_options
@click.option("--limit", default=20, show_default=True, type=_count(), help="At most this many results.")
@db_option
@json_option
@fatal_errors
def search(query: tuple[str, ...], limit: int, db_url: str | None, as_json: bool, **options: Any) -> None:
    """Full-text search, best matches first, each with a snippet (matched words
    ⟦marked⟧), its number of sources and when it was first seen. The QUERY may
    be one argument or several (joined by spaces); a query may start with a
    negated word (`newsdedup search -putin kim`, or `newsdedup search -- "-putin
    kim"`).

    \b
    Syntax:
      schoigu kim          both words (AND may be written)
      "roter platz"        the words in this order
      schoigu OR lawrow    either
      kim -putin           kim but not putin (also: kim NOT putin)
      krieg*               words starting with krieg
      (a OR b) c           brackets group
    Case and accents do not matter; on PostgreSQL words also match by stem. A
    stop word of an article's language ("the" in English, "der" in German) is
    not searched in that article, on either database.
    """
    for word in query:  # options that search does not have reach here (-word is a negated word)
        if word.startswith("--"):
            raise NewsdedupError(f"{word.split('=')[0]!r} is neither an option of search nor a word to search for "
                                 "(options go before the query and before `--`; a word to leave out takes one -: "
                                 "newsdedup search -- \"-putin kim\")")
    with _open(db_url) as db:
        hits = db.search(" ".join(query), limit=limit, **_filters(options))
    if as_json:
        _echo_json([h.to_dict() for h in hits])
        return
    if not hits:
        echo("no articles found")
    for h in hits:
        secho(f"{h.id}  {h.title}", bold=True)
        echo(f"    {h.sources} source{'s' if h.sources != 1 else ''} · first seen {h.first_seen.isoformat(timespec='minutes')} · {h.snippet}")


@main.command()
@filter_options
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="At most this many stories.")
@db_option
@json_option
@fatal_errors
def clusters(limit: int, db_url: str | None, as_json: bool, **options: Any) -> None:
    """List the stories carried by at least --min-sources documents (default 2: the
    stories that have copies; 1 lists every story), most sources first, with how
    each copy relates to the canonical text (exact, near, update, contained)."""
    with _open(db_url) as db:
        found = db.clusters(limit=limit, **_filters(options))
    if as_json:
        _echo_json([c.to_dict() for c in found])
        return
    if not found:
        echo("no story has that many sources")
    for c in found:
        rel = ", ".join(f"{n} {k}" for k, n in sorted(c.relations.items()))
        secho(f"{c.id}  {c.sources} sources ({rel})", bold=True)
        echo(f"    {c.title}")


@main.command()
@db_option
@json_option
@fatal_errors
def stats(db_url: str | None, as_json: bool) -> None:
    """Counts: articles, documents by relation, the duplicates ratio, documents per
    outlet, failures by reason, and the latest runs."""
    with _open(db_url) as db:
        data = db.stats()
    if as_json:
        _echo_json(data.to_dict())
        return
    rel = ", ".join(f"{n} {k}" for k, n in sorted(data.relations.items())) or "none"
    echo(f"{data.articles} articles from {data.documents} documents ({rel}); "
               f"{data.duplicates_ratio:.1%} of documents were copies of a stored story")
    echo("outlets: " + (", ".join(f"{host} {n}" for host, n in list(data.outlets.items())[:15]) or "none"))
    echo(f"{data.failures} failed documents recorded"
               + (": " + ", ".join(f"{n} {r}" for r, n in data.failure_reasons.items()) if data.failures else ""))
    for r in data.runs:
        echo(f"  run {r['id']} {r['kind']} {r['status']} {r['started_at']}: {r['documents']} seen, "
                   f"{r['new_articles']} new, {r['duplicates']} duplicates, {r['skipped']} skipped, "
                   f"{r['failures']} failed")


@main.group()
def db() -> None:
    """The database's schema: its revision, and upgrades (Alembic migrations)."""


@db.command("upgrade")
@db_option
@fatal_errors
def db_upgrade(db_url: str | None) -> None:
    """Upgrade a database made by an older newsdedup to this version's schema, keeping
    every row. Back the database up first. Running it on a current database does nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.dedup.bands import ensure_built
    from pipeline.store.engine import create_db_engine
    from pipeline.store.schema import HEAD, upgrade
    from pipeline.store.writers import mark_dead_runs, sole_writer

    config = _config(db_url)
    with sole_writer(config.db_url, "db upgrade", config.writer_wait_seconds) as lock:
        engine = create_db_engine(config.db_url)
        try:
            before, after = upgrade(engine)
        except SQLAlchemyError as exc:
            raise NewsdedupError(f"upgrade failed, nothing was changed: {exc}") from None
        finally:
            engine.dispose()
        if before == after:
            echo(f"the database is current (schema revision {HEAD})")
        else:
            echo(f"upgraded the database from schema revision {before or 'none (before migrations)'} to {after}")
        database = Database(config.db_url)
        try:
            with database.session() as session:
                built = ensure_built(session, config.dedup)  # the dedup index is derived: build it now
            mark_dead_runs(database, lock)
        finally:
            database.dispose()
    if built is not None:
        echo(f"built the dedup index: {built} articles")


@main.group()
def index() -> None:
    """The dedup index kept in the database (LSH bands and opening keys), derived from the
    stored signatures and canonical texts."""


@index.command("rebuild")
@db_option
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@fatal_errors
def index_rebuild(db_url: str | None, progress: bool | None) -> None:
    """Rebuild the dedup index from the signatures and texts in the database: after it was
    lost or damaged, or to index with other LSH settings. Nothing else is changed. Workers
    writing meanwhile wait for it (PostgreSQL), then go on."""
    import time

    from tqdm import tqdm

    from pipeline.dedup.bands import count_articles, params, rebuild
    from pipeline.store.writers import mark_dead_runs, sole_writer

    config = _config(db_url)
    with sole_writer(config.db_url, "index rebuild", config.writer_wait_seconds) as lock:
        database = Database(config.db_url)
        started = time.monotonic()
        try:
            mark_dead_runs(database, lock)
            with database.session(writer=True) as session:
                total = count_articles(session)
                show = sys.stderr.isatty() if progress is None else progress
                with tqdm(total=total, unit="article", desc="index", disable=not show, file=sys.stderr) as bar:
                    n = rebuild(session, config.dedup, progress=bar.update)
                session.commit()
        finally:
            database.dispose()
    echo(f"rebuilt the dedup index: {n} articles in {time.monotonic() - started:.1f} s "
               f"({params(config.dedup)})")


@main.command("check")
@db_option
@click.option("--repair", is_flag=True,
              help="Rebuild what is derived where a check fails (fingerprints, the dedup and search indexes, "
                   "run counts; dead runs marked abandoned), then check again. Never deletes a provenance row, "
                   "an article or a failure. On SQLite it waits for no writer: it stops if one is running.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@json_option
@fatal_errors
def check_command(db_url: str | None, repair: bool, progress: bool | None, as_json: bool) -> None:
    """Verify a database's invariants and say which hold: every provenance row has its
    article; every article has its founding provenance, and its canonical text's
    signature, LSH bands and opening keys; the search index matches the articles; each
    run's counts match its rows; no run is `running` without a live process.

    Every article's fingerprint is recomputed from its text (about a millisecond each).
    Without --repair nothing is written. Exit status: 0 when every invariant holds
    (after the repair, with --repair), 1 when one does not, 2 on a fatal error.
    """
    from pipeline.check import check_database

    config = _config(db_url)
    show = sys.stderr.isatty() if progress is None else progress
    findings, repaired = check_database(config, repair=repair, progress=show)
    holds = all(f.holds is not False for f in findings)
    if as_json:
        _echo_json({"holds": holds, "checks": [f.to_dict() for f in findings], "repaired": repaired})
    else:
        for line in repaired:
            echo(f"repaired: {line}")
        for f in findings:
            mark = {True: "ok  ", False: "FAIL", None: "?   "}[f.holds]
            echo(f"{mark}  {f.check:<13} {f.detail}" + (f": {', '.join(f.examples)}" if f.examples else ""))
        failed = [f for f in findings if f.holds is False]
        if not failed:
            echo(f"all {len(findings)} invariants hold")
        else:
            hint = " (run `newsdedup check --repair` to rebuild what is derived)" \
                if any(f.repairable for f in failed) and not repair else ""
            echo(f"{len(failed)} of {len(findings)} invariants do not hold{hint}")
    if not holds:
        sys.exit(1)


@db.command("revision")
@db_option
@fatal_errors
def db_revision(db_url: str | None) -> None:
    """Print the database's schema revision and this version's (reads only)."""
    from pipeline.store.schema import HEAD, revision

    database = Database(_config(db_url).db_url, readonly=True)
    try:
        with database.engine.connect() as conn:
            current = revision(conn)
    finally:
        database.dispose()
    echo(f"database: {current or 'none (empty, or made before migrations)'}; this newsdedup: {HEAD}")


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 exposes the database to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (repeatable). Default: only the names in "
                   "$NEWSDEDUP_WEB_ALLOWED_HOSTS (127.0.0.1, localhost) and the --host address.")
@fatal_errors
def serve(db_url: str | None, host: str, port: int, allow_hosts: tuple[str, ...]) -> None:
    """Serve a read-only web view of the database: a search page, articles with
    their sources' timeline, stats, and a JSON API (/api/..., described by
    /openapi.json). No page or endpoint can change the database. A request whose
    Host header names no allowed host gets 400 (a page elsewhere cannot reach the
    view through a name of its own); every answer carries security headers
    (Content-Security-Policy, nosniff, no framing, no referrer). Exit status 2
    when the database cannot be read or HOST:PORT cannot be listened on.
    """
    import uvicorn

    from pipeline.query.web.app import create_app

    config = _config(db_url)
    wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 - compared, not bound
    allowed = list(dict.fromkeys([*config.web_allowed_hosts, *([] if wildcard else [host]), *allow_hosts]))
    with _open(db_url) as db, _listen(host, port) as listener:
        port = listener.getsockname()[1]  # the port chosen, for --port 0
        echo(f"serving {db.url} read-only on http://{host}:{port}/ (Ctrl-C stops)", err=True)
        server = uvicorn.Server(uvicorn.Config(create_app(db, allowed_hosts=allowed), host=host, port=port,
                                               log_level="warning"))
        try:
            server.run(sockets=[listener])
        except KeyboardInterrupt:  # uvicorn has shut down, then passes Ctrl-C on (as uvicorn.run does)
            pass
    if not server.started:
        raise NewsdedupError("the web server did not start (see the log above)")


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (bound as uvicorn binds: address reuse after a restart),
    handed to uvicorn; a :class:`ConfigError` that says why if it cannot listen there."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen()
    except OSError as exc:
        listener.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}") from None
    return listener


if __name__ == "__main__":
    main()
