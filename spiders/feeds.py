"""The ``feeds`` spider: RSS and Atom feeds, every item's page through the stages.

    scrapy crawl feeds -a feeds=https://example.com/rss.xml[,URL...]

Feeds are parsed by :func:`spiders.base.safe_xml` (no entities, DTDs or network).
Problems are recorded with their reason (see :mod:`spiders.base`), and the feed's
other items are read on: ``bad-feed``, ``bad-url``, ``not-a-web-url``, ``private-address``,
``robots-disallowed``, ``not-html``, ``http-<status>``, ``redirect-loop``,
``download-error`` (timeouts, refused connections, ``DOWNLOAD_MAXSIZE`` exceeded,
too many redirects).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response

from pipeline.items import Document
from spiders.base import NewsSpider, XMLRefused, failed, safe_xml

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"


def feed_links(body: bytes) -> list[str]:
    """The item links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order; raises
    :class:`XMLRefused` for unsafe or broken XML and for XML that is not a feed."""
    root = safe_xml(body)
    links: list[str] = []
    if etree.QName(root).localname in ("rss", "RDF"):
        for item in root.iter("item", f"{_RSS1}item"):
            link = item.findtext("link") or item.findtext(f"{_RSS1}link")
            if link and link.strip():
                links.append(link.strip())
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iter(f"{_ATOM}entry"):
            for link in entry.iter(f"{_ATOM}link"):
                if link.get("rel", "alternate") == "alternate" and link.get("href"):
                    links.append(link.get("href", "").strip())
                    break
    else:
        raise XMLRefused(f"not an RSS or Atom feed (root element <{etree.QName(root).localname}>)")
    return links


class FeedsSpider(NewsSpider):
    """Fetches each feed, then each page it links to."""

    name = "feeds"

    def __init__(self, feeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_urls = self.urls_argument(feeds, "feeds")

    def parse_entry(self, response: Response) -> Iterator[Document | scrapy.Request]:
        """A feed: follow its item links."""
        try:
            links = feed_links(response.body)
        except XMLRefused as exc:
            yield failed(response.url, "bad-feed", str(exc))
            return
        self.crawler.stats.inc_value("newsdedup/feeds/links", len(links))
        for link in links:
            out = self.follow_page(link, response.url, f"the feed {response.url}")
            if out is not None:
                yield out
