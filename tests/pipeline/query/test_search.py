"""The query language, and the full-text index kept in step with the articles (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from pipeline.errors import QueryError
from pipeline.query.records import Filters, search
from pipeline.query.search import And, Not, Or, Term, parse_query, to_fts5, to_tsquery
from pipeline.store.database import Database
from pipeline.store.models import Article


def test_the_parse_tree() -> None:
    assert parse_query("Schoigu kim") == And((Term(("schoigu",)), Term(("kim",))))
    assert parse_query('"Roter Platz" OR lawrow') == Or((Term(("roter", "platz")), Term(("lawrow",))))
    assert parse_query("kim -putin") == And((Term(("kim",)), Not(Term(("putin",)))))
    assert parse_query("kim NOT putin") == parse_query("kim -putin")
    assert parse_query("krieg*") == Term(("krieg",), prefix=True)
    assert parse_query("Kim-Jong") == Term(("kim", "jong"))  # one word of several parts: a phrase
    assert parse_query("(a OR b) c") == And((Or((Term(("a",)), Term(("b",)))), Term(("c",))))
    assert parse_query("or and not") == And((Term(("or",)), Term(("and",)), Term(("not",))))  # lower case: words


def test_written_for_each_database() -> None:
    tree = parse_query('(Schoigu OR "Roter Platz") kim* -putin')
    assert to_fts5(tree) == '((("schoigu" OR "roter platz") AND "kim"*) NOT "putin")'
    assert to_tsquery(tree) == "(('schoigu' | ('roter' <-> 'platz')) & 'kim':* & !'putin')"
    hostile = parse_query("Kim' OR '1'='1")  # only letters and digits reach the database's syntax
    assert (to_fts5(hostile), to_tsquery(hostile)) == ('("kim" OR "1 1")', "('kim' | ('1' <-> '1'))")
    with pytest.raises(QueryError, match="unexpected"):
        parse_query("Kim'); DROP TABLE articles; --")


@pytest.mark.parametrize(("query", "message"), [
    ('"unclosed', "never closed"), ("(a b", "'(' is never closed"), ("a b)", "unexpected ')'"),
    ("-a", "not negated"), ("NOT a", "not negated"), ("a OR -b", "each side of OR"), ("NOT -a", "NOT of a negation"),
    ("a OR", "OR needs a word"), ("AND a", "AND needs a word"), ("   ", "empty"), ("%%%", "no letters or digits"),
    ("x" * 501, "at most 500"),
])
def test_queries_that_cannot_be_read(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


@pytest.mark.parametrize("query", [
    "(" * 249 + "k" + ")" * 249,  # 499 characters: under the length limit
    "(" * 33 + "kim" + ")" * 33,
    "(a OR " * 40 + "b" + ")" * 40,
    "NOT " * 120 + "kim",
    "kim " + "-" * 490 + "putin",
])
def test_deep_queries_are_refused_at_once_not_by_a_recursion_error(query: str) -> None:
    started = time.perf_counter()
    with pytest.raises(QueryError, match="nested more than 32 deep|NOT of a negation"):
        parse_query(query)
    assert time.perf_counter() - started < 0.1


def test_brackets_as_deep_as_allowed_are_read() -> None:
    tree = parse_query("(" * 32 + "kim" + ")" * 32)
    assert tree == Term(("kim",)) and to_fts5(tree) == '"kim"'


def _article(article_id: str, title: str, body: str, language: str = "de") -> Article:
    return Article(id=article_id, title=title, text=body, authors=[], published=None, language=language,
                   credits=[], outlet=None, canonical_uri=f"file:///{article_id}", text_hash=article_id,
                   word_count=len(body.split()), signature=b"", signature_params="test",
                   first_seen=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1))


def found(db: Database, query: str) -> set[str]:
    with db.session() as s:
        return {h.id for h in search(s, query)}


def test_the_index_follows_inserts_updates_and_deletes(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add_all([_article("a1", "Hafen wächst", "Der Hafen baut ein neues Terminal für Container."),
                   _article("a2", "Harbour grows", "The harbour builds a new container terminal.", "en")])
        s.commit()
    assert found(db, "Terminal") == {"a1", "a2"} and found(db, "Hafen") == {"a1"}
    with db.session() as s:  # a more complete copy replaces the canonical text
        article = s.get(Article, "a1")
        assert article is not None
        article.text = "Der Hafen eröffnet die Werft am Nordkai."
        s.commit()
    assert found(db, "Werft") == {"a1"} and found(db, "Terminal") == {"a2"}
    with db.session() as s:
        s.delete(s.get(Article, "a2"))
        s.commit()
    assert found(db, "terminal OR werft") == {"a1"}
    db.dispose()


def test_a_query_means_the_same_on_both_databases_stop_words_included(db_url: str) -> None:
    """A stop word of an article's language is not searched in it, on SQLite as on PostgreSQL
    (whose index does not hold it); in another language it is a word like any other."""
    db = Database(db_url)
    with db.session() as s:
        s.add_all([_article("de1", "Kim trifft den Präsidenten", "Der Präsident empfängt Kim in der Hauptstadt."),
                   _article("de2", "Kim und Putin", "Kim Jong Un reist nach Moskau zu Putin."),
                   _article("en1", "The cat and Kim", "The cat sat on the mat while Kim watched.", "en"),
                   _article("en2", "Kim in Der Spiegel", "Kim gave Der Spiegel an interview.", "en"),
                   _article("xx1", "Kim the der", "Kim the der unknown language words.", None)])
        s.commit()
    assert found(db, "kim -der") == {"de1", "de2", "en1"}  # der narrows nothing in German (0 on SQLite before)
    assert found(db, "der") == {"en2", "xx1"}  # a German stop word; a name in English
    assert found(db, "the") == {"xx1"}  # an English stop word (3 on SQLite before)
    assert found(db, "kim the") == {"en1", "en2", "xx1"}  # English reads it as kim
    assert found(db, '"der spiegel"') == {"en2"} and found(db, '"the cat"') == {"en1"}
    assert found(db, "der* OR putin") == {"de2", "en2", "xx1"}
    assert found(db, "für") == set() and found(db, "fur") == set()  # folded as SQLite's index folds
    with db.session() as s:
        assert [h.id for h in search(s, "der", Filters(language="en"))] == ["en2"]
        assert search(s, "der", Filters(language="de")) == []
    db.dispose()
