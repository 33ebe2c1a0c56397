"""Retries wait longer each time, and honour Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.retry import backoff
from tests.newsworld import NewsWorld, crawl


def test_a_flaky_page_is_retried_after_growing_pauses_and_then_stored(news_world: NewsWorld, tmp_path: Path) -> None:
    outlet = news_world.hafenblatt
    (outlet.root / "flaky.xml").write_text(
        f'<rss version="2.0"><channel><item><link>{outlet.url}/flaky/news/story-0.html</link></item>'
        "</channel></rss>", encoding="utf-8")
    articles, uris, failures = crawl(tmp_path / "r.db", "feeds", f"{outlet.url}/flaky.xml",
                                     "-s", "NEWSDEDUP_RETRY_BACKOFF_SECONDS=0.3")
    assert (articles, failures) == (1, [])
    times = outlet.server.times["/flaky/news/story-0.html"]
    assert len(times) == 3  # 503, 429, then the page
    first, second = times[1] - times[0], times[2] - times[1]
    assert first >= 0.3 and first < 0.9  # the first pause: the base
    assert second >= 1.0  # the second: twice the base (0.6 s), but Retry-After asked for 1 s


@pytest.mark.parametrize(("retry", "asked", "expected"), [(1, 0, 2.0), (2, 0, 4.0), (3, 0, 8.0), (7, 0, 60.0),
                                                         (1, 30.0, 30.0), (1, 3600.0, 60.0)])
def test_the_pause_doubles_honours_retry_after_and_is_capped(retry: int, asked: float, expected: float) -> None:
    assert backoff(retry, asked, base=2.0, cap=60.0) == expected
