"""The ``sitemaps`` spider against the news world of ``tests/newsworld.py``."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from spiders.base import XMLRefused
from spiders.sitemaps import sitemap_locations
from tests.newsworld import BOMB, NewsWorld, crawl

URLSET = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://a.example/1 </loc>'
          b"<image:image xmlns:image='http://www.google.com/schemas/sitemap-image/1.1'>"
          b"<image:loc>https://a.example/1.jpg</image:loc></image:image></url></urlset>")


def test_locations_of_a_sitemap_gzipped_or_not() -> None:
    assert sitemap_locations(URLSET, 10_000) == ("urlset", ["https://a.example/1"])  # not the image's loc
    assert sitemap_locations(gzip.compress(URLSET), 10_000) == ("urlset", ["https://a.example/1"])


@pytest.mark.parametrize(("body", "message"), [
    (BOMB, "declares XML entities"), (b"<urlset><url>", "not well-formed"), (b"<rss/>", "not a sitemap"),
    (gzip.compress(URLSET * 200), "oversized"), (b"\x1f\x8b broken", "broken or oversized gzip"),
])
def test_unsafe_broken_or_oversized_sitemaps_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(XMLRefused, match=message):
        sitemap_locations(body, 10_000)


def test_a_crawl_of_a_sitemap_index_stores_the_story_once(news_site: str, tmp_path: Path) -> None:
    articles, uris, failures = crawl(tmp_path / "crawl.db", "sitemaps",
                                     f"{news_site}/sitemap.xml,{news_site}/broken.xml")
    assert articles == 1
    assert uris == [f"{news_site}/a.html", f"{news_site}/b.html"]
    assert failures == sorted([(f"{news_site}/broken.xml", "bad-sitemap"), (f"{news_site}/gone.html", "http-404"),
                               ("http://[::1", "bad-url"),  # the first <loc>: the others are read on
                               ("javascript:void(0)", "not-a-web-url")])


def test_a_sitemap_index_that_links_to_the_next_index_for_ever_ends_at_the_depth_limit(news_world: NewsWorld,
                                                                                       tmp_path: Path) -> None:
    outlet = news_world.hafenblatt  # /chain/N.xml is an index of /chain/N+1.xml, without end
    start = time.monotonic()
    articles, uris, failures = crawl(tmp_path / "deep.db", "sitemaps",
                                     f"{outlet.url}/chain/0.xml,{outlet.url}/sitemap.xml",
                                     "-s", "NEWSDEDUP_SITEMAP_MAX_DEPTH=3")
    assert time.monotonic() - start < 60
    assert [p for p in outlet.requests if p.startswith("/chain/")] == [f"/chain/{n}.xml" for n in range(4)]
    assert failures == [(f"{outlet.url}/chain/4.xml", "too-deep")]  # recorded, not fetched
    assert articles == 3  # the other sitemap's stories, all of them
