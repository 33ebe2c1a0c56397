"""What the web spiders share: safe XML, link following, pages as documents, failures as items.

Every problem becomes a :class:`Document` with an ``error`` (reason, message); the
decode stage then records it in ``failures``, so a crawl reports bad input the way
a local ingest does, and goes on. A redirect loop, which Scrapy's scheduler drops
silently, is recorded directly (``redirect-loop``). A link that is no URL at all
(``http://[::1``, a port above 65535) is recorded as ``bad-url`` and the links after it
are read on; one to another scheme as ``not-a-web-url``. A page robots.txt forbids is
recorded as ``robots-disallowed``, one on a private address the user did not give
(:mod:`spiders.addresses`) as ``private-address``.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy import select
from twisted.python.failure import Failure

from pipeline.context import RunContext
from pipeline.crawl.sources import OUTLET
from pipeline.crawl.urls import canonical_url, normalize_url
from pipeline.errors import DocumentFailed
from pipeline.items import Document
from pipeline.store.database import Database
from pipeline.store.models import Provenance, utcnow
from settings.config import Config
from spiders.addresses import PrivateAddress
from spiders.robots import RobotsDisallowed

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class XMLRefused(ValueError):
    """XML (a feed, a sitemap) that cannot be read safely."""


def safe_xml(body: bytes) -> etree._Element:
    """Parse ``body`` without resolving entities, loading DTDs or using the network.

    Raises :class:`XMLRefused` for XML that is not well-formed and for XML that declares
    entities (the "billion laughs" bomb): no feed or sitemap needs them."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XMLRefused(f"not well-formed XML ({exc})") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise XMLRefused("it declares XML entities (a possible entity bomb); refused")
    return root


def failed(uri: str, reason: str, message: str) -> Document:
    """An item that records a problem; the decode stage turns it into a ``failures`` row."""
    return Document(uri=uri, fetched_at=utcnow(), error=(reason, message))


class NewsSpider(scrapy.Spider):
    """Base of the web spiders: follows links to pages, yields pages and problems as items.

    A subclass sets ``entry_urls`` (its feeds, sitemaps or section pages, from its ``-a``
    argument, read by :meth:`urls_argument`) and implements :meth:`parse_entry` for them.
    A page whose URL is already stored is not fetched again (counted as
    ``newsdedup/skipped/already-fetched``) unless the spider gets ``-a refetch=true``.
    """

    def __init__(self, *args: Any, refetch: str = "false", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refetch = refetch.lower() in ("1", "true", "yes")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        return spider

    def on_request_dropped(self, request: scrapy.Request, **_: Any) -> None:
        """A redirect back to a URL of its own redirect chain is a loop: the scheduler drops it
        silently (as a duplicate), so it is recorded here (``redirect-loop``). A redirect to a
        page another link already led to is just a duplicate."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            RunContext.for_crawler(self.crawler).document_dropped(Document(uri=chain[0]), DocumentFailed(
                "redirect-loop", f"redirected back to {request.url} (after {' -> '.join(chain)}); not followed",
                stage="download"))

    @cached_property
    def tracking(self) -> tuple[str, ...]:
        return Config.from_settings(self.settings).tracking_params

    def stored(self, url: str) -> bool:
        """Whether a page with this URL is already in ``provenance``."""
        session = RunContext.for_crawler(self.crawler).session
        with session.no_autoflush:
            return session.scalar(select(Provenance.id).where(Provenance.uri == url).limit(1)) is not None

    def follow_page(self, link: str, base: str, found_in: str,
                    callback: Callable[[Response], Any] | None = None) -> scrapy.Request | Document | None:
        """A request for a page ``link`` (to ``callback``, by default :meth:`parse_page`); None
        when it is stored already and no re-fetch is asked. A re-fetch is conditional: it sends
        the stored ETag and Last-Modified back, and a 304 answer is skipped as ``not-modified``."""
        out = self.request(link, base, callback or self.parse_page, found_in)
        if not isinstance(out, scrapy.Request) or not self.stored(out.url):
            return out
        if not self.refetch:
            RunContext.for_crawler(self.crawler).skipped("already-fetched")
            return None
        last = Database.last_fetch(RunContext.for_crawler(self.crawler).session, out.url)
        if last is not None and last.etag:
            out.headers["If-None-Match"] = last.etag
        if last is not None and last.last_modified:
            out.headers["If-Modified-Since"] = last.last_modified
        out.meta["handle_httpstatus_list"] = [304]
        return out.replace(dont_filter=True)  # asked for: even a shared frontier that saw it

    entry_urls: list[str]

    async def start(self) -> AsyncIterator[Document | scrapy.Request]:
        for url in self.entry_urls:
            out = self.request(url, url, self.parse_entry, "the command line")
            # an entry (feed, sitemap, start page) is read every run, even through a shared
            # frontier that has seen it (spiders/frontier.py)
            yield out.replace(dont_filter=True) if isinstance(out, scrapy.Request) else out

    def parse_entry(self, response: Response) -> Iterator[Document | scrapy.Request]:
        raise NotImplementedError

    def urls_argument(self, value: str | None, flag: str) -> list[str]:
        if not value:
            raise ValueError(f"the {self.name} spider needs -a {flag}=URL[,URL...]")
        return [u.strip() for u in value.split(",") if u.strip()]

    def request(self, link: str, base: str, callback: object, found_in: str,
                meta: dict[str, Any] | None = None) -> scrapy.Request | Document:
        """A request for ``link`` (resolved against ``base``, normalised), or the failure item
        when it is not a valid URL (``bad-url``) or not an http(s) one (``not-a-web-url``): such
        links are never followed. Never raises on a link, so the links after it are read."""
        problem = bad_url(link, base)
        if problem is not None:
            return failed(link, "bad-url", f"{found_in} links to {link[:200]!r}, which is not a valid URL "
                                           f"({problem}); not followed")
        url = normalize_url(urljoin(base, link), self.tracking)
        if url is None:
            return failed(link, "not-a-web-url", f"{found_in} links to a non-web URL; not followed")
        try:
            return scrapy.Request(url, callback=callback, errback=self.on_error,  # type: ignore[arg-type]
                                  meta={"found_in": base, **(meta or {})})
        except ValueError as exc:  # anything Scrapy's own URL check refuses
            return failed(link, "bad-url", f"{found_in} links to {link[:200]!r}, which is not a valid URL "
                                           f"({exc}); not followed")

    def parse_page(self, response: Response) -> Iterator[Document]:
        """A fetched page as a document, if it is a web page, with how it was fetched."""
        if response.status == 304:  # a conditional re-fetch: the stored version is current
            RunContext.for_crawler(self.crawler).skipped("not-modified")
            return
        self.crawler.stats.inc_value("newsdedup/fetched/pages")
        kind = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
        if kind and kind not in PAGE_TYPES:
            yield failed(response.url, "not-html", f"content type {kind!r} is not a web page")
            return
        body = response.body
        uri = normalize_url(response.url, self.tracking) or response.url  # after redirects too
        yield Document(
            uri=uri, raw=body, fetched_at=utcnow(), size=len(body), sha256=hashlib.sha256(body).hexdigest(),
            status=response.status, found_in=response.meta.get("found_in"),
            canonical_url=canonical_url(response.selector, uri, self.tracking)
            if isinstance(response, TextResponse) and kind != "text/plain" else None,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            source_outlet=self.settings.get(OUTLET) or None)

    def on_error(self, failure: Failure) -> Iterator[Document]:
        url = failure.request.url  # type: ignore[attr-defined]
        if failure.check(HttpError):
            self.crawler.stats.inc_value("newsdedup/fetched/pages")
            status = failure.value.response.status
            yield failed(url, f"http-{status}", f"the server answered {status}")
        elif failure.check(RobotsDisallowed):
            yield failed(url, "robots-disallowed", "the site's robots.txt forbids this page; not fetched")
        elif failure.check(PrivateAddress):
            yield failed(url, "private-address", str(failure.value))
        else:
            yield failed(url, "download-error", f"{failure.type.__name__}: {failure.getErrorMessage()}")


def bad_url(link: str, base: str) -> str | None:
    """Why ``link`` (resolved against ``base``) cannot be read as a URL at all, e.g. a broken
    IPv6 host (``http://[::1``) or a port above 65535; None when it parses (it may still be
    of another scheme than http(s))."""
    try:
        urlsplit(urljoin(base, link.strip())).port
    except ValueError as exc:
        return str(exc)
    return None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
