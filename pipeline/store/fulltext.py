"""The full-text index of ``articles``: how it is made, filled and removed.

- SQLite: the FTS5 table ``articles_fts`` (article id, title, text; accents
  folded), kept in sync with ``articles`` by triggers, and ``articles_fts_rows``,
  which FTS row holds which article (so that an update finds its row by rowid);
- PostgreSQL: the generated column ``articles.search_vector`` (title weighted above
  the text, each article in its language's configuration) and a GIN index on it.

:func:`ensure_search_index` creates them (and fills them for existing articles): the
schema's migration 0002, and :mod:`pipeline.store.schema` for a new database. The query
language that reads them is :mod:`pipeline.query.search`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# language code -> PostgreSQL text search configuration (others: 'simple')
PG_CONFIGS = {"de": "german", "en": "english", "fr": "french", "es": "spanish", "it": "italian",
              "nl": "dutch", "pt": "portuguese", "sv": "swedish", "da": "danish", "no": "norwegian",
              "fi": "finnish", "ru": "russian", "hu": "hungarian", "ro": "romanian", "tr": "turkish"}



def fold(word: str) -> str:
    """A word as both indexes compare it for stop words: lower case, accents removed (SQLite's
    index folds them, so ``fur`` finds ``für`` there)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=32)
def stopwords(config: str | None) -> frozenset[str]:
    """The stop words that PostgreSQL's index leaves out of an article in ``config`` (folded),
    from ``pipeline/data/stopwords/CONFIG.stop``; none for ``simple``, ``None`` or a configuration
    without a list. The query side ignores them on both databases (:mod:`pipeline.query.search`)."""
    if not config:
        return frozenset()
    path = resources.files("pipeline") / "data" / "stopwords" / f"{config}.stop"
    if not path.is_file():
        return frozenset()
    return frozenset(fold(w.strip()) for w in path.read_text(encoding="utf-8").splitlines() if w.strip())


_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "article_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')",
    # which FTS row holds which article: FTS5 can only find its rows fast by rowid
    "CREATE TABLE IF NOT EXISTS articles_fts_rows (article_id TEXT PRIMARY KEY, fts_rowid INTEGER NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts (article_id, title, text) VALUES (new.id, new.title, new.text); "
    "INSERT INTO articles_fts_rows (article_id, fts_rowid) VALUES (new.id, last_insert_rowid()); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN "
    "UPDATE articles_fts SET title = new.title, text = new.text "
    "WHERE rowid = (SELECT fts_rowid FROM articles_fts_rows WHERE article_id = old.id); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
    "DELETE FROM articles_fts WHERE rowid = (SELECT fts_rowid FROM articles_fts_rows WHERE article_id = old.id); "
    "DELETE FROM articles_fts_rows WHERE article_id = old.id; END",
]


def pg_config_sql(language_column: str) -> str:
    """SQL choosing an article's text search configuration from its language code."""
    cases = " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in PG_CONFIGS.items())
    return f"(CASE {language_column} {cases} ELSE 'simple'::regconfig END)"


def ensure_search_index(bind: Engine | Connection) -> None:
    """Create the full-text index of ``articles`` if it is missing, and fill it (idempotent).
    Run by the schema's migration 0002 and when a new database is created."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            ensure_search_index(conn)
        return
    if bind.dialect.name == "sqlite":
        _sqlite_index(bind)
    elif bind.dialect.name == "postgresql":
        _pg_index(bind)


def drop_search_index(conn: Connection) -> None:
    """Remove the full-text index (migration 0002's downgrade)."""
    if conn.dialect.name == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text("DROP TABLE IF EXISTS articles_fts"))
        conn.execute(text("DROP TABLE IF EXISTS articles_fts_rows"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text("DROP INDEX IF EXISTS ix_articles_search"))
        conn.execute(text("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector"))


def _sqlite_index(conn: Connection) -> None:
    exists = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'")).first()
    for ddl in _SQLITE_DDL:
        conn.execute(text(ddl))
    if not exists:  # a database made before the index: index what it holds
        conn.execute(text("INSERT INTO articles_fts (article_id, title, text) SELECT id, title, text FROM articles"))
        conn.execute(text("INSERT INTO articles_fts_rows (article_id, fts_rowid) SELECT article_id, rowid "
                          "FROM articles_fts"))


def _pg_index(conn: Connection) -> None:
    """Adding the column rewrites the table once (slow on a large one); later opens only look."""
    has_column = conn.execute(text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'articles' AND column_name = 'search_vector'")).first()
    if not has_column:  # a generated column: PostgreSQL keeps it in sync (and fills it now)
        cfg = pg_config_sql("language")
        conn.execute(text(
            "ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector({cfg}, coalesce(title, '')), 'A') || "
            f"setweight(to_tsvector({cfg}, coalesce(text, '')), 'B')) STORED"))
    has_index = conn.execute(text("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
                                  "AND indexname = 'ix_articles_search'")).first()
    if not has_index:  # looked up first: CREATE INDEX would lock the table even when it exists
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING GIN (search_vector)"))
