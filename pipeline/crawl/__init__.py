"""Crawling: what to fetch, when, and the spider processes that fetch it.

- :mod:`~pipeline.crawl.urls`: the one form a URL is known by, and the canonical URL a page declares;
- :mod:`~pipeline.crawl.sources`: named sources from a ``sources.toml`` file, or from the command line;
- :mod:`~pipeline.crawl.runner`: :class:`~pipeline.crawl.runner.CrawlRunner`, one ``scrapy crawl``
  process per spider run, stoppable, dying with its parent;
- :mod:`~pipeline.crawl.scheduler`: schedules kept in the database, and ``newsdedup scheduler``.

The spiders themselves are Scrapy's: the top-level ``spiders`` package. The wing records its runs
through the store (:mod:`pipeline.store`).
"""
