"""URLs: the one form a page is known by, so that it is fetched and stored once.

:func:`normalize_url` is applied to every URL before it is fetched or stored;
:func:`canonical_url` reads the URL a page declares for itself
(``<link rel="canonical">``, else ``og:url``). Only ``http`` and ``https`` URLs
are web pages: anything else (``file:``, ``data:``, ``javascript:``, ``mailto:``)
gives ``None``, and a crawl never follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from w3lib.url import canonicalize_url

WEB_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str, tracking: Sequence[str] = ()) -> str | None:
    """``url`` with the scheme and host lower-cased, the default port, the fragment and the
    query parameters matching ``tracking`` (glob patterns such as ``utm_*``, compared
    case-insensitively) dropped, and the query sorted. ``None`` when it is not a web URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # "http://[::1", "http://host:99999"
        return None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    patterns = [p.lower() for p in tracking]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not any(fnmatchcase(k.lower(), p) for p in patterns)]
    cleaned = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    return canonicalize_url(cleaned)


def canonical_url(page: str | Selector, page_url: str, tracking: Sequence[str] = ()) -> str | None:
    """The URL the page (its HTML, or a parsed selector) declares for itself, resolved against
    ``page_url`` and normalised: ``<link rel="canonical">``, else ``<meta property="og:url">``;
    ``None`` without one. One that is not a valid web URL is passed over."""
    sel = page if isinstance(page, Selector) else Selector(text=page)
    for href in (
        sel.xpath('//link[contains(concat(" ", normalize-space(translate(@rel, "CANONICAL", "canonical")), " "),'
                  ' " canonical ")]/@href').get(),
        sel.xpath('//meta[@property="og:url"]/@content').get(),
    ):
        if href and href.strip():
            try:
                found = normalize_url(urljoin(page_url, href.strip()), tracking)
            except ValueError:  # "http://[::1": no URL, so the page declares none
                continue
            if found is not None:
                return found
    return None
