"""robots.txt, obeyed as Scrapy does, with its refusals told apart from download errors.

Scrapy's ``RobotsTxtMiddleware`` refuses a page robots.txt forbids with a plain
``IgnoreRequest``, which the spiders' errback could not tell from any other dropped request.
This subclass raises :class:`RobotsDisallowed` instead, so the page is recorded as
``robots-disallowed`` (:meth:`spiders.base.NewsSpider.on_error`). Everything else (fetching
and caching robots.txt per host, ``ROBOTSTXT_OBEY``, ``ROBOTSTXT_USER_AGENT``) is Scrapy's.
It replaces Scrapy's middleware in ``settings.DOWNLOADER_MIDDLEWARES``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import RobotParser


class RobotsDisallowed(IgnoreRequest):
    """A request robots.txt forbids."""


class RobotsMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, raising :class:`RobotsDisallowed` for a forbidden page."""

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except RobotsDisallowed:
            raise
        except IgnoreRequest as exc:
            raise RobotsDisallowed(str(exc)) from None
