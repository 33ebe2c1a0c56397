"""Search, filters, stories, counts and exports through the Python API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from pipeline import open_db
from pipeline.errors import QueryError, StorageError
from pipeline.store.engine import create_db_engine
from pipeline.store.schema import BASELINE, revision, upgrade
from tests.corpus import Corpus
from tests.newsworld import SEED_STORIES

KIM = SEED_STORIES[0].title  # carried by a seed file, the Hafenblatt and the Courier


def titles(hits: list) -> set[str]:
    return {h.title for h in hits}


def test_search_ranks_and_marks_the_words_found(corpus: Corpus) -> None:
    with open_db(corpus.url) as db:
        hits = db.search("Schoigu")
        assert hits and all("⟦Schoigu⟧" in h.snippet or "⟦schoigu⟧" in h.snippet.lower() for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert {h.sources for h in hits if h.title == KIM} == {3}
        assert db.search("Zebrastreifen") == []


def test_the_query_syntax(corpus: Corpus) -> None:
    with open_db(corpus.url) as db:
        kim, schoigu, lawrow = (titles(db.search(w, limit=50)) for w in ("Kim", "Schoigu", "Lawrow"))
        assert schoigu and lawrow and kim > schoigu
        assert titles(db.search("Schoigu OR Lawrow", limit=50)) == schoigu | lawrow
        assert titles(db.search("Kim Schoigu", limit=50)) == kim & schoigu
        assert titles(db.search("Kim AND Schoigu", limit=50)) == kim & schoigu
        assert titles(db.search("Kim -Schoigu", limit=50)) == kim - schoigu
        assert titles(db.search("Kim NOT Schoigu", limit=50)) == kim - schoigu
        assert titles(db.search("(Schoigu OR Lawrow) Kim", limit=50)) == (schoigu | lawrow) & kim
        assert titles(db.search("Schoig*", limit=50)) == schoigu  # a prefix
        assert titles(db.search('"Kim Jong"', limit=50)) >= {KIM}  # a phrase
        assert not db.search('"Jong Kim"')  # ...in its order
        assert titles(db.search("schoigu", limit=50)) == schoigu  # case does not matter
        harbour = titles(db.search("harbour", limit=50))  # the English page
        assert len(harbour) == 1 and titles(db.search("harbour", language="de")) == set()


@pytest.mark.parametrize(("query", "message"), [
    ('"Kim Jong', "never closed"), ("NOT Kim", "not negated"), ("Kim OR -Putin", "each side of OR"),
    ("(Kim", "never closed"), ("Kim)", "unexpected ')'"), ("OR", "needs a word"), ("", "empty"),
    ("***", "no letters"),
])
def test_a_malformed_query_is_a_clear_error(corpus: Corpus, query: str, message: str) -> None:
    with open_db(corpus.url) as db, pytest.raises(QueryError, match=re.escape(message)):
        db.search(query)


@pytest.mark.parametrize("query", [
    "'; DROP TABLE articles; --", '" OR 1=1 --', "Kim') OR ('1'='1", "articles_fts MATCH *", "Kim \\' ; DELETE",
    "Kim & !Putin | :*", "Kim <-> Jong",
])
def test_no_query_reaches_sql_as_sql(corpus: Corpus, query: str) -> None:
    with open_db(corpus.url) as db:
        before = db.stats().articles
        try:
            db.search(query)
        except QueryError:
            pass  # refused with a message is fine; an SQL error or a change is not
        assert db.stats().articles == before == 10


def test_numbers_and_texts_no_database_takes_are_refused_with_a_clear_error(corpus: Corpus) -> None:
    huge = 99999999999999999999  # OverflowError on SQLite, DataError on PostgreSQL, before
    with open_db(corpus.url) as db:
        for call, message in [
            (lambda: db.search("Kim", limit=huge), "the limit must be between 1 and 2147483647"),
            (lambda: db.search("Kim", min_sources=huge), "min_sources must be between 1 and 2147483647"),
            (lambda: db.clusters(limit=huge), "the limit must be between"),
            (lambda: db.clusters(min_sources=huge), "min_sources must be between"),
            (lambda: list(db.articles(min_sources=huge)), "min_sources must be between"),
            (lambda: db.search("Kim", outlet="Hafen\x00blatt"), "outlet contains a NUL character"),
            (lambda: db.search("Kim", domain="\x00"), "domain contains a NUL"),
            (lambda: db.clusters(author="a\x00"), "author contains a NUL"),
            (lambda: db.search("Kim", language="de\x00"), "language contains a NUL"),
            (lambda: db.article("ab\x00"), "the article id contains a NUL"),
            (lambda: db.article("ab\udcff"), "the article id is not valid UTF-8"),
        ]:
            with pytest.raises(QueryError, match=re.escape(message)):
                call()
        assert db.search("Kim", limit=2147483647, min_sources=2147483647) == []  # the largest is fine


def test_filters(corpus: Corpus) -> None:
    h, c = (o.url.split("//")[1] for o in (corpus.world.hafenblatt, corpus.world.courier))  # host:port
    with open_db(corpus.url) as db:
        everything = titles(db.search("Kim OR harbour OR port*", limit=50))
        assert KIM in everything
        assert titles(db.search("Kim", min_sources=3, limit=50)) == {SEED_STORIES[0].title, SEED_STORIES[1].title}
        kim = titles(db.search("Kim", limit=50))
        assert titles(db.search("Kim", domain=h, limit=50)) == {s.title for s in SEED_STORIES[:3]} & kim
        assert titles(db.search("Kim", domain=c, limit=50)) == {SEED_STORIES[i].title for i in (0, 1, 3)} & kim
        assert titles(db.search("Kim", domain="127.0.0.1", limit=50)) == {s.title for s in SEED_STORIES[:4]} & kim
        assert db.search("Kim", domain="elsewhere.example") == []
        assert titles(db.search("Kim", author="Baumann", limit=50)) == {SEED_STORIES[4].title}
        assert db.search("Kim", author="Nobody Atall") == []
        today = date.today()
        assert titles(db.search("Kim", seen_from=today - timedelta(days=1), limit=50)) == titles(
            db.search("Kim", limit=50))
        assert db.search("Kim", seen_to=today - timedelta(days=1)) == []
        published = titles(db.search("Kim", published_from=date(2022, 8, 15), published_to=date(2022, 8, 15)))
        assert published == {SEED_STORIES[4].title}  # the seed dated 2022-08-15T10:08: the whole day counts
        assert db.search("Kim", published_from="2022-08-16", published_to="2022-08-16") == []


def test_an_article_with_its_sources_oldest_first(corpus: Corpus) -> None:
    with open_db(corpus.url) as db:
        (hit,) = [h for h in db.search('"Kim Jong"', limit=50) if h.title == KIM]
        story = db.article(hit.id[:8])
        assert story is not None and story.id == hit.id
        assert [s.fetched_at for s in story.sources] == sorted(s.fetched_at for s in story.sources)
        assert story.sources[0].relation == "original" and story.sources[0].uri.startswith("file://")
        web = [s for s in story.sources if s.uri.startswith("http")]
        assert len(web) == 2 and all(s.http_status == 200 and s.found_in for s in web)
        assert db.article("ffffffffffffffff") is None


def test_clusters_stats_and_streamed_export(corpus: Corpus) -> None:
    with open_db(corpus.url) as db:
        stories = db.clusters()
        assert [c.sources for c in stories] == [3, 3, 2, 2]
        assert {c.title for c in db.clusters(min_sources=3)} == {SEED_STORIES[0].title, SEED_STORIES[1].title}
        assert db.clusters(language="en") == []
        stats = db.stats()
        assert (stats.articles, stats.documents) == (10, 16)
        assert stats.duplicates_ratio == pytest.approx(6 / 16)
        assert sum(stats.outlets.values()) == 16 and stats.outlets["(local files)"] == 10
        assert any(r["kind"] == "crawl:feeds" for r in stats.runs)
        records = list(db.articles())
        assert len(records) == 10 and sum(len(r.sources) for r in records) == 16
        german = list(db.articles(language="de", min_sources=2))
        assert {r.title for r in german} == {c.title for c in stories}
        assert list(db.articles(seen_from=datetime.now() + timedelta(days=1))) == []


def test_every_filter_works_in_clusters_search_and_articles(corpus: Corpus) -> None:
    h, c = (o.url.split("//")[1] for o in (corpus.world.hafenblatt, corpus.world.courier))  # host:port
    by_hafenblatt = {s.title for s in SEED_STORIES[:3]}  # its own stories, two syndicated by the Courier
    with open_db(corpus.url) as db:
        assert {s.title for s in db.clusters(domain=h)} == by_hafenblatt
        assert {s.title for s in db.clusters(domain=c)} == {SEED_STORIES[i].title for i in (0, 1, 3)}
        # the outlet: its source's name, as its pages name no site (sources.toml)
        assert {s.title for s in db.clusters(outlet="hafenblatt")} == by_hafenblatt
        assert db.clusters(domain="elsewhere.example") == [] and db.clusters(outlet="Nobody Atall") == []
        assert {r.title for r in db.articles(domain=h)} == by_hafenblatt
        assert {r.title for r in db.articles(outlet="hafenblatt")} == by_hafenblatt
        assert titles(db.search("Kim", outlet="hafenblatt", limit=50)) == by_hafenblatt & titles(db.search("Kim", limit=50))
        every = {"published_from": "2000-01-01", "published_to": date.today(), "seen_from": "2000-01-01",
                 "seen_to": date.today(), "domain": h, "outlet": "hafenblatt", "language": "de", "min_sources": 2,
                 "author": "a"}
        db.clusters(**every), db.search("Kim", **every), list(db.articles(**every))  # all at once: no SQL error


def test_clusters_honour_min_sources_1(corpus: Corpus) -> None:
    with open_db(corpus.url) as db:
        assert [c.sources for c in db.clusters()] == [3, 3, 2, 2]  # by default, stories with copies
        assert [c.sources for c in db.clusters(min_sources=1)] == [3, 3, 2, 2, 1, 1, 1, 1, 1, 1]  # every story
        assert [c.sources for c in db.clusters(min_sources=2)] == [3, 3, 2, 2]
        assert [c.title for c in db.clusters(author="Baumann", min_sources=1)] == [SEED_STORIES[4].title]


def test_open_db_refuses_a_database_that_does_not_exist(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(StorageError, match="no database at"):
        open_db(f"sqlite:///{tmp_path / 'nope.db'}")
    assert not (tmp_path / "nope.db").exists()


def test_open_db_refuses_an_older_database_and_leaves_it_as_it_is(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine, BASELINE)
    engine.dispose()
    with pytest.raises(StorageError, match="newsdedup db upgrade"):
        open_db(db_url)
    engine = create_db_engine(db_url)
    with engine.connect() as conn:
        assert revision(conn) == BASELINE
    engine.dispose()
