"""The ``feeds`` spider against a small news world served on 127.0.0.1 by the test itself."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.feeds import FeedError, feed_links
from tests.conftest import ROOT, SEEDS

STORY = (SEEDS / "002_2bb625ef10a0835c.txt").read_text(encoding="utf-8")
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><item><link>&lol2;</link></item></channel></rss>"""


def page(title: str, body: str, furniture: str) -> str:
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n") if len(p.split()) > 12)
    return (f"<html><head><title>{title}</title></head><body><nav>{furniture}</nav>"
            f"<article><h1>{title}</h1>{paras}</article><footer>{furniture} Impressum</footer></body></html>")


@pytest.fixture
def news_site(tmp_path: Path) -> Iterator[str]:
    """Two outlets' pages of one story, a feed, a broken feed, an entity bomb, a PDF, a 404."""
    site = tmp_path / "site"
    site.mkdir()
    title = STORY.splitlines()[0]
    (site / "a.html").write_text(page(title, STORY, "Startseite Politik"), encoding="utf-8")
    (site / "b.html").write_text(page(title, STORY.replace("Handschlag", "Händedruck"), "Home Welt"),
                                 encoding="utf-8")
    (site / "doc.pdf").write_bytes(b"%PDF-1.4 not a page")
    (site / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><link>/a.html?utm_source=rss#top</link></item><item><link>/b.html</link></item>"
        "<item><link>/doc.pdf</link></item><item><link>/gone.html</link></item>"
        "<item><link>file:///etc/passwd</link></item></channel></rss>", encoding="utf-8")
    (site / "broken.xml").write_text("<rss><channel><item>", encoding="utf-8")
    (site / "bomb.xml").write_bytes(BOMB)
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_feed_links_of_rss_and_atom() -> None:
    assert feed_links(b"<rss><channel><item><link> https://a.example/1 </link></item></channel></rss>") == [
        "https://a.example/1"]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/x.xml"/>'
            b'<link href="https://a.example/2"/></entry></feed>')
    assert feed_links(atom) == ["https://a.example/2"]


@pytest.mark.parametrize(("body", "message"), [
    (BOMB, "declares XML entities"),
    (b"<rss><channel>", "not well-formed"),
    (b"<html><body>no feed</body></html>", "not an RSS or Atom feed"),
])
def test_unsafe_or_broken_feeds_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        feed_links(body)


def test_a_crawl_of_a_feed_stores_the_story_once_and_records_every_problem(news_site: str, tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    feeds = ",".join(f"{news_site}/{name}" for name in ("feed.xml", "broken.xml", "bomb.xml"))
    run = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NEWSDEDUP_DB": f"sqlite:///{db}"})
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1
        uris = sorted(r[0] for r in conn.execute("select uri from provenance"))
        assert uris == [f"{news_site}/a.html", f"{news_site}/b.html"]  # normalised: no tracking, no fragment
        failures = sorted(conn.execute("select uri, reason from failures").fetchall())
    assert failures == sorted([
        (f"{news_site}/bomb.xml", "bad-feed"), (f"{news_site}/broken.xml", "bad-feed"),
        (f"{news_site}/doc.pdf", "not-html"), (f"{news_site}/gone.html", "http-404"),
        ("file:///etc/passwd", "not-a-web-url"),
    ])
