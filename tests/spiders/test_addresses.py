"""Links found on the web never lead the crawler to a private address the user did not give."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import quote

import pytest

from spiders.addresses import address_kind, origin
from tests.newsworld import NewsWorld, crawl


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
    ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("100.64.0.1", "non-global"),
    ("::ffff:127.0.0.1", "loopback (inside ::ffff:7f00:1)"), ("2002:7f00:1::1", "loopback (inside 2002:7f00:1::1)"),
    ("93.184.215.14", None), ("2a00:1450:4001:82b::200e", None),
])
def test_private_addresses_are_told_from_public_ones(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_an_origin_has_its_port() -> None:
    assert origin("http://Example.org./x") == ("example.org", 80)
    assert origin("https://[::1]:8443/") == ("::1", 8443)
    assert origin("file:///etc/passwd") is None and origin("http://[::1") is None


def test_a_feed_cannot_lead_the_crawl_to_another_service_on_the_machine(news_world: NewsWorld, tmp_path: Path) -> None:
    outlet, other = news_world.hafenblatt, news_world.courier  # the courier: "another service" on 127.0.0.1
    port = other.url.rsplit(":", 1)[1]
    secret = f"{other.url}/news/own-c.html"
    links = [f"{outlet.url}/news/story-0.html", secret, f"http://localhost:{port}/news/wire-a.html",
             f"{outlet.url}/redirect?to={quote(f'{other.url}/news/wire-b.html', safe='')}",
             f"{outlet.url}/news/story-1.html"]
    (outlet.root / "ssrf.xml").write_text('<rss version="2.0"><channel>' + "".join(
        f"<item><link>{link.replace('&', '&amp;')}</link></item>" for link in links) + "</channel></rss>",
        encoding="utf-8")
    articles, uris, failures = crawl(tmp_path / "s.db", "feeds", f"{outlet.url}/ssrf.xml")
    assert other.requests == []  # not a page, not even its robots.txt
    assert uris == [f"{outlet.url}/news/story-0.html", f"{outlet.url}/news/story-1.html"]  # the given host is
    assert failures == sorted([(secret, "private-address"), (f"http://localhost:{port}/news/wire-a.html",
                                                             "private-address"),
                               (f"{other.url}/news/wire-b.html", "private-address")])  # the redirect's target

    # the user may allow it (NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES, or allow_private_addresses for a source)
    articles, uris, failures = crawl(tmp_path / "allowed.db", "feeds", f"{outlet.url}/ssrf.xml",
                                     "-s", "NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES=True")
    assert secret in uris and failures == []
