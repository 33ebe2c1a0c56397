"""The ``newsdedup`` command line."""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from pipeline.errors import NewsdedupError
from pipeline.storage import Database

F = TypeVar("F", bound=Callable[..., Any])
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130

db_option = click.option(
    "--db", "db_url", metavar="URL", envvar=None,
    help="SQLAlchemy database URL. Default: $NEWSDEDUP_DB, else sqlite:///newsdedup.db.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def _config(db_url: str | None = None, **overrides: Any):  # noqa: ANN202 - settings.config.Config
    from settings.config import load_config

    try:
        return load_config({"NEWSDEDUP_DB": db_url, **overrides})
    except ValueError as exc:  # a bad environment value
        raise NewsdedupError(f"bad setting: {exc}") from None


def _read(db_url: str | None, query: Callable[..., Any], *args: Any) -> Any:
    """Run a read-only query (a function of a session) on the database; return its result."""
    db = Database(_config(db_url).db_url)
    try:
        with db.session() as session:
            return query(session, *args)
    finally:
        db.dispose()


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fatal_errors(func: F) -> F:
    """Print newsdedup's own errors as one clear line and exit non-zero."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewsdedupError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_FATAL)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    logging.basicConfig(level=level, format="%(levelname)s %(message)s", stream=sys.stderr)
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
@fatal_errors
def ingest(paths: tuple[str, ...], db_url: str | None, progress: bool | None, workers: int | None) -> None:
    """Ingest local files and directories (recursively): .txt, .html, .htm, and
    gzip of those. Each page is cleaned, fingerprinted and either joined to the
    story it copies or stored as a new canonical article.

    Files are processed largest first (ties by path), so the same inputs in any
    order give the same stories. Bad files are reported, recorded in the
    `failures` table, and skipped.
    Re-running on the same inputs changes nothing. Ctrl-C stops after the
    current document; run again to finish.

    Exit status: 0 when the run completes (even with failed files), 2 on a
    fatal error (bad database URL, no readable input), 130 when interrupted.
    """
    from pipeline.runner import ingest as run_ingest

    summary = run_ingest(list(paths), _config(db_url, NEWSDEDUP_WORKERS=workers), progress=progress)
    click.echo(f"{summary.status}: {summary.line()} (run {summary.run_id})")
    if summary.status == "interrupted":
        click.echo("Interrupted: run the same command again to finish.", err=True)
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
    from pipeline.sources import load_sources

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
        click.echo(f"{signal.Signals(signum).name}: " + (
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
@fatal_errors
def crawl(names: tuple[str, ...], feeds: tuple[str, ...], sitemaps: tuple[str, ...], urls: tuple[str, ...],
          sources_file: str, db_url: str | None) -> None:
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
    from pipeline.crawl import CrawlRunner
    from pipeline.sources import command_line_source

    config = _config(db_url)
    chosen = []
    if names or not (feeds or sitemaps or urls):
        chosen = _chosen_sources(names, sources_file, config.tracking_params)
    if feeds or sitemaps or urls:
        chosen.append(command_line_source(feeds, sitemaps, urls, config.tracking_params))
    if not chosen:
        raise NewsdedupError(f"nothing to crawl: {sources_file} lists no source, and no --feed, --sitemap or --url")
    totals = [0, 0, 0, 0, 0]
    db = Database(config.db_url)
    try:
        runner = CrawlRunner(db, trigger="crawl", log_level=_log_level())
        _on_stop_signals(lambda force: runner.stop(force=force))
        for source in chosen:
            for result in runner.run(source):
                click.echo(result.line())
                for i, n in enumerate((result.fetched, result.new_articles, result.duplicates, result.skipped,
                                       result.failures)):
                    totals[i] += n
    finally:
        db.dispose()
    click.echo("crawl {}: {} pages fetched, {} new articles, {} duplicates, {} skipped as seen, "
               "{} failures".format("interrupted" if runner.stopping else "done", *totals))
    if runner.stopping:
        sys.exit(EXIT_INTERRUPTED)


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

    from pipeline.scheduler import Schedules, describe
    from pipeline.sources import command_line_source

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
            chosen = [dataclasses.replace(s, every=w.every, cron=w.cron) for s in chosen
                      for w in [command_line_source(s.feeds, s.sitemaps, s.start_urls, name=s.name,
                                                    every=every, cron=cron)]]
    db = Database(config.db_url)
    try:
        with Schedules(db, config.schedule) as schedules:
            for source in chosen:
                replaced = schedules.add(source)
                click.echo(f"{'replaced' if replaced else 'added'} {source.name}: {describe(source)}")
    finally:
        db.dispose()


@schedule.command("remove")
@click.argument("names", nargs=-1, required=True)
@db_option
@fatal_errors
def schedule_remove(names: tuple[str, ...], db_url: str | None) -> None:
    """Remove schedules by name. What their runs stored is kept."""
    from pipeline.scheduler import Schedules

    config = _config(db_url)
    db = Database(config.db_url)
    try:
        with Schedules(db, config.schedule) as schedules:
            for name in names:
                schedules.remove(name)
                click.echo(f"removed {name}")
    finally:
        db.dispose()


@schedule.command("list")
@db_option
@json_option
@fatal_errors
def schedule_list(db_url: str | None, as_json: bool) -> None:
    """The schedules: source, when, next run, and the last run's outcome."""
    from pipeline.scheduler import Schedules

    config = _config(db_url)
    db = Database(config.db_url)
    try:
        with Schedules(db, config.schedule) as schedules:
            found = schedules.list()
    finally:
        db.dispose()
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
    if not rows:
        click.echo("no schedules (add one with `newsdedup schedule add`)")
    for r in rows:
        urls = len(r["feeds"]) + len(r["sitemaps"]) + len(r["start_urls"])
        last = r["last_run"]
        click.echo(f"{r['name']:<20} {r['when']:<22} next {r['next_run'] or 'paused'} · {urls} URL(s) · last run: "
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
    from pipeline.scheduler import SchedulerService

    service = SchedulerService(config, log_level=_log_level())
    if early:
        service.stop()
    service.serve()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--explain", is_flag=True, help="Show every line of each page, kept or dropped, and why.")
@fatal_errors
def clean(paths: tuple[str, ...], explain: bool) -> None:
    """Clean pages without touching any database: one JSON line per file, with
    uri, title, text, authors, published, language (and credits, outlet):
    exactly what ingest would keep. A file that fails prints its error instead.
    """
    from pipeline.runner import clean_files

    for doc, dropped in clean_files(list(paths), _config()):
        if explain:
            click.secho(f"== {doc.uri}", bold=True)
            for v in doc.verdicts:
                mark = "+" if v.kept else "-"
                click.echo(f"{mark} {v.reason:<16} {v.text[:100]}")
            if dropped is not None:
                click.echo(f"! {dropped.reason}: {dropped.message}")
            continue
        if dropped is not None:
            click.echo(json.dumps({"uri": doc.uri, "error": dropped.reason, "message": dropped.message},
                                  ensure_ascii=False))
            continue
        click.echo(json.dumps({
            "uri": doc.uri, "title": doc.title, "text": doc.body_text, "authors": doc.authors,
            "published": doc.published.isoformat() if doc.published else None,
            "language": doc.language, "credits": doc.credits, "outlet": doc.outlet,
        }, ensure_ascii=False))


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Output file (default: standard output).")
@fatal_errors
def export(db_url: str | None, fmt: str, output: Any) -> None:
    """Export one canonical article per record, with its sources.

    JSON keys: id, title, text (without the title), authors, published
    (ISO 8601 or null), language, credits, outlet, first_seen, and sources
    (uri, fetched_at, relation, similarity, title, content_sha256, ...).
    In CSV, list fields are JSON-encoded.
    """
    from pipeline.query import iter_article_records

    db = Database(_config(db_url).db_url)
    writer = None
    count = 0
    for record in iter_article_records(db):
        if fmt == "jsonl":
            output.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(output, fieldnames=list(record))
                writer.writeheader()
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                             for k, v in record.items()})
        count += 1
    click.echo(f"exported {count} articles", err=True)


@main.command()
@click.argument("article_id")
@db_option
@json_option
@fatal_errors
def show(article_id: str, db_url: str | None, as_json: bool) -> None:
    """Show one article (by id, or a unique prefix of it) and every source that carried it."""
    from pipeline.query import find_record

    record = _read(db_url, find_record, article_id)
    if record is None:
        raise NewsdedupError(f"no article with id {article_id!r} (see `newsdedup search`)")
    if as_json:
        _echo_json(record)
        return
    click.secho(record["title"], bold=True)
    click.echo(f"id {record['id']} · {record['language'] or '?'} · published {record['published'] or '?'}"
               f" · authors {', '.join(record['authors']) or '?'} · credits {', '.join(record['credits']) or '-'}")
    click.echo()
    click.echo(record["text"])
    click.echo()
    click.secho(f"{len(record['sources'])} sources:", bold=True)
    for s in record["sources"]:
        click.echo(f"  {s['fetched_at']}  {s['relation']:<8} {s['similarity']:.2f}  {s['uri']}")


@main.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="At most this many results.")
@db_option
@json_option
@fatal_errors
def search(query: str, limit: int, db_url: str | None, as_json: bool) -> None:
    """Find articles whose title or text contains every word of QUERY (case-insensitive)."""
    from pipeline.query import search as run_search

    results = _read(db_url, run_search, query, limit)
    if as_json:
        _echo_json(results)
        return
    if not results:
        click.echo("no articles found")
    for r in results:
        click.secho(f"{r['id']}  {r['title']}", bold=True)
        click.echo(f"    {r['sources']} sources · first seen {r['first_seen']} · {r['snippet']}")


@main.command()
@click.option("--min-sources", default=2, show_default=True, help="Only stories with at least this many sources.")
@click.option("--limit", default=50, show_default=True, help="At most this many stories.")
@db_option
@json_option
@fatal_errors
def clusters(min_sources: int, limit: int, db_url: str | None, as_json: bool) -> None:
    """List the stories carried by several documents, most sources first, with how each
    copy relates to the canonical text (exact, near, update, contained)."""
    from pipeline.query import clusters as run_clusters

    results = _read(db_url, run_clusters, min_sources, limit)
    if as_json:
        _echo_json(results)
        return
    if not results:
        click.echo(f"no story has {min_sources} or more sources")
    for r in results:
        rel = ", ".join(f"{n} {k}" for k, n in sorted(r["relations"].items()))
        click.secho(f"{r['id']}  {r['sources']} sources ({rel})", bold=True)
        click.echo(f"    {r['title']}")


@main.command()
@db_option
@json_option
@fatal_errors
def stats(db_url: str | None, as_json: bool) -> None:
    """Counts: articles, documents by relation, failures, and the latest runs."""
    from pipeline.query import stats as run_stats

    data = _read(db_url, run_stats)
    if as_json:
        _echo_json(data)
        return
    rel = ", ".join(f"{n} {k}" for k, n in sorted(data["relations"].items())) or "none"
    click.echo(f"{data['articles']} articles from {data['documents']} documents ({rel}); "
               f"{data['failures']} failed documents recorded")
    for r in data["runs"]:
        click.echo(f"  run {r['id']} {r['kind']} {r['status']} {r['started_at']}: {r['documents']} seen, "
                   f"{r['new_articles']} new, {r['duplicates']} duplicates, {r['skipped']} skipped, "
                   f"{r['failures']} failed")


if __name__ == "__main__":
    main()
