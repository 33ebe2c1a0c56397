"""Named sources to crawl, from a ``sources.toml`` file.

The format (one table per source)::

    [sources.tagesschau]
    feeds = ["https://www.tagesschau.de/index~rss2.xml"]     # RSS or Atom
    sitemaps = ["https://www.tagesschau.de/sitemap.xml"]      # XML or news sitemaps
    start_urls = ["https://www.tagesschau.de/inland/"]        # pages to follow links from
    allowed_domains = ["tagesschau.de"]                       # default: the start URLs' hosts
    depth = 1                                                 # link depth from start_urls
    every = "30m"                                             # or: cron = "*/30 * * * *"
    refetch = false                   # true: fetch stored URLs again (conditional requests)
    allow_private_addresses = false   # true: follow links to private addresses too (see below)
    outlet = "Tagesschau"             # the outlet of pages that name none; default: the name

    [sources.tagesschau.politeness]   # any of these; the settings' defaults otherwise
    download_delay = 2.0
    concurrent_requests_per_domain = 1
    user_agent = "my-newsroom-bot (+mailto:data@example.org)"

A source needs at least one feed, sitemap or start URL, and exactly one of
``every`` (``90s``, ``30m``, ``6h``, ``1d``) or ``cron`` (five fields). Every
problem is reported with the file, the source and the key.

The hosts (with their ports) of a source's URLs are the ones its crawl may fetch even on a
private address; a link found on the web to another private address is refused
(``private-address``, see ``spiders/addresses.py``) unless ``allow_private_addresses = true``,
which becomes the source's ``NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES`` setting.

A page's outlet is the name the page gives its site (``og:site_name``, the publisher in
JSON-LD); a page that gives none gets the source's ``outlet`` (its name unless set; ``""``:
none), so that ``--outlet`` finds every page of the source.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger

from pipeline.crawl.urls import normalize_url
from pipeline.errors import ConfigError

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
POLITENESS = {  # key in sources.toml -> (Scrapy setting, type)
    "download_delay": ("DOWNLOAD_DELAY", float),
    "concurrent_requests_per_domain": ("CONCURRENT_REQUESTS_PER_DOMAIN", int),
    "concurrent_requests": ("CONCURRENT_REQUESTS", int),
    "user_agent": ("USER_AGENT", str),
    "autothrottle_target_concurrency": ("AUTOTHROTTLE_TARGET_CONCURRENCY", float),
    "download_timeout": ("DOWNLOAD_TIMEOUT", int),
    "robotstxt_obey": ("ROBOTSTXT_OBEY", bool),
    "autothrottle": ("AUTOTHROTTLE_ENABLED", bool),
}
_KEYS = {"feeds", "sitemaps", "start_urls", "allowed_domains", "depth", "every", "cron", "refetch", "politeness",
         "allow_private_addresses", "outlet"}
PRIVATE_ADDRESSES = "NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES"  # the setting allow_private_addresses = true sets
OUTLET = "NEWSDEDUP_SOURCE_OUTLET"  # the setting that hands the source's outlet to its spiders
_OUTLET_MAX_CHARS = 200


def parse_interval(text: str) -> timedelta:
    """``"30m"`` -> 30 minutes; units s, m, h, d; at least one second."""
    m = _INTERVAL.match(text)
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"{text!r} is not an interval such as 90s, 30m, 6h or 1d")
    try:
        interval = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        datetime.now(timezone.utc) + interval  # a run time after it must be a date (up to the year 9999)
    except OverflowError:
        raise ValueError(f"{text.strip()[:40]!r} is longer than any interval can be") from None
    return interval


@dataclass(frozen=True)
class Source:
    """One named source: what to crawl, how often, how politely."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    depth: int = 1
    every: timedelta | None = None
    cron: str | None = None
    refetch: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)  # Scrapy settings for this source only
    outlet: str | None = None  # the outlet of its pages that name none


def load_sources(path: str | Path, tracking: tuple[str, ...] = ()) -> dict[str, Source]:
    """The sources in ``path``, by name; :class:`ConfigError` on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the sources file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {sorted(unknown)}; sources go under [sources.NAME]")
    tables = data.get("sources", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: 'sources' must be a table of [sources.NAME] tables")
    return {name: _source(path, name, table, tracking) for name, table in tables.items()}


def command_line_source(feeds: Sequence[str], sitemaps: Sequence[str], urls: Sequence[str],
                        tracking: tuple[str, ...] = (), *, name: str = "command-line", every: str | None = None,
                        cron: str | None = None, domains: Sequence[str] = (), depth: int = 1,
                        refetch: bool = False) -> Source:
    """A source made of command-line options, checked as a file's are; scheduled when
    ``every`` or ``cron`` is given."""
    table: dict[str, Any] = {"feeds": list(feeds), "sitemaps": list(sitemaps), "start_urls": list(urls),
                             "depth": depth, "refetch": refetch, "outlet": ""}
    if domains:
        table["allowed_domains"] = list(domains)
    if every is not None:
        table["every"] = every
    if cron is not None:
        table["cron"] = cron
    return _source(Path("command line"), name, table, tracking, scheduled=every is not None or cron is not None)


def _source(path: Path, name: str, table: Any, tracking: tuple[str, ...], scheduled: bool = True) -> Source:
    where = f"{path}: source {name!r}"
    if not _NAME.match(name):
        raise ConfigError(f"{where}: a name is 1-64 characters: lower-case letters, digits, '_', '-', '.'")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}")

    def urls(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            raise ConfigError(f"{where}: {key} must be a list of URLs")
        out = []
        for url in value:
            normal = normalize_url(url, tracking)
            if normal is None:
                raise ConfigError(f"{where}: {key} has {url!r}, which is not an http(s) URL")
            out.append(normal)
        return tuple(out)

    feeds, sitemaps, start_urls = urls("feeds"), urls("sitemaps"), urls("start_urls")
    if not (feeds or sitemaps or start_urls):
        raise ConfigError(f"{where}: give at least one of feeds, sitemaps, start_urls")
    domains = table.get("allowed_domains")
    if domains is None:
        domains = sorted({urlsplit(u).hostname or "" for u in (*feeds, *sitemaps, *start_urls)} - {""})
    elif not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise ConfigError(f"{where}: allowed_domains must be a list of host names")
    depth = table.get("depth", 1)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise ConfigError(f"{where}: depth must be a whole number, 0 or more")
    refetch = table.get("refetch", False)
    if not isinstance(refetch, bool):
        raise ConfigError(f"{where}: refetch must be true or false")
    private = table.get("allow_private_addresses", False)
    if not isinstance(private, bool):
        raise ConfigError(f"{where}: allow_private_addresses must be true or false")
    outlet = table.get("outlet", name)
    if not isinstance(outlet, str) or len(outlet) > _OUTLET_MAX_CHARS:
        raise ConfigError(f"{where}: outlet must be a name of at most {_OUTLET_MAX_CHARS} characters (\"\": none)")
    interval, cron = parse_schedule(where, table.get("every"), table.get("cron"), required=scheduled)
    settings = _politeness(where, table.get("politeness", {}))
    if private:
        settings[PRIVATE_ADDRESSES] = True
    return Source(name=name, feeds=feeds, sitemaps=sitemaps, start_urls=start_urls,
                  allowed_domains=tuple(d.lower() for d in domains), depth=depth, every=interval,
                  cron=cron, refetch=refetch, settings=settings, outlet=" ".join(outlet.split()) or None)


def parse_schedule(where: str, every: Any, cron: Any, *, required: bool = True) -> tuple[timedelta | None, str | None]:
    """``every`` ("30m") or ``cron`` ("*/30 * * * *"), checked: exactly one of them when
    ``required``; :class:`ConfigError` naming ``where`` otherwise."""
    if required and (every is None) == (cron is None):
        raise ConfigError(f"{where}: give exactly one of every (\"30m\") or cron (\"*/30 * * * *\")")
    try:
        interval = parse_interval(every) if isinstance(every, str) else None
    except ValueError as exc:
        raise ConfigError(f"{where}: every: {exc}") from None
    if every is not None and interval is None:
        raise ConfigError(f"{where}: every must be a string such as \"30m\"")
    if cron is not None:
        try:
            CronTrigger.from_crontab(cron)  # APScheduler's own parser: what the scheduler will run
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{where}: cron {cron!r} is not a crontab expression "
                              f"(minute hour day month weekday): {exc}") from None
    return interval, cron


def _politeness(where: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: politeness must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in POLITENESS:
            raise ConfigError(f"{where}: politeness.{key} is unknown; known: {sorted(POLITENESS)}")
        setting, kind = POLITENESS[key]
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok or (kind in (int, float) and value < 0):
            raise ConfigError(f"{where}: politeness.{key} must be a {kind.__name__}, not {value!r}")
        out[setting] = value
    return out


def source_table(source: Source) -> dict[str, Any]:
    """The source as the table of a sources file (plain data: lists, strings, numbers), which
    :func:`source_from_table` reads back as the same source. Schedules are stored this way."""
    table: dict[str, Any] = {"feeds": list(source.feeds), "sitemaps": list(source.sitemaps),
                             "start_urls": list(source.start_urls), "allowed_domains": list(source.allowed_domains),
                             "depth": source.depth, "refetch": source.refetch, "outlet": source.outlet or ""}
    if source.settings.get(PRIVATE_ADDRESSES):
        table["allow_private_addresses"] = True
    if source.every is not None:
        table["every"] = f"{int(source.every.total_seconds())}s"
    if source.cron is not None:
        table["cron"] = source.cron
    keys = {setting: key for key, (setting, _) in POLITENESS.items()}
    table["politeness"] = {keys[setting]: value for setting, value in source.settings.items() if setting in keys}
    return table


def source_from_table(where: str, name: str, table: Any) -> Source:
    """A source from its table (a sources file's, or :func:`source_table`'s), checked as a
    sources file is; :class:`ConfigError` that names ``where`` otherwise."""
    return _source(Path(where), name, table, ())
