"""The database layer, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from pipeline.errors import AmbiguousIdError, ConfigError, StorageError
from pipeline.store.database import Database
from pipeline.store.models import Article, Provenance, utcnow


def article(aid: str) -> Article:
    return Article(id=aid, title="t", text="x", authors=["A B"], credits=[], canonical_uri="file:///a",
                   text_hash="h" + aid, word_count=1, signature=b"\x00" * 8, signature_params="p")


def provenance(aid: str, uri: str, sha: str) -> Provenance:
    return Provenance(article_id=aid, uri=uri, fetched_at=utcnow(), content_sha256=sha, title="t",
                      similarity=1.0, relation="original", credits=[])


def test_schema_round_trip_and_prefix_lookup(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add_all([article("abc123"), article("abd456"), provenance("abc123", "file:///a", "1")])
        s.commit()
        assert db.find_article(s, "abc123").authors == ["A B"]
        assert db.find_article(s, "abc").id == "abc123"
        with pytest.raises(AmbiguousIdError) as ambiguous:
            db.find_article(s, "ab")
        assert ambiguous.value.candidates == (("abc123", "t"), ("abd456", "t")) and not ambiguous.value.more
        assert db.find_article(s, "x") is None
        assert [p.uri for p in db.sources(s, "abc123")] == ["file:///a"]
    db.dispose()


def test_provenance_is_unique_per_uri_and_content(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add_all([article("a1"), provenance("a1", "file:///a", "1")])
        s.commit()
        s.add(provenance("a1", "file:///a", "1"))
        with pytest.raises(IntegrityError):
            s.commit()
    db.dispose()


@pytest.mark.parametrize("url", ["not a url", "nosuchdriver://x/y"])
def test_bad_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="bad database URL"):
        Database(url)


def test_unreachable_database_is_a_storage_error(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(StorageError, match="cannot open database"):
        Database(f"sqlite:///{tmp_path}/missing-dir/x.db")
