"""Private addresses: a link found on the web never leads the crawler into a private network.

A feed, sitemap or page may link to ``http://127.0.0.1:8080/admin`` (or to a host name that
resolves there, or redirect to it): another service on this machine or its network, which
would answer the crawler as a trusted neighbour. This downloader middleware checks every
request before it is downloaded (redirects, retries and robots.txt requests included):

- a request to a host and port the user gave (the spider's ``entry_urls``: the command line's
  ``-a feeds=``/``sitemaps=``/``urls=``, or a source of the sources file) is allowed;
- any other host is resolved (``socket.getaddrinfo``, at most
  ``NEWSDEDUP_RESOLVE_TIMEOUT_SECONDS``, cached per host for the crawl); when one of its
  addresses is loopback, private, link-local, unspecified, reserved, multicast or otherwise
  not globally reachable (IPv4 inside IPv6 included), the request is refused with
  :class:`PrivateAddress`, which the spiders record as ``private-address``;
- a host that cannot be resolved in time is refused as a DNS error (``download-error``),
  never fetched unchecked.

``NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES = True`` (a setting, or ``allow_private_addresses = true``
for one source of the sources file) turns the check off. With Scrapy's default resolver the
address checked is the one connected to: it is put into Scrapy's DNS cache, so a name that
resolves elsewhere a moment later (DNS rebinding) is not looked up again for the download.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import dnscache
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.error import DNSLookupError

from settings.config import Config

_PORTS = {"http": 80, "https": 443}
_SCRAPY_RESOLVER = "scrapy.resolver.CachingThreadedResolver"  # the one whose cache holds plain addresses
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddress(IgnoreRequest):
    """A request to a private address that the user did not point the crawl at."""


def address_kind(address: Address) -> str | None:
    """What makes ``address`` private (``"loopback"``, ``"private"``…), or None for a public one.
    An IPv6 address that embeds an IPv4 one (mapped, 6to4, Teredo) is judged by both."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour, *(address.teredo or ())):
            if inner is not None and address_kind(inner) is not None:
                return f"{address_kind(inner)} (inside {address})"
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):  # most telling first
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-global"


def origin(url: str) -> tuple[str, int] | None:
    """``(host, port)`` of an http(s) URL, the port filled in; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _PORTS or not parts.hostname:
        return None
    return parts.hostname.lower().rstrip("."), port or _PORTS[parts.scheme]


class AddressGuard:
    """Downloader middleware (``settings.DOWNLOADER_MIDDLEWARES``): refuses requests to private
    addresses that the user did not give (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        config = Config.from_settings(crawler.settings).crawl
        self.crawler = crawler
        self.allow_all = config.allow_private_addresses
        self.timeout = config.resolve_timeout_seconds
        self.pin = crawler.settings.get("DNS_RESOLVER") == _SCRAPY_RESOLVER and crawler.settings.getbool(
            "DNSCACHE_ENABLED")
        self.resolved: dict[str, tuple[Address, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        return cls(crawler)

    @cached_property
    def given(self) -> frozenset[tuple[str, int]]:
        """The hosts and ports the user pointed the crawl at."""
        urls = getattr(self.crawler.spider, "entry_urls", None) or []
        return frozenset(o for o in map(origin, urls) if o is not None)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        target = origin(request.url)
        if self.allow_all or target is None or target in self.given:
            return
        host, port = target
        for address in await self.addresses(host, port):
            kind = address_kind(address)
            if kind is not None:
                self.crawler.stats.inc_value("newsdedup/refused/private-address")  # type: ignore[union-attr]
                where = host if host == str(address) else f"{host} ({address})"
                raise PrivateAddress(f"{where} is a {kind} address, and the crawl was not pointed at "
                                     f"{host}:{port}; not fetched (NEWSDEDUP_ALLOW_PRIVATE_ADDRESSES allows it)")

    async def addresses(self, host: str, port: int) -> tuple[Address, ...]:
        """Every address ``host`` resolves to (itself, for an address), cached per host."""
        try:
            return (ipaddress.ip_address(host.strip("[]")),)
        except ValueError:
            pass
        if host not in self.resolved:
            from twisted.internet import reactor  # the reactor Scrapy installed

            lookup = threads.deferToThread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
            lookup.addTimeout(self.timeout, reactor)  # type: ignore[arg-type]
            try:
                infos = await maybe_deferred_to_future(lookup)
            except Exception as exc:  # noqa: BLE001 - gaierror, the timeout: either way not checked
                raise DNSLookupError(f"{host}: {exc or type(exc).__name__} (checked before fetching, "
                                     f"at most {self.timeout:g} s)") from None
            self.resolved[host] = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0])
                                                      for info in infos))
        addresses = self.resolved[host]
        ipv4 = [a for a in addresses if a.version == 4]
        if self.pin and ipv4 and all(address_kind(a) is None for a in addresses):
            dnscache[host] = str(ipv4[0])  # what Scrapy's resolver connects to is what was checked
        return addresses
