"""The ``feeds`` spider against a small news world served on 127.0.0.1 by the test itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.base import XMLRefused
from spiders.feeds import feed_links
from tests.newsworld import BOMB, crawl


def test_feed_links_of_rss_and_atom() -> None:
    assert feed_links(b"<rss><channel><item><link> https://a.example/1 </link></item></channel></rss>") == [
        "https://a.example/1"]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/x.xml"/>'
            b'<link href="https://a.example/2"/></entry></feed>')
    assert feed_links(atom) == ["https://a.example/2"]


@pytest.mark.parametrize(("body", "message"), [
    (BOMB, "declares XML entities"),
    (b"<rss><channel>", "not well-formed"),
    (b"<html><body>no feed</body></html>", "not an RSS or Atom feed"),
])
def test_unsafe_or_broken_feeds_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(XMLRefused, match=message):
        feed_links(body)


def test_a_crawl_of_a_feed_stores_the_story_once_and_records_every_problem(news_site: str, tmp_path: Path) -> None:
    # the feed's first link is no URL (http://[::1): recorded, and every item after it is read
    feeds = ",".join(f"{news_site}/{name}" for name in ("feed.xml", "broken.xml", "bomb.xml"))
    articles, uris, failures = crawl(tmp_path / "crawl.db", "feeds", feeds)
    assert articles == 1
    assert uris == [f"{news_site}/a.html", f"{news_site}/b.html"]  # normalised: no tracking, no fragment
    assert failures == sorted([
        (f"{news_site}/bomb.xml", "bad-feed"), (f"{news_site}/broken.xml", "bad-feed"),
        (f"{news_site}/doc.pdf", "not-html"), (f"{news_site}/gone.html", "http-404"),
        ("file:///etc/passwd", "not-a-web-url"), ("http://[::1", "bad-url"),
        (f"{news_site}/private/a.html", "robots-disallowed"),  # not a download error
    ])


def test_a_redirect_loop_and_a_huge_page_are_recorded_and_the_crawl_goes_on(news_site: str,
                                                                            tmp_path: Path) -> None:
    articles, uris, failures = crawl(tmp_path / "crawl.db", "feeds", f"{news_site}/trouble.xml,{news_site}/feed.xml")
    assert articles == 1 and len(uris) == 2  # the good feed's story, after the trouble
    assert (f"{news_site}/loop", "redirect-loop") in failures
    assert (f"{news_site}/huge.html", "download-error") in failures
