"""Schema revisions: new databases, the migrations, and upgrading an older database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from pipeline.dedup.signatures import shingle_ids, signature, to_bytes
from pipeline.errors import StorageError
from pipeline.query.records import search
from pipeline.store.database import Database
from pipeline.store.engine import create_db_engine
from pipeline.store.models import Article, Base, Provenance, Run
from pipeline.store.schema import HEAD, MIGRATIONS, revision, upgrade
from pipeline.text.normalize import shingles
from tests.conftest import SEEDS, make_config, run_cli

DERIVED = {"articles_fts", "articles_fts_rows", "alembic_version", "ix_articles_search"}  # search index, Alembic


def test_head_names_the_newest_migration() -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def _differences(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    return [d for d in diff if not (isinstance(d, tuple) and (
        getattr(d[1], "name", None) in DERIVED or (d[0] == "remove_column" and d[3].name == "search_vector")
        or (d[0] == "remove_table" and d[1].name.startswith("articles_fts"))))]


def test_the_migrations_build_what_the_models_describe(db_url: str) -> None:
    engine = create_db_engine(db_url)
    assert upgrade(engine) == (None, HEAD)  # an empty database, migrated from nothing
    assert _differences(engine) == []
    engine.dispose()


def test_a_new_database_is_created_at_the_newest_revision(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_db_engine(db_url)
    with engine.connect() as conn:
        assert revision(conn) == HEAD
    assert _differences(engine) == []
    assert upgrade(engine) == (HEAD, HEAD)  # nothing to do
    engine.dispose()


def _older_database(url: str, with_version_table: bool) -> None:
    """A database as the last version before migrations made it, with a stored story."""
    engine = create_db_engine(url)
    upgrade(engine, "0001")
    now = datetime(2026, 1, 2, 3, 4, 5)
    opts = make_config().dedup
    body = "Der Hafen baut ein neues Containerterminal am Nordkai."
    sig = to_bytes(signature(shingle_ids(shingles(body, opts.shingle_words), opts), opts))
    with engine.begin() as conn:
        if not with_version_table:
            conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text(
            "INSERT INTO runs (kind, args, started_at, status, documents, new_articles, duplicates, skipped, "
            "failures, stats) VALUES ('ingest', '[]', :now, 'completed', 2, 1, 1, 0, 0, '{}')"), {"now": now})
        conn.execute(text(
            "INSERT INTO articles (id, title, text, authors, published, language, credits, canonical_uri, "
            "text_hash, word_count, signature, signature_params, first_seen, updated_at) VALUES ('0123456789abcdef', "
            "'Hafen wächst', 'Der Hafen baut ein neues Containerterminal am Nordkai.', '[\"Anne Herrmann\"]', :now, "
            "'de', '[]', 'file:///a.txt', 'h1', 8, :sig, :params, :now, :now)"),
            {"now": now, "sig": sig, "params": opts.signature_params})
        for i, uri in enumerate(("file:///a.txt", "file:///b.txt")):
            conn.execute(text(
                "INSERT INTO provenance (article_id, run_id, uri, fetched_at, content_sha256, title, similarity, "
                "relation, credits) VALUES ('0123456789abcdef', 1, :uri, :now, :sha, 't', 1.0, :rel, '[]')"),
                {"uri": uri, "now": now, "sha": f"{i:064d}", "rel": "original" if i == 0 else "exact"})
        conn.execute(text("INSERT INTO article_openings (article_id, key) VALUES ('0123456789abcdef', 'k1')"))
    engine.dispose()


@pytest.mark.parametrize("with_version_table", [False, True], ids=["before-migrations", "at-0001"])
def test_an_older_database_upgrades_without_losing_data(db_url: str, with_version_table: bool) -> None:
    _older_database(db_url, with_version_table)
    with pytest.raises(StorageError, match="newsdedup db upgrade"):
        Database(db_url)  # refused, with the way out

    out = run_cli("db", "upgrade", "--db", db_url, check=True).stdout
    assert f"to {HEAD}" in out and ("before migrations" in out) == (not with_version_table)
    assert "is current" in run_cli("db", "upgrade", "--db", db_url, check=True).stdout

    db = Database(db_url)
    with db.session() as s:
        article = s.get(Article, "0123456789abcdef")
        assert article is not None and article.authors == ["Anne Herrmann"] and article.word_count == 8
        assert s.scalar(select(func.count()).select_from(Provenance)) == 2
        assert s.scalar(select(func.count()).select_from(Run)) == 1
        assert [h.id for h in search(s, "Containerterminal")] == ["0123456789abcdef"]  # the index was filled
    assert inspect(db.engine).has_table("fetches")
    db.dispose()
    assert _differences(create_db_engine(db_url)) == []
    # and it takes new data as a new database would
    from pipeline.runner import ingest

    summary = ingest([str(SEEDS)], make_config(db_url), progress=False)
    assert summary.new_articles == 5
