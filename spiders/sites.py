"""The ``sites`` spider: start pages, and the pages they link to, up to a depth.

    scrapy crawl sites -a urls=https://example.com/politik/[,URL...] [-a domains=example.com] [-a depth=1]

Start pages are section pages: their links are followed, they are not stored.
Pages found from them (depth 1 and on) go through the stages, and their links
are followed while the depth allows. Only links on ``domains`` (default: the
start pages' hosts, subdomains included) are followed; a link to another scheme
(``file:``…) is recorded as ``not-a-web-url`` and never followed, and a link that is not a
valid URL (``http://[::1``, which Scrapy's link extractor drops silently) as ``bad-url``;
the other links of the page are followed all the same. A page whose
text is too thin to be an article (a section page found deeper) is recorded by
the clean stage as ``no-text``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from pipeline.items import Document
from spiders.base import NewsSpider, bad_url, failed

_HREFS = "//a/@href | //area/@href"  # what Scrapy's LinkExtractor reads by default


class SitesSpider(NewsSpider):
    """Follows links from section pages to articles, within the allowed domains and depth."""

    name = "sites"

    def __init__(self, urls: str | None = None, domains: str | None = None, depth: str = "1",
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_urls = self.urls_argument(urls, "urls")
        hosts = {(urlsplit(u).hostname or "").removeprefix("www.") for u in self.entry_urls} - {""}
        self.allowed_domains = [d.strip().lower() for d in (domains or "").split(",") if d.strip()] or sorted(hosts)
        try:
            self.max_depth = int(depth)
        except ValueError:
            raise ValueError(f"-a depth={depth!r}: give a whole number, 0 or more") from None
        # Domains are checked here, not by the extractor: links to file: and other schemes (no
        # host) must reach request() to be recorded, and never be followed.
        self.links = LinkExtractor(deny_extensions=None)

    def parse_entry(self, response: Response) -> Iterator[Document | scrapy.Request]:
        """A start page: follow its links, do not store it."""
        yield from self._follow(response)

    def parse_article(self, response: Response) -> Iterator[Document | scrapy.Request]:
        yield from self.parse_page(response)
        yield from self._follow(response)

    def _allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def _follow(self, response: Response) -> Iterator[Document | scrapy.Request]:
        depth = response.meta.get("depth", 0)
        if depth >= self.max_depth or not hasattr(response, "text"):
            return
        for href in dict.fromkeys(response.xpath(_HREFS).getall()):  # those the extractor drops unseen
            problem = bad_url(href, response.url)
            if problem is not None:
                yield failed(href, "bad-url", f"the page {response.url} links to {href[:200]!r}, which is not "
                                              f"a valid URL ({problem}); not followed")
        for link in self.links.extract_links(response):
            if urlsplit(link.url).scheme in ("http", "https") and not self._allowed(link.url):
                continue
            out = self.follow_page(link.url, response.url, f"the page {response.url}", self.parse_article)
            if out is not None:
                yield out
