"""Small news worlds served on 127.0.0.1 by the tests themselves, and a crawl helper.

- ``news_site``: one site with one story on two pages, and every kind of bad input.
- ``news_world``: two outlets on two ports, each with an RSS feed and a sitemap. The
  Hafenblatt publishes stories; the Harbour Courier syndicates some of them inside its
  own markup (menu, author box, ads, related list, comments) and has stories of its own.
  Tests publish more stories between crawls, slow pages down, and read the request log.

Both fixtures are registered in ``tests/conftest.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    feed, an entity bomb, a PDF, a 404, links that are no URLs, a page robots.txt forbids."""
    site = tmp_path / "site"
    site.mkdir()
    title = STORY.splitlines()[0]
    (site / "a.html").write_text(page(title, STORY, "Startseite Politik"), encoding="utf-8")
    (site / "b.html").write_text(page(title, STORY.replace("Handschlag", "Händedruck"), "Home Welt"),
                                 encoding="utf-8")
    (site / "doc.pdf").write_bytes(b"%PDF-1.4 not a page")
    (site / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><link>http://[::1</link></item>"  # not a URL: recorded, and the items after it are read
        "<item><link>/a.html?utm_source=rss#top</link></item><item><link>/b.html</link></item>"
        "<item><link>/private/a.html</link></item>"
        "<item><link>/doc.pdf</link></item><item><link>/gone.html</link></item>"
        "<item><link>file:///etc/passwd</link></item></channel></rss>", encoding="utf-8")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (site / "broken.xml").write_text("<rss><channel><item>", encoding="utf-8")
    (site / "bomb.xml").write_bytes(BOMB)
    (site / "politik.html").write_text(  # a section page: links to articles, elsewhere, other schemes
        '<html><body><a href="http://[::1">v6</a> <a href="http://127.0.0.1:99999/x.html">port</a> '  # no URLs
        '<a href="/a.html#comments">A</a> <a href="b.html?utm_medium=x">B</a> <a href="/gone.html">G</a>'
        '<a href="http://elsewhere.example/x.html">out</a> <a href="file:///etc/passwd">f</a>'
        '<a href="mailto:desk@example.org">mail</a></body></html>', encoding="utf-8")
    urlset = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              "<url><loc>http://[::1</loc></url><url><loc>/a.html</loc></url><url><loc>/b.html?fbclid=1</loc></url>"
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
    server = _serve(site)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()




class _Handler(SimpleHTTPRequestHandler):
    """Static files with ETag and Last-Modified (a matching If-None-Match gets 304), plus /loop:
    a redirect to itself, /redirect?to=URL: a redirect there, /chain/N.xml: a sitemap index of
    /chain/N+1.xml, for ever, and /flaky/PATH: PATH after two failures. Requests are logged in the
    server's ``log`` (and /flaky/ ones' times in ``times``); pages under /news/ answer after the
    server's ``delay``."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        server: _Server = self.server  # type: ignore[assignment]
        server.log.append(self.path)
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path.removeprefix("/redirect?to=")))
            self.end_headers()
            return
        if self.path.startswith("/chain/"):
            n = int(self.path.removeprefix("/chain/").removesuffix(".xml"))
            body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>/chain/{n + 1}.xml</loc></sitemap></sitemapindex>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/flaky/"):  # fails twice (503, then 429 asking for a 1 s pause), then serves
            server.times.setdefault(self.path, []).append(time.monotonic())
            failures = len(server.times[self.path])
            if failures <= 2:
                self.send_response(503 if failures == 1 else 429)
                if failures == 2:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                return
            self.path = self.path.removeprefix("/flaky")
        if self.path.startswith("/news/") and server.delay:
            time.sleep(server.delay)
        path = Path(self.translate_path(self.path))
        self._etag = f'"{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"' if path.is_file() else None
        if self._etag is not None and self.headers.get("If-None-Match") == self._etag:
            self.send_response(304)
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self) -> None:
        if getattr(self, "_etag", None):
            self.send_header("ETag", self._etag)
        super().end_headers()

    def log_message(self, *_: object) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):  # a killed client
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), partial(_Handler, directory=str(directory)))
        self.log: list[str] = []
        self.times: dict[str, list[float]] = {}
        self.delay = 0.0


def _serve(directory: Path) -> _Server:
    server = _Server(directory)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: tuple[str, ...]


def seed_story(name: str) -> Story:
    """A story from a seed file: its first line of 4-20 words as the title, its long lines as
    paragraphs."""
    lines = [line.strip() for line in (SEEDS / name).read_text(encoding="utf-8").splitlines()]
    title = next(line for line in lines if 4 <= len(line.split()) <= 20)
    return Story(title, tuple(line for line in lines if len(line.split()) > 12))


SEED_STORIES = [seed_story(p.name) for p in sorted(SEEDS.glob("*.txt"))]


def hafenblatt_page(outlet: Outlet, story: Story, url: str) -> str:
    """The Hafenblatt's markup: German chrome, a share line, related stories, comments, an ad."""
    related = "".join(f'<li><a href="{outlet.url}/news/{slug}.html">{html.escape(t)}</a></li>'
                      for slug, t in outlet.titles.items() if t != story.title)
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>{html.escape(story.title)} | Hafenblatt</title><link rel="canonical" href="{url}?utm_source=canonical">
</head><body><header><nav><a href="/">Startseite</a> <a href="/politik/">Politik</a>
<a href="/wirtschaft/">Wirtschaft</a> <a href="/sport/">Sport</a></nav></header>
<div class="ad">Anzeige: Jetzt das Hafenblatt-Abo sichern und vier Wochen gratis lesen!</div>
<article><h1>{html.escape(story.title)}</h1><p class="byline">Von Hafenblatt-Redaktion</p>
{"".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)}</article>
<div class="share">Teilen: Facebook · X · WhatsApp · E-Mail</div>
<aside class="related"><h2>Mehr zum Thema</h2><ul>{related}</ul></aside>
<section id="comments"><h2>Kommentare (2)</h2>
<div class="comment"><p>Leser_1983: Das ist doch alles nicht mehr normal, wer soll das noch glauben?</p></div>
<div class="comment"><p>Hafenkind: Danke für den Bericht, bitte bleibt an dem Thema dran!</p></div></section>
<footer>© Hafenblatt · Impressum · Datenschutz · Kontakt</footer></body></html>"""


def courier_page(outlet: Outlet, story: Story, url: str, original: str | None = None) -> str:
    """The Harbour Courier's markup: English chrome, an author box, an ad slot, related
    articles, comments; a syndicated story declares its original as canonical (og:url)."""
    related = "".join(f'<li><a href="{outlet.url}/news/{slug}.html">{html.escape(t)}</a></li>'
                      for slug, t in outlet.titles.items() if t != story.title)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{html.escape(story.title)} - Harbour Courier</title><meta property="og:url" content="{original or url}">
</head><body><div id="menu"><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a></li>
<li><a href="/business/">Business</a></li></ul></div><main><div class="story">
<h2 class="headline">{html.escape(story.title)}</h2>
<div class="author-box">About the author: The Harbour Courier wire desk has covered the region since 1998.</div>
<div class="story-body">{"".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)}</div>
<p class="credit">Quelle: dpa</p></div>
<div class="adslot">Advertisement · Sponsored: Best harbour cruises of the year</div>
<div class="related-articles"><h3>Related articles</h3><ul>{related}</ul></div>
<div class="comments"><h3>3 Comments</h3><p>Pete: Interesting read, thanks for sharing this one.</p>
<p>Ann: I don't buy any of it, to be honest with you all.</p></div></main>
<footer>Harbour Courier · Terms · Privacy</footer></body></html>"""


@dataclass
class Outlet:
    """One outlet on its own port: pages under /news/, /feed.xml (RSS) and /sitemap.xml."""

    root: Path
    markup: Callable[..., str]
    server: _Server = field(init=False)
    titles: dict[str, str] = field(default_factory=dict)  # slug -> title, newest last

    def __post_init__(self) -> None:
        (self.root / "news").mkdir(parents=True)
        self.server = _serve(self.root)
        self._write_indexes()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def requests(self) -> list[str]:
        return self.server.log

    def publish(self, slug: str, story: Story, original: str | None = None) -> str:
        """Put a story online (a syndicated copy names its ``original``); return its URL."""
        url = f"{self.url}/news/{slug}.html"
        self.titles[slug] = story.title
        args = (original,) if original else ()
        (self.root / "news" / f"{slug}.html").write_text(self.markup(self, story, url, *args), encoding="utf-8")
        self._write_indexes()
        return url

    def _write_indexes(self) -> None:
        items = "".join(f"<item><title>{html.escape(t)}</title><link>{self.url}/news/{s}.html?utm_source=rss</link>"
                        "</item>" for s, t in reversed(self.titles.items()))
        (self.root / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>news'
                                            f"</title>{items}</channel></rss>", encoding="utf-8")
        urls = "".join(f"<url><loc>{self.url}/news/{s}.html</loc></url>" for s in self.titles)
        (self.root / "sitemap.xml").write_text('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                                               f'schemas/sitemap/0.9">{urls}</urlset>', encoding="utf-8")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class NewsWorld:
    hafenblatt: Outlet
    courier: Outlet

    def sources_toml(self, every: str = "1h", politeness: str = "") -> str:
        """A sources file: the Hafenblatt by its feed, the Courier by its sitemap; no delays
        (plus ``politeness``, TOML lines for both)."""
        polite = "[sources.{}.politeness]\ndownload_delay = 0\nautothrottle = false\n" + politeness
        return (f'[sources.hafenblatt]\nfeeds = ["{self.hafenblatt.url}/feed.xml"]\nevery = "{every}"\n'
                + polite.format("hafenblatt")
                + f'[sources.courier]\nsitemaps = ["{self.courier.url}/sitemap.xml"]\nevery = "{every}"\n'
                + polite.format("courier"))


@pytest.fixture
def news_world(tmp_path: Path) -> Iterator[NewsWorld]:
    """Three Hafenblatt stories, two of them syndicated by the Courier, plus one of its own."""
    world = make_world(tmp_path)
    yield world
    world.hafenblatt.close()
    world.courier.close()


def make_world(root: Path) -> NewsWorld:
    """The news world of ``news_world``, served from ``root`` (close both outlets after use)."""
    world = NewsWorld(Outlet(root / "hafenblatt", hafenblatt_page), Outlet(root / "courier", courier_page))
    s = SEED_STORIES
    originals = [world.hafenblatt.publish(f"story-{i}", s[i]) for i in range(3)]
    world.courier.publish("wire-a", s[0], originals[0])
    world.courier.publish("wire-b", s[1], originals[1])
    world.courier.publish("own-c", s[3])
    return world


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
