"""What every web spider shares: provenance of fetched pages, and conditional re-fetching."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from tests.newsworld import SEED_STORIES, NewsWorld, crawl


def test_a_refetch_is_conditional_and_only_a_changed_page_is_stored_again(news_world: NewsWorld,
                                                                          tmp_path: Path) -> None:
    db, outlet = tmp_path / "r.db", news_world.hafenblatt
    feed = f"{outlet.url}/feed.xml"
    crawl(db, "feeds", feed)
    with sqlite3.connect(db) as conn:
        etags = conn.execute("select etag from fetches").fetchall()
    assert len(etags) == 3 and all(e[0].startswith('"') for e in etags)

    crawl(db, "feeds", feed)  # no re-fetch asked: stored pages are not requested at all
    assert [p for p in outlet.requests if p.startswith("/news/")].count("/news/story-0.html") == 1

    story = SEED_STORIES[0]  # the outlet corrects a story: one paragraph gains a sentence
    outlet.publish("story-0", dataclasses.replace(
        story, paragraphs=(story.paragraphs[0] + " Das teilte das Ministerium am Abend mit.", *story.paragraphs[1:])))
    outlet.requests.clear()
    crawl(db, "feeds", feed, "-a", "refetch=true")
    assert sorted(p for p in outlet.requests if p.startswith("/news/")) == [
        "/news/story-0.html", "/news/story-1.html", "/news/story-2.html"]
    with sqlite3.connect(db) as conn:
        stats = conn.execute("select stats from runs order by id desc limit 1").fetchone()[0]
        rows = conn.execute("select p.uri, p.relation, f.status from provenance p join fetches f "
                            "on f.provenance_id = p.id order by p.id").fetchall()
    assert '"newsdedup/skipped/not-modified": 2' in stats  # 304: the stored version is current
    assert len(rows) == 4 and rows[-1][0] == f"{outlet.url}/news/story-0.html"
    assert rows[-1][1] in ("near", "update") and rows[-1][2] == 200  # the correction joins its story
