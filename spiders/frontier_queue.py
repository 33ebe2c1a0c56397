"""What a shared frontier's Redis queue holds: requests as checked JSON, never pickles.

scrapy-redis pickles the requests it queues by default, and unpickling runs whatever the
entry says: anyone who could write to the Redis server could run code in every crawler.
Here an entry is JSON, written by :func:`dumps` and read back by :func:`loads` (the
``SCHEDULER_SERIALIZER``), and :class:`SafeQueue` (the ``SCHEDULER_QUEUE_CLASS``) uses them
whatever the serializer setting says. An entry holds only what a newsdedup request needs:

- kept: the URL (http or https), the method (GET), the callback and errback by name, the
  priority, ``dont_filter``, the flags, the headers in :data:`HEADERS` (text, Latin-1 for
  bytes) and the meta keys in :data:`META` (the link's origin, depths, redirect and retry
  counts, the statuses a conditional re-fetch handles);
- dropped when written: every other header and meta key (Scrapy's per-download bookkeeping,
  such as ``download_timeout``; its middlewares set them again on the next download).

Reading refuses (``bad-frontier-entry``, logged and recorded in ``failures``; the crawl goes
on with the next entry) an entry that is larger than ``NEWSDEDUP_FRONTIER_MAX_ENTRY_BYTES``, is
not such JSON (a pickle, say), names a request class, a method, a header or a meta key that
newsdedup does not write, has a body, cookies or callback arguments, or names a callback that
is not one of the spider's ``parse*`` methods (errback: ``on_error``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import PriorityQueue

from pipeline.context import RunContext
from pipeline.errors import DocumentFailed
from pipeline.items import Document
from settings.config import Config, CrawlOptions

logger = logging.getLogger("newsdedup")

VERSION = 1
HEADERS = ("If-None-Match", "If-Modified-Since", "Referer")  # what the spiders (and Scrapy's referer policy) set
_INT, _STR = (int,), (str,)
META: Mapping[str, tuple[type, ...]] = {  # key -> the types of its value (or of a list's items)
    "found_in": _STR, "depth": _INT, "sitemap_depth": _INT, "retry_times": _INT, "redirect_times": _INT,
    "redirect_ttl": _INT, "redirect_urls": _STR, "redirect_reasons": (int, str), "handle_httpstatus_list": _INT,
}
_LISTS = {"redirect_urls", "redirect_reasons", "handle_httpstatus_list"}
_FIELDS = {"v", "url", "method", "callback", "errback", "priority", "dont_filter", "flags", "headers", "meta"}


class EntryRefused(ValueError):
    """A queue entry that is not a request newsdedup wrote."""


def dumps(request: Mapping[str, Any]) -> bytes:
    """A request dict (``Request.to_dict``) as a JSON entry; raises :class:`EntryRefused` for a
    request newsdedup would refuse to read back (a POST, a body, cookies, another class)."""
    if "_class" in request or request.get("method", "GET") != "GET" or request.get("body") or request.get(
            "cookies") or request.get("cb_kwargs"):
        raise EntryRefused(f"only plain GET requests go into the shared frontier, not {request.get('url')!r}")
    headers = {}
    for name, values in (request.get("headers") or {}).items():
        text = _text(name)
        if text.title() in HEADERS:
            headers[text.title()] = [_text(v) for v in values]
    meta = {k: (list(v) if k in _LISTS else v) for k, v in (request.get("meta") or {}).items() if k in META}
    return json.dumps({"v": VERSION, "url": request["url"], "method": "GET", "callback": request.get("callback"),
                       "errback": request.get("errback"), "priority": int(request.get("priority", 0)),
                       "dont_filter": bool(request.get("dont_filter")), "flags": list(request.get("flags") or []),
                       "headers": headers, "meta": meta}, separators=(",", ":")).encode()


def loads(entry: bytes | str, max_bytes: int | None = None) -> dict[str, Any]:
    """The request dict of a JSON entry (for ``request_from_dict``), checked; raises
    :class:`EntryRefused` saying what is wrong."""
    limit = CrawlOptions().frontier_max_entry_bytes if max_bytes is None else max_bytes
    if len(entry) > limit:
        raise EntryRefused(f"{len(entry)} bytes, more than NEWSDEDUP_FRONTIER_MAX_ENTRY_BYTES={limit}")
    try:
        obj = json.loads(entry)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise EntryRefused(f"not JSON ({type(exc).__name__}), starts {entry[:40]!r}; never unpickled") from None
    if not isinstance(obj, dict) or obj.get("v") != VERSION:
        raise EntryRefused(f"not a newsdedup request (version {VERSION}), starts {entry[:40]!r}")
    unknown = set(obj) - _FIELDS
    if unknown:
        raise EntryRefused(f"unknown field(s) {sorted(unknown)[:5]}")
    url = _typed(obj, "url", str)
    if urlsplit(url).scheme not in ("http", "https"):
        raise EntryRefused(f"not an http(s) URL: {url[:80]!r}")
    if obj.get("method") != "GET":
        raise EntryRefused(f"method {obj.get('method')!r}: only GET requests are queued")
    headers = _typed(obj, "headers", dict)
    for name, values in headers.items():
        if name not in HEADERS or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise EntryRefused(f"header {name[:40]!r} is not one newsdedup queues (or not a list of text)")
    meta = _typed(obj, "meta", dict)
    for key, value in meta.items():
        kinds = META.get(key)
        items = value if key in _LISTS and isinstance(value, list) else [value]
        if kinds is None or not all(isinstance(v, kinds) and not isinstance(v, bool) for v in items) or (
                key in _LISTS and not isinstance(value, list)):
            raise EntryRefused(f"meta key {key[:40]!r} is not one newsdedup queues (or has a {type(value).__name__})")
    flags = _typed(obj, "flags", list)
    if not all(isinstance(f, str) for f in flags):
        raise EntryRefused("flags must be text")
    callback, errback = obj.get("callback"), obj.get("errback")
    if not isinstance(callback, str) or not (errback is None or isinstance(errback, str)):
        raise EntryRefused("a request names its callback (and errback) as text")
    priority, dont_filter = obj.get("priority"), obj.get("dont_filter")
    if not isinstance(priority, int) or isinstance(priority, bool) or not isinstance(dont_filter, bool):
        raise EntryRefused("priority must be a whole number and dont_filter true or false")
    return {"url": url, "method": "GET", "callback": callback, "errback": errback, "priority": priority,
            "dont_filter": dont_filter, "flags": flags, "meta": meta,
            "headers": {n.encode("latin-1"): [v.encode("latin-1") for v in vs] for n, vs in headers.items()}}


class SafeQueue(PriorityQueue):
    """scrapy-redis's priority queue, reading and writing entries with :func:`dumps` and
    :func:`loads`; a refused entry is recorded and the next one read."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer=sys.modules[__name__])  # never pickle
        self.max_bytes = Config.from_settings(spider.settings).crawl.frontier_max_entry_bytes

    def _decode_request(self, encoded_request: bytes) -> Request:
        obj = loads(encoded_request, self.max_bytes)
        for field, allowed in (("callback", lambda n: n.startswith("parse")), ("errback", lambda n: n == "on_error")):
            name = obj[field]
            if name is not None and not (allowed(name) and callable(getattr(type(self.spider), name, None))):
                raise EntryRefused(f"{field} {name[:40]!r} is not one of the {self.spider.name} spider's")
        try:
            return request_from_dict(obj, spider=self.spider)
        except (ValueError, TypeError) as exc:
            raise EntryRefused(f"not a valid request ({exc})") from None

    def pop(self, timeout: int = 0) -> Request | None:
        while True:
            try:
                return super().pop(timeout)  # the entry is taken off the queue before it is read
            except EntryRefused as exc:
                self.refused(exc)

    def refused(self, exc: EntryRefused) -> None:
        """Log and record an entry that was refused."""
        message = f"a queue entry of the shared frontier was refused: {exc}"
        logger.warning("%s (%s)", message, self.key)
        self.spider.crawler.stats.inc_value("newsdedup/frontier/refused")
        RunContext.for_crawler(self.spider.crawler).document_dropped(
            Document(uri=f"redis:{self.key}"), DocumentFailed("bad-frontier-entry", message, stage="frontier"))


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _typed(obj: Mapping[str, Any], key: str, kind: type) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        raise EntryRefused(f"{key} must be a {kind.__name__}, not {type(value).__name__}")
    return value
