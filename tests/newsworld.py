"""A small news world served on 127.0.0.1 by the tests themselves (the ``news_site`` fixture,
registered in ``tests/conftest.py``), and a crawl helper."""

from __future__ import annotations

import gzip
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

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

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
    """Two outlets' pages of one story, a feed, a sitemap index with a gzipped sitemap, a broken
    feed, an entity bomb, a PDF, a 404."""
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
    (site / "politik.html").write_text(  # a section page: links to articles, elsewhere, other schemes
        '<html><body><a href="/a.html#comments">A</a> <a href="b.html?utm_medium=x">B</a> <a href="/gone.html">G</a>'
        '<a href="http://elsewhere.example/x.html">out</a> <a href="file:///etc/passwd">f</a>'
        '<a href="mailto:desk@example.org">mail</a></body></html>', encoding="utf-8")
    urlset = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              "<url><loc>/a.html</loc></url><url><loc>/b.html?fbclid=1</loc></url>"
              "<url><loc>/gone.html</loc></url><url><loc>javascript:void(0)</loc></url></urlset>")
    (site / "pages.xml.gz").write_bytes(gzip.compress(urlset.encode()))
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>/pages.xml.gz</loc></sitemap></sitemapindex>", encoding="utf-8")
    (site / "huge.html").write_text("<html><body>" + "<p>Zeile mit Text.</p>" * 20_000 + "</body></html>",
                                    encoding="utf-8")  # about 420 kB: over the tests' DOWNLOAD_MAXSIZE
    (site / "trouble.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><item><link>/loop</link></item>'
        "<item><link>/huge.html</link></item></channel></rss>", encoding="utf-8")
    handler = partial(_Handler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()




class _Handler(SimpleHTTPRequestHandler):
    """Static files, plus /loop: a redirect to itself."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        super().do_GET()


def crawl(db: Path, spider: str, urls: str, *args: str) -> tuple[int, list[str], list[tuple[str, str]]]:
    """Run ``scrapy crawl SPIDER -a SPIDER=URLS [ARGS]`` in its own process (as a scheduled run
    would); return the number of articles, the stored page URIs and the recorded (uri, reason)
    failures."""
    argument = "urls" if spider == "sites" else spider
    run = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"{argument}={urls}", *args,
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_MAXSIZE=200000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NEWSDEDUP_DB": f"sqlite:///{db}"})
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as conn:
        articles = conn.execute("select count(*) from articles").fetchone()[0]
        uris = sorted(r[0] for r in conn.execute("select uri from provenance"))
        failures = sorted(conn.execute("select uri, reason from failures").fetchall())
    return articles, uris, failures
