"""The ``feeds`` spider: RSS and Atom feeds, every item's page through the stages.

    scrapy crawl feeds -a feeds=https://example.com/rss.xml[,URL...]

Feeds are parsed without resolving entities, loading DTDs or touching the network
(:func:`feed_links`); a feed that declares entities (the "billion laughs" bomb) or
is not well-formed XML is refused. Links are normalised (:mod:`pipeline.urls`);
a link that is not an http(s) URL is never followed. Every problem becomes an
item with its reason, which the decode stage records in ``failures``:
``bad-feed``, ``not-a-web-url``, ``not-html`` (another content type),
``http-<status>`` and ``download-error`` (timeouts, refused connections,
``DOWNLOAD_MAXSIZE`` exceeded, redirect loops).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.items import Document
from pipeline.storage import utcnow
from pipeline.urls import normalize_url
from settings.config import Config

_ATOM = "{http://www.w3.org/2005/Atom}"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FeedError(ValueError):
    """A feed that cannot be read safely."""


def feed_links(body: bytes) -> list[str]:
    """The item links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order.

    Raises :class:`FeedError` for XML that is not well-formed, for a feed that declares
    entities (never expanded here), and for XML that is not a feed."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not well-formed XML ({exc})") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedError("the feed declares XML entities (a possible entity bomb); refused")
    links: list[str] = []
    if etree.QName(root).localname in ("rss", "RDF"):
        for item in root.iter("item", "{http://purl.org/rss/1.0/}item"):
            link = item.findtext("link") or item.findtext("{http://purl.org/rss/1.0/}link")
            if link and link.strip():
                links.append(link.strip())
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iter(f"{_ATOM}entry"):
            for link in entry.iter(f"{_ATOM}link"):
                if link.get("rel", "alternate") == "alternate" and link.get("href"):
                    links.append(link.get("href", "").strip())
                    break
    else:
        raise FeedError(f"not an RSS or Atom feed (root element <{etree.QName(root).localname}>)")
    return links


class FeedsSpider(scrapy.Spider):
    """Fetches each feed, then each page it links to, and yields the pages as :class:`Document`."""

    name = "feeds"

    def __init__(self, feeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not feeds:
            raise ValueError("the feeds spider needs -a feeds=URL[,URL...]")
        self.feed_urls = [u.strip() for u in feeds.split(",") if u.strip()]

    async def start(self) -> AsyncIterator[Document | scrapy.Request]:
        tracking = Config.from_settings(self.settings).tracking_params
        for url in self.feed_urls:
            normal = normalize_url(url, tracking)
            if normal is None:
                yield _failed(url, "not-a-web-url", "a feed must be an http(s) URL")
                continue
            yield scrapy.Request(normal, callback=self.parse_feed, errback=self.on_error, dont_filter=True)

    def parse_feed(self, response: Response) -> Iterator[Document | scrapy.Request]:
        tracking = Config.from_settings(self.settings).tracking_params
        try:
            links = feed_links(response.body)
        except FeedError as exc:
            yield _failed(response.url, "bad-feed", str(exc))
            return
        self.crawler.stats.inc_value("newsdedup/feeds/links", len(links))
        for link in links:
            url = normalize_url(urljoin(response.url, link), tracking)
            if url is None:
                yield _failed(link, "not-a-web-url", f"the feed {response.url} links to a non-web URL; not followed")
                continue
            yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error)

    def parse_page(self, response: Response) -> Iterator[Document]:
        kind = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
        if kind and kind not in PAGE_TYPES:
            yield _failed(response.url, "not-html", f"content type {kind!r} is not a web page")
            return
        body = response.body
        yield Document(uri=response.url, raw=body, fetched_at=utcnow(), size=len(body),
                       sha256=hashlib.sha256(body).hexdigest())

    def on_error(self, failure: Failure) -> Iterator[Document]:
        url = failure.request.url  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield _failed(url, f"http-{status}", f"the server answered {status}")
        else:
            yield _failed(url, "download-error", f"{failure.type.__name__}: {failure.getErrorMessage()}")


def _failed(uri: str, reason: str, message: str) -> Document:
    return Document(uri=uri, fetched_at=utcnow(), error=(reason, message))
