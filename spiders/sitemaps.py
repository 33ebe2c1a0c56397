"""The ``sitemaps`` spider: XML and news sitemaps (and sitemap indexes), every page through the stages.

    scrapy crawl sitemaps -a sitemaps=https://example.com/sitemap.xml[,URL...]

Sitemaps may be gzipped; they are parsed by :func:`spiders.base.safe_xml` (no
entities, DTDs or network). A sitemap index is followed to its sitemaps, at most
``NEWSDEDUP_SITEMAP_MAX_DEPTH`` indexes below the sitemap given: the sitemaps that an
index deeper down lists are recorded as ``too-deep`` and not fetched (an index that links
to the next index, for ever, ends there). Problems are recorded with their reason:
``bad-sitemap``, ``too-deep`` and those of :mod:`spiders.base`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from pipeline.items import Document
from settings.config import Config
from spiders.base import NewsSpider, XMLRefused, failed, safe_xml

DEPTH = "sitemap_depth"  # request meta: how many indexes lie between this sitemap and the one given


def sitemap_locations(body: bytes, max_size: int) -> tuple[str, list[str]]:
    """``("urlset" | "sitemapindex", locations)`` of a sitemap, gunzipped if need be (up to
    ``max_size`` bytes); raises :class:`XMLRefused` for anything else."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, ValueError) as exc:  # scrapy's _DecompressionMaxSizeExceeded is a ValueError
            raise XMLRefused(f"a broken or oversized gzip file ({exc})") from None
    root = safe_xml(body)
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise XMLRefused(f"not a sitemap (root element <{kind}>)")
    locs = [el.text.strip() for el in root.iter() if isinstance(el.tag, str)
            and etree.QName(el).localname == "loc" and el.text and el.text.strip()
            and etree.QName(el.getparent()).localname in ("url", "sitemap")]
    return kind, locs


class SitemapsSpider(NewsSpider):
    """Fetches each sitemap (following indexes), then each page it lists."""

    name = "sitemaps"

    def __init__(self, sitemaps: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_urls = self.urls_argument(sitemaps, "sitemaps")

    def parse_entry(self, response: Response) -> Iterator[Document | scrapy.Request]:
        """A sitemap: follow its pages, or, for an index, its sitemaps."""
        try:
            kind, locs = sitemap_locations(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except XMLRefused as exc:
            yield failed(response.url, "bad-sitemap", str(exc))
            return
        self.crawler.stats.inc_value(f"newsdedup/sitemaps/{kind}", len(locs))
        depth = int(response.meta.get(DEPTH, 0))
        limit = Config.from_settings(self.settings).crawl.sitemap_max_depth
        found_in = f"the sitemap {response.url}"
        for loc in locs:
            if kind == "urlset":
                out = self.follow_page(loc, response.url, found_in)
            else:
                out = self.request(loc, response.url, self.parse_entry, found_in, meta={DEPTH: depth + 1})
                if isinstance(out, scrapy.Request) and depth >= limit:
                    out = failed(out.url, "too-deep", f"{found_in} is a sitemap index {depth} levels below the "
                                                      "sitemap given; its sitemaps are not followed "
                                                      f"(NEWSDEDUP_SITEMAP_MAX_DEPTH={limit})")
            if out is not None:
                yield out
