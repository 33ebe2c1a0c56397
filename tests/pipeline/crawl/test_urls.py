"""URL normalisation and the canonical URL a page declares."""

from __future__ import annotations

import pytest

from pipeline.crawl.urls import canonical_url, normalize_url
from tests.conftest import make_config

TRACKING = make_config().tracking_params


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://News.Example.COM/Politik/Artikel-1.html", "https://news.example.com/Politik/Artikel-1.html"),
    ("https://example.com:443/a#comments", "https://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7&fbclid=XyZ", "https://example.com/a?id=7"),
    ("https://example.com/a?b=2&a=1&UTM_Campaign=x", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?gclid=1&mc_cid=2&igshid=3", "https://example.com/a"),
    ("https://example.com/caf%C3%A9?q=a b", "https://example.com/caf%C3%A9?q=a+b"),
])
def test_one_form_per_page(url: str, expected: str) -> None:
    assert normalize_url(url, TRACKING) == expected


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "data:text/html,<p>x</p>", "javascript:alert(1)", "mailto:desk@example.com",
    "ftp://example.com/a", "https://", "http://[::1", "not a url",
])
def test_only_web_urls_are_urls(url: str) -> None:
    assert normalize_url(url, TRACKING) is None


def test_the_canonical_link_wins_over_og_url_and_is_resolved() -> None:
    html = ('<html><head><meta property="og:url" content="https://example.com/og">'
            '<link rel="Canonical" href="/politik/story-1?utm_source=x#top"></head><body></body></html>')
    assert canonical_url(html, "https://www.example.com/amp/story-1", TRACKING) == \
        "https://www.example.com/politik/story-1"


def test_og_url_when_there_is_no_canonical_link_and_none_when_neither() -> None:
    assert canonical_url('<meta property="og:url" content="https://Example.com/x">', "https://a.org/", TRACKING) == \
        "https://example.com/x"
    assert canonical_url("<p>no head</p>", "https://a.org/", TRACKING) is None
    assert canonical_url('<link rel="canonical" href="file:///etc/passwd">', "https://a.org/", TRACKING) is None


def test_a_canonical_link_that_is_no_url_is_passed_over() -> None:
    # urljoin raised ValueError on it, and the page that declared it was lost with the error
    html = '<link rel="canonical" href="http://[::1"><meta property="og:url" content="https://example.com/og">'
    assert canonical_url(html, "https://a.org/", TRACKING) == "https://example.com/og"
    assert canonical_url('<link rel="canonical" href="http://[::1">', "https://a.org/", TRACKING) is None
