"""The ``sites`` spider: from a section page to its articles, within the domain and the depth."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.newsworld import crawl


def test_a_section_page_leads_to_its_articles_and_a_rerun_fetches_nothing_again(news_site: str,
                                                                                tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    articles, uris, failures = crawl(db, "sites", f"{news_site}/politik.html")
    assert articles == 1  # two outlets' copies of one story
    assert uris == [f"{news_site}/a.html", f"{news_site}/b.html"]  # the section page itself is not stored
    assert failures == sorted([(f"{news_site}/gone.html", "http-404"), ("file:///etc/passwd", "not-a-web-url"),
                               ("http://127.0.0.1:99999/x.html", "bad-url"), ("http://[::1", "bad-url")])

    crawl(db, "sites", f"{news_site}/politik.html")
    with sqlite3.connect(db) as conn:
        stats = conn.execute("select stats from runs order by id desc limit 1").fetchone()[0]
        assert conn.execute("select count(*) from provenance").fetchone()[0] == 2
    assert '"newsdedup/skipped/already-fetched": 2' in stats  # stored pages are not fetched again


def test_depth_zero_follows_nothing(news_site: str, tmp_path: Path) -> None:
    articles, uris, _ = crawl(tmp_path / "crawl.db", "sites", f"{news_site}/politik.html", "-a", "depth=0")
    assert (articles, uris) == (0, [])
