"""The database: SQLAlchemy 2.x typed models and the :class:`Database` handle.

Tables:

- ``articles``: one canonical article per story, with its MinHash signature;
- ``provenance``: one row per ingested document (page or file) that carried a story;
- ``runs``: one row per run, with its counts;
- ``failures``: the documents a run could not ingest, with the reason;
- ``article_openings``: keys of the first words of each canonical text's first paragraphs;
- ``article_bands``: the LSH band keys of each canonical text's signature (the dedup index that
  several workers share, :mod:`pipeline.dedup_index`); ``index_state`` says with which
  parameters it was built. Both are derived: ``newsdedup index rebuild`` remakes them;
- ``recurring_lines``: per source, how many documents carried each line (page furniture);
- ``fetches``: for a page a crawl stored, how it was fetched (status, canonical URL, the feed or
  sitemap that linked it, the validators for conditional re-fetching). One row per provenance row.

SQLite is the default; any SQLAlchemy URL works (PostgreSQL in production).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)

from pipeline.errors import AmbiguousIdError, ConfigError, StorageError


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Article(Base):
    """A canonical article: the cleanest, most complete version of one story."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    credits: Mapped[list[str]] = mapped_column(JSON, default=list)
    outlet: Mapped[str | None] = mapped_column(Text)
    canonical_uri: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    word_count: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signature_params: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Provenance(Base):
    """One ingested document and how it relates to its canonical article."""

    __tablename__ = "provenance"
    __table_args__ = (UniqueConstraint("uri", "content_sha256", name="uq_provenance_uri_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    uri: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mtime: Mapped[datetime | None] = mapped_column(DateTime)
    encoding: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    similarity: Mapped[float] = mapped_column(Float)
    relation: Mapped[str] = mapped_column(String(16))  # original / exact / near / update / contained
    credits: Mapped[list[str]] = mapped_column(JSON, default=list)
    outlet: Mapped[str | None] = mapped_column(Text)
    fetch: Mapped[Fetch | None] = relationship(back_populates="provenance", uselist=False)


class Fetch(Base):
    """How a crawled page was fetched (local files have none): the rest of its provenance."""

    __tablename__ = "fetches"

    provenance_id: Mapped[int] = mapped_column(ForeignKey("provenance.id"), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)  # HTTP status of the stored response
    canonical_url: Mapped[str | None] = mapped_column(Text)  # <link rel=canonical>, else og:url
    found_in: Mapped[str | None] = mapped_column(Text)  # the feed, sitemap or page that linked it
    etag: Mapped[str | None] = mapped_column(Text)  # validators, sent back when re-fetching
    last_modified: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[Provenance] = relationship(back_populates="fetch")


class Run(Base):
    """One run of ``ingest`` or a crawl, with its counts."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    host: Mapped[str | None] = mapped_column(Text)  # where the run's process ran, and its pid: a run
    pid: Mapped[int | None] = mapped_column(Integer)  # left `running` by a dead process is told apart
    error: Mapped[str | None] = mapped_column(Text)  # why a `failed` run stopped


class Failure(Base):
    """A document a run could not ingest."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    uri: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ArticleOpening(Base):
    """Keys of the openings of a canonical text's first paragraphs, for finding teasers."""

    __tablename__ = "article_openings"
    __table_args__ = (PrimaryKeyConstraint("article_id", "key"),)

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"))
    key: Mapped[str] = mapped_column(String(16), index=True)


class ArticleBand(Base):
    """One LSH band key of a canonical text's signature (:mod:`pipeline.bands`)."""

    __tablename__ = "article_bands"
    __table_args__ = (PrimaryKeyConstraint("key", "article_id"),)

    key: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"), index=True)


class IndexState(Base):
    """How a derived index was built (``lsh-bands``: its MinHash and band parameters)."""

    __tablename__ = "index_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    params: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RecurringLine(Base):
    """How many documents of a source carried a line (by hash): page furniture is learnt here."""

    __tablename__ = "recurring_lines"
    __table_args__ = (PrimaryKeyConstraint("source", "line_hash"),)

    source: Mapped[str] = mapped_column(Text)
    line_hash: Mapped[str] = mapped_column(String(16))
    documents: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def upsert_recurring_lines(session: Session, rows: list[tuple[str, str, int]]) -> None:
    """Add document counts to ``recurring_lines`` (insert, or add to the stored count)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise StorageError(f"recurring-line counts need SQLite or PostgreSQL, not {dialect}")
    now = utcnow()
    for i in range(0, len(rows), 1000):
        stmt = insert(RecurringLine).values([
            {"source": src, "line_hash": h, "documents": n, "updated_at": now} for src, h, n in rows[i:i + 1000]])
        session.execute(stmt.on_conflict_do_update(
            index_elements=["source", "line_hash"],
            set_={"documents": RecurringLine.documents + stmt.excluded.documents, "updated_at": now}))


SQLITE_BUSY_TIMEOUT_MS = 30000  # how long a SQLite connection waits for another's lock
PREFIX_CANDIDATES = 5  # how many articles an ambiguous id prefix's error lists


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (a RELEASE of the outermost one would
    # commit): SQLAlchemy's recipe turns it off and emits BEGIN itself (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WRITER = {"sqlite_begin": "IMMEDIATE"}  # execution options of a writer's session (Database.session)


def _sqlite_begin(conn: Any) -> None:
    """Start a transaction. A writer's begins IMMEDIATE: it takes SQLite's write lock at once
    (waiting ``busy_timeout``), so a write later in the transaction never finds the database
    changed under its snapshot (SQLITE_BUSY_SNAPSHOT, which no waiting cures)."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _read_only_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """A read-only handle's pragmas: refuse writes first; never change the journal mode. Its
    transactions begin with BEGIN too (:func:`_sqlite_begin`): all reads of one see one moment."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _read_only_pg(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    dbapi_connection.commit()


def _read_only_sqlite_url(url: URL) -> URL:
    """The URL of a read-only connection to a SQLite file (SQLite's ``file:PATH?mode=ro``): it
    cannot create the file, write to it or change its journal mode, and it reads a WAL database
    with its -wal file as it is. An in-memory database is left as it is; a file that does not
    exist is a :class:`StorageError` (a read creates nothing)."""
    path = url.database
    if not path or path == ":memory:":
        return url
    if url.query.get("uri"):  # already a SQLite URI: only make it read-only
        return url.update_query_dict({"mode": "ro"})
    if not os.path.isfile(path):
        raise StorageError(f"no database at {path}")
    return url.set(database=f"file:{quote(os.path.abspath(path))}").update_query_dict({"mode": "ro", "uri": "true"})


def create_db_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for ``url``, with clear errors for a bad URL or an unreachable server.
    ``readonly``: every connection refuses writes (see :class:`Database`)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"bad database URL {url!r}: expected an SQLAlchemy URL such as "
            "sqlite:///newsdedup.db or postgresql+psycopg://user@host/dbname"
        ) from None
    if parsed.drivername == "postgresql":  # SQLAlchemy 2.1 means psycopg 3; say so explicitly
        parsed = parsed.set(drivername="postgresql+psycopg")
    sqlite = parsed.get_backend_name() == "sqlite"
    if readonly and sqlite:
        parsed = _read_only_sqlite_url(parsed)
    try:
        engine = create_engine(parsed)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"bad database URL {url!r}: {exc}") from None
    except ImportError as exc:  # a dialect SQLAlchemy knows, without its driver (mysql:// and no MySQLdb)
        raise ConfigError(f"bad database URL {url!r}: its driver is not installed ({exc}); newsdedup works "
                          "with sqlite:///FILE and postgresql+psycopg://USER@HOST/DBNAME") from None
    if readonly:
        event.listen(engine, "connect", _read_only_sqlite if sqlite else _read_only_pg)
    elif sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if sqlite:
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _reason(exc: SQLAlchemyError) -> str:
    """Why the database failed, on one line: the driver's message (without SQLAlchemy's
    background link), else SQLAlchemy's."""
    return " ".join(str(exc.orig if isinstance(exc, DBAPIError) else exc).split())


class Database:
    """A connection to the newsdedup database: creates the schema and hands out sessions.

    ``readonly=True`` (the read commands, the web view) creates nothing, changes nothing (not
    even a SQLite file's journal mode), and makes every connection refuse writes (SQLite
    read-only connections with ``PRAGMA query_only``; PostgreSQL read-only transactions)."""

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        from pipeline.schema import prepare

        self.url = url
        self.readonly = readonly
        self.engine = create_db_engine(url, readonly=readonly)
        try:
            if readonly:
                with self.engine.connect() as conn:  # a server that does not answer, a file that is no database
                    inspect(conn).get_table_names()
            else:
                prepare(self.engine)  # a new database gets the schema; an older one must be upgraded
        except OperationalError as exc:
            self.engine.dispose()
            raise StorageError(f"cannot open database {self.safe_url}: {_reason(exc)}{self._hint(exc)}") from None
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StorageError(f"cannot use database {self.safe_url}: {_reason(exc)}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer_sessions = sessionmaker(self.engine.execution_options(**WRITER), expire_on_commit=False)

    def _hint(self, exc: OperationalError) -> str:
        """What to do about a SQLite file that a read-only handle cannot open."""
        if self.readonly and self.engine.dialect.name == "sqlite" and "readonly" in str(exc.orig):
            return (" (SQLite reads a database in WAL mode only where its -wal and -shm files exist or can "
                    "be created: make its directory writable, or copy the database elsewhere)")
        return ""

    @property
    def safe_url(self) -> str:
        """The URL as given, with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def session(self, *, writer: bool = False) -> Session:
        """A session; a ``writer``'s transactions take SQLite's write lock when they begin (a run's
        batches: see :func:`_sqlite_begin`). On PostgreSQL both are the same."""
        return (self._writer_sessions if writer else self._sessions)()

    def dispose(self) -> None:
        self.engine.dispose()

    # --- reads shared by the CLI and the stages ---------------------------
    @staticmethod
    def find_article(session: Session, article_id: str) -> Article | None:
        """An article by its id, else by a unique prefix of it; None if there is none. A prefix
        that several articles share is an :class:`AmbiguousIdError` that lists the first
        :data:`PREFIX_CANDIDATES` of them."""
        found = session.get(Article, article_id)
        if found is not None:
            return found
        matches = session.execute(
            select(Article.id, Article.title).where(Article.id.startswith(article_id, autoescape=True))
            .order_by(Article.id).limit(PREFIX_CANDIDATES + 1)
        ).all()
        if len(matches) > 1:
            raise AmbiguousIdError(article_id, [(m.id, m.title) for m in matches[:PREFIX_CANDIDATES]],
                                   more=len(matches) > PREFIX_CANDIDATES)
        return session.get(Article, matches[0].id) if matches else None

    @staticmethod
    def stored(session: Session, uri: str, sha256: str | None) -> bool:
        """True when a document with these bytes from this URI is already stored."""
        if sha256 is None:
            return False
        with session.no_autoflush:  # a caller's unflushed rows are its own business
            return session.scalar(select(Provenance.id).where(
                Provenance.uri == uri, Provenance.content_sha256 == sha256).limit(1)) is not None

    @staticmethod
    def sources(session: Session, article_id: str) -> list[Provenance]:
        """Every document that carried the article, in the order they were seen."""
        return list(
            session.scalars(
                select(Provenance)
                .where(Provenance.article_id == article_id)
                .options(selectinload(Provenance.fetch))
                .order_by(Provenance.fetched_at, Provenance.id)
            )
        )

    @staticmethod
    def last_fetch(session: Session, url: str) -> Fetch | None:
        """The newest stored fetch of a page URL (its validators, for a conditional re-fetch);
        None when no crawl stored it."""
        with session.no_autoflush:
            return session.scalars(select(Fetch).join(Provenance).where(Provenance.uri == url)
                                   .order_by(Provenance.id.desc()).limit(1)).first()
