"""The read-only web view: its JSON API on SQLite and PostgreSQL, its pages in a real browser."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline import open_db
from pipeline.query.web.app import create_app
from tests.conftest import ROOT, store_articles
from tests.corpus import Corpus
from tests.newsworld import SEED_STORIES

KIM = SEED_STORIES[0].title


@pytest.fixture
def client(corpus: Corpus) -> Iterator[TestClient]:
    with open_db(corpus.url) as db:
        yield TestClient(create_app(db), base_url="http://127.0.0.1:8000")


def test_the_json_api(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "Schoigu"}).json()
    assert hits and all("⟦" in h["snippet"] for h in hits) and {"id", "score", "sources", "first_seen"} <= set(hits[0])
    kim = next(h for h in client.get("/api/search", params={"q": '"Kim Jong"', "limit": 50}).json()
               if h["title"] == KIM)
    assert kim["sources"] == 3
    assert [h["title"] for h in client.get("/api/search", params={"q": "Kim", "min_sources": 3}).json()] != []
    assert client.get("/api/search", params={"q": "Kim", "language": "fr"}).json() == []
    article = client.get(f"/api/articles/{kim['id']}").json()
    assert article["title"] == KIM and len(article["sources"]) == 3
    assert client.get("/api/articles/ffffffffffffffff").status_code == 404
    assert [c["sources"] for c in client.get("/api/clusters").json()] == [3, 3, 2, 2]
    assert len(client.get("/api/clusters", params={"min_sources": 1}).json()) == 10
    hafenblatt = next(s["uri"] for s in article["sources"] if "/news/story-" in s["uri"]).split("/")[2]
    for name, value in (("domain", hafenblatt), ("outlet", "hafenblatt")):  # (the outlet: its source's name)
        assert [c["sources"] for c in client.get("/api/clusters", params={name: value}).json()] == [3, 3, 2]
    assert client.get("/api/stats").json()["articles"] == 10


def test_bad_input_gets_a_clear_answer_and_nothing_writes(client: TestClient) -> None:
    bad = client.get("/api/search", params={"q": '"Kim'})
    assert bad.status_code == 400 and "never closed" in bad.json()["detail"]
    assert client.get("/api/search", params={"q": "Kim", "limit": 0}).status_code == 422
    assert client.get("/api/search", params={"q": "Kim", "published_from": "yesterday"}).status_code == 422
    assert client.get("/?q=%22Kim").status_code == 400  # the page shows the error
    assert client.get("/?q=Kim&language=&min_sources=&published_from=").status_code == 200  # empty fields
    page = client.get("/?q=Kim&published_from=yesterday")
    assert page.status_code == 400 and "not a date" in page.text
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{article_id}", "/api/clusters", "/api/stats"}
    assert all(set(methods) == {"get"} for methods in spec["paths"].values())
    for path in ("/api/search", "/api/articles/x", "/", "/stats"):
        assert client.post(path).status_code == 405
        assert client.delete(path).status_code == 405


def test_hostile_numbers_and_nul_bytes_get_400_or_422_not_500(client: TestClient) -> None:
    huge = "99999999999999999999"
    for path, params in [("/api/search", {"q": "Kim", "min_sources": huge}), ("/api/clusters", {"min_sources": huge}),
                         ("/api/clusters", {"limit": huge}), ("/api/search", {"q": "Kim", "limit": huge})]:
        assert client.get(path, params=params).status_code == 422, (path, params)
    for path, params in [("/api/search", {"q": "Kim", "outlet": "a\x00"}), ("/api/clusters", {"author": "\x00"}),
                         ("/api/search", {"q": "(" * 249 + "K" + ")" * 249}), ("/api/articles/ab%00", {})]:
        bad = client.get(path, params=params)
        assert bad.status_code == 400 and bad.json()["detail"].startswith("bad query: "), (path, bad.text)
    for query in (f"q=Kim&min_sources={huge}", "q=Kim&min_sources=" + "9" * 5000, "q=Kim&outlet=%00"):
        assert client.get(f"/?{query}").status_code == 400, query  # the page says what is wrong
    assert client.get("/articles/ab%00").status_code == 400


def test_only_allowed_hosts_are_answered_with_security_headers_and_head_works(sqlite_url: str) -> None:
    store_articles(sqlite_url, {"abc1": "Harbour opens"})
    with open_db(sqlite_url) as db:
        app = create_app(db)
        for host in ("127.0.0.1:8000", "localhost", "LOCALHOST:1"):
            assert TestClient(app, base_url=f"http://{host}").get("/api/stats").status_code == 200, host
        for host in ("evil.example", "127.0.0.1.evil.example", "localhost.evil.example:8000", "testserver"):
            refused = TestClient(app, base_url=f"http://{host}").get("/api/stats")
            assert refused.status_code == 400 and "content-security-policy" in refused.headers, host
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        for path in ("/", "/?q=Harbour", "/articles/abc1", "/stats", "/api/stats", "/api/articles/abc1", "/nope"):
            got = client.get(path)
            csp = got.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
            assert got.headers["x-content-type-options"] == "nosniff" and got.headers["x-frame-options"] == "DENY"
            assert got.headers["referrer-policy"] == "no-referrer"
            head = client.head(path)
            assert (head.status_code, head.content) == (got.status_code, b""), path
            assert head.headers["content-type"] == got.headers["content-type"]
        assert client.post("/api/stats").status_code == 405
        # the page's own style sheet is the one the policy allows
        style = client.get("/stats").text.split("<style>")[1].split("</style>")[0]
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in client.get("/stats").headers["content-security-policy"]
        other = TestClient(create_app(db, allowed_hosts=["news.internal"]), base_url="http://news.internal")
        assert other.get("/api/stats").status_code == 200


def test_an_article_by_id_prefix(db_url: str) -> None:
    store_articles(db_url, {"abc1": "Harbour opens", "abc12": "Harbour closes", "abd4": "Dock <strike>"})
    with open_db(db_url) as db:
        client = TestClient(create_app(db), base_url="http://localhost")
        assert client.get("/api/articles/abc1").json()["title"] == "Harbour opens"  # the exact id first
        assert client.get("/api/articles/abd").json()["id"] == "abd4"  # a unique prefix
        assert client.get("/api/articles/zz").status_code == 404
        ambiguous = client.get("/api/articles/ab")
        assert ambiguous.status_code == 409 and "ambiguous" in ambiguous.json()["detail"]
        assert ambiguous.json()["candidates"] == [{"id": "abc1", "title": "Harbour opens"},
                                                  {"id": "abc12", "title": "Harbour closes"},
                                                  {"id": "abd4", "title": "Dock <strike>"}]
        page = client.get("/articles/ab")
        assert page.status_code == 409 and '<a href="/articles/abc12">abc12</a> Harbour closes' in page.text
        assert "Dock &lt;strike&gt;" in page.text
        assert client.get("/articles/zz").status_code == 404


def test_the_database_handle_cannot_write(corpus: Corpus) -> None:
    from sqlalchemy import text

    with open_db(corpus.url) as db, pytest.raises(Exception, match="(?i)read.only|readonly"):
        with db._db.session() as s:  # noqa: SLF001 - the handle the web view uses
            s.execute(text("DELETE FROM articles"))
            s.commit()


# --- in a real browser ---------------------------------------------------------------------

CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def served(corpus: Corpus) -> Iterator[str]:
    """``newsdedup serve`` on a free port of 127.0.0.1."""
    if not corpus.url.startswith("sqlite"):
        pytest.skip("the browser test runs once, on SQLite (the API tests cover PostgreSQL)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--db", corpus.url, "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/stats", timeout=2).close()  # noqa: S310 - our own server
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError(f"newsdedup serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def test_search_an_article_and_its_sources_in_a_browser(served: str, browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(served + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys('"Kim Jong"', Keys.ENTER)
    assert "article" in browser.find_element(By.ID, "count").text
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".hit .snippet mark")]
    assert marks and all(m.lower() in ("kim", "jong", "kim jong") for m in marks)
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, ".hit h2 a") if a.text == KIM)
    link.click()
    assert browser.find_element(By.TAG_NAME, "h1").text == KIM
    rows = browser.find_elements(By.CSS_SELECTOR, "table.timeline tbody tr")
    assert len(rows) == 3 and "original" in rows[0].text  # the founding copy first
    assert sum("127.0.0.1" in r.text for r in rows) == 2  # the two outlets' pages

    browser.get(served + "/?q=%22Kim")
    assert "never closed" in browser.find_element(By.ID, "error").text
    browser.get(served + "/stats")
    assert browser.find_element(By.ID, "totals").text.startswith("10 articles from 16 documents")
