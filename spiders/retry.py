"""Retries with backoff: Scrapy's retry middleware, waiting longer before each new attempt.

Scrapy retries a failed request (``RETRY_TIMES``, ``RETRY_HTTP_CODES``: timeouts, refused
connections, 5xx, 429) at once. A server that is overloaded or rate-limiting deserves a
pause: this middleware waits ``NEWSDEDUP_RETRY_BACKOFF_SECONDS`` before the first retry,
twice that before the second, and so on, at most ``NEWSDEDUP_RETRY_BACKOFF_MAX_SECONDS``;
a ``Retry-After`` header (seconds) asks for longer and is honoured up to that maximum.
The wait holds no download slot of the site: other pages keep coming meanwhile.
It replaces Scrapy's ``RetryMiddleware`` in ``settings.DOWNLOADER_MIDDLEWARES``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after an exponentially longer wait (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.base = crawler.settings.getfloat("NEWSDEDUP_RETRY_BACKOFF_SECONDS")
        self.cap = crawler.settings.getfloat("NEWSDEDUP_RETRY_BACKOFF_MAX_SECONDS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def delay(self, retry: Request, asked: float = 0.0) -> float:
        """Seconds to wait before ``retry`` (its ``retry_times`` counts the retries so far)."""
        return backoff(int(retry.meta.get("retry_times", 1)), asked, self.base, self.cap)

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: object = None) -> Request | Response:
        out = super().process_response(request, response)
        if isinstance(out, Request):
            await self._wait(self.delay(out, _retry_after(response)))
        return out

    async def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                                spider: object = None) -> Request | Response | None:
        out = super().process_exception(request, exception)
        if isinstance(out, Request):
            await self._wait(self.delay(out))
        return out

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            # the reactor Scrapy installed; imported at module level, it would install another
            from twisted.internet import reactor

            self.crawler.stats.inc_value("newsdedup/retry/backoff_seconds", round(seconds, 3))  # type: ignore[union-attr]
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


def backoff(retry: int, asked: float, base: float, cap: float) -> float:
    """The pause before the ``retry``-th retry: ``base`` doubled each time, or longer if the
    server ``asked`` (Retry-After), never above ``cap``."""
    return min(cap, max(base * 2 ** (max(1, retry) - 1), asked))


def _retry_after(response: Response) -> float:
    """A ``Retry-After`` in seconds (an HTTP date is ignored); 0 without one."""
    value = response.headers.get(b"Retry-After")
    try:
        return max(0.0, float(value.decode("latin-1"))) if value else 0.0
    except ValueError:
        return 0.0
